//! The units each John Lewis order without a Fulfil sale holds (see
//! [`crate::common::committed`] for why they are held and how the plans use them).

use std::collections::BTreeMap;

use crate::common::committed::Committed;
use crate::common::mirakl_order::MiraklOrder;

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::common::committed::Held;

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
        let skus: BTreeSet<&str> = holds.iter().map(|c| c.sku.as_str()).collect();
        skus.into_iter()
            .map(|sku| committed(sku, held.of(sku)))
            .collect()
    }

    #[test]
    fn each_order_holds_its_own_lines() {
        let a = order(
            "A",
            "WAITING_ACCEPTANCE",
            &[("MUG", 2, None), ("LAMP", 1, None)],
        );
        assert_eq!(order_holds(&a), [committed("LAMP", 1), committed("MUG", 2)]);
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
