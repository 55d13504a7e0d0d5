//! Stock John Lewis holds for orders Fulfil does not have yet.
//!
//! When a customer orders, John Lewis takes the units off the offer at once; Fulfil's
//! availability shows them only once the sale is created there, after acceptance and payment.
//! Until then those units must be neither published again nor promised to another order.

use std::collections::BTreeMap;

use crate::mirakl_order::MiraklOrder;

/// Line states in which John Lewis holds the units for the customer.
const HOLDING: &[&str] = &[
    "STAGING",
    "WAITING_ACCEPTANCE",
    "WAITING_DEBIT",
    "WAITING_DEBIT_PAYMENT",
    "SHIPPING",
];

/// A John Lewis order that has no Fulfil sale yet.
#[derive(Clone, Debug, Default)]
pub struct PendingOrder {
    /// The order as OR11 last returned it (raw JSON).
    pub order: String,
    /// Lines the connector refused, which the order may still show as waiting.
    pub refused_lines: Vec<String>,
}

/// Units of one offer SKU held on John Lewis.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Committed {
    /// Offer SKU.
    pub sku: String,
    /// Units held.
    pub quantity: i64,
}

/// Per offer SKU (in SKU order), the units `order` holds: every line still waiting for
/// acceptance, debit or shipping (a line without a state takes its order's) and not refused; a
/// line in a state the connector does not know holds its units while its order is in one of
/// those states (never promised twice). An order that cannot be read holds nothing here; the
/// order flow reports it.
pub fn order_holds(pending: &PendingOrder) -> Vec<Committed> {
    let Ok(order) = MiraklOrder::parse(&pending.order) else {
        return Vec::new();
    };
    let mut held: BTreeMap<&str, i64> = BTreeMap::new();
    for line in &order.order_lines {
        let state = line
            .order_line_state
            .as_deref()
            .unwrap_or(&order.order_state);
        let is_refused = pending
            .refused_lines
            .iter()
            .any(|id| *id == *line.order_line_id);
        let holding = HOLDING.contains(&state)
            || (line.unknown_state().is_some() && HOLDING.contains(&&*order.order_state));
        if holding && !is_refused && line.quantity > 0 {
            let units = held.entry(&line.offer_sku).or_insert(0);
            *units = units.saturating_add(line.quantity);
        }
    }
    held.into_iter()
        .map(|(sku, quantity)| Committed {
            sku: sku.to_string(),
            quantity,
        })
        .collect()
}

/// Units held per offer SKU, as the plans take them off what Fulfil shows.
#[derive(Debug, Default)]
pub struct Held<'a>(BTreeMap<&'a str, i64>);

impl<'a> Held<'a> {
    /// The sum of `committed` per SKU (a SKU may appear more than once).
    pub fn new(committed: &'a [Committed]) -> Held<'a> {
        let mut held = BTreeMap::new();
        for c in committed {
            let units: &mut i64 = held.entry(c.sku.as_str()).or_insert(0);
            *units = units.saturating_add(c.quantity);
        }
        Held(held)
    }

    /// Units held for `sku`.
    pub fn of(&self, sku: &str) -> i64 {
        self.0.get(sku).copied().unwrap_or(0)
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pending OR11 order with `lines` of (sku, quantity, line state), nothing refused.
    fn order(id: &str, state: &str, lines: &[(&str, i64, Option<&str>)]) -> PendingOrder {
        let lines: Vec<serde_json::Value> = lines
            .iter()
            .enumerate()
            .map(|(i, (sku, quantity, line_state))| {
                serde_json::json!({
                    "order_line_id": format!("{id}-{i}"),
                    "order_line_state": line_state,
                    "offer_sku": sku,
                    "quantity": quantity,
                    "price": 10.0,
                })
            })
            .collect();
        PendingOrder {
            order: serde_json::json!({"order_id": id, "order_state": state, "order_lines": lines})
                .to_string(),
            refused_lines: Vec::new(),
        }
    }

    /// The holds of `orders`, summed per SKU, in SKU order.
    fn committed_stock(orders: &[PendingOrder]) -> Vec<Committed> {
        let holds: Vec<Committed> = orders.iter().flat_map(order_holds).collect();
        let held = Held::new(&holds);
        held.0
            .iter()
            .map(|(sku, quantity)| committed(sku, *quantity))
            .collect()
    }

    #[test]
    fn each_order_holds_its_own_lines_and_held_sums_them() {
        let a = order(
            "A",
            "WAITING_ACCEPTANCE",
            &[("MUG", 2, None), ("LAMP", 1, None)],
        );
        assert_eq!(order_holds(&a), [committed("LAMP", 1), committed("MUG", 2)]);
        let holds = [
            committed("MUG", 2),
            committed("LAMP", 1),
            committed("MUG", 3),
        ];
        let held = Held::new(&holds);
        assert_eq!(
            (held.of("MUG"), held.of("LAMP"), held.of("VASE")),
            (5, 1, 0)
        );
        assert!(Held::new(&[]).is_empty());
    }

    fn committed(sku: &str, quantity: i64) -> Committed {
        Committed {
            sku: sku.into(),
            quantity,
        }
    }

    #[test]
    fn lines_waiting_for_acceptance_debit_or_shipping_hold_their_units() {
        let orders = [
            order(
                "A",
                "WAITING_ACCEPTANCE",
                &[("MUG", 2, None), ("LAMP", 1, None)],
            ),
            order(
                "B",
                "SHIPPING",
                &[("MUG", 1, Some("SHIPPING")), ("LAMP", 3, Some("REFUSED"))],
            ),
            order("C", "WAITING_DEBIT_PAYMENT", &[("VASE", 4, None)]),
            order("D", "CANCELED", &[("VASE", 5, Some("CANCELED"))]),
            order("E", "SHIPPED", &[("MUG", 7, Some("SHIPPED"))]),
            PendingOrder {
                order: "{not an order".into(),
                ..PendingOrder::default()
            },
        ];
        assert_eq!(
            committed_stock(&orders),
            [
                committed("LAMP", 1),
                committed("MUG", 3),
                committed("VASE", 4)
            ]
        );
        assert_eq!(committed_stock(&[]), []);
    }

    #[test]
    fn a_line_in_a_state_mirakl_added_keeps_its_units_while_its_order_is_open() {
        let orders = [
            order("A", "SHIPPING", &[("MUG", 2, Some("PARTIALLY_REFUNDED"))]),
            order("B", "CLOSED", &[("MUG", 5, Some("PARTIALLY_REFUNDED"))]),
            // An order state Mirakl added: the order is read, its known line states decide.
            order(
                "C",
                "ON_SCORING",
                &[("LAMP", 1, Some("WAITING_ACCEPTANCE"))],
            ),
        ];
        assert_eq!(
            committed_stock(&orders),
            [committed("LAMP", 1), committed("MUG", 2)]
        );
    }

    #[test]
    fn lines_the_connector_refused_hold_nothing_while_john_lewis_still_shows_them_waiting() {
        let mut refused = order(
            "A",
            "WAITING_ACCEPTANCE",
            &[("LAMP", 2, None), ("MUG", 1, None)],
        );
        refused.refused_lines = vec!["A-0".into()];
        assert_eq!(committed_stock(&[refused]), [committed("MUG", 1)]);
    }
}
