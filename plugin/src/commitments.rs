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

/// Units of one offer SKU held on John Lewis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Committed {
    /// Offer SKU.
    pub sku: String,
    /// Units held.
    pub quantity: i64,
}

/// Per offer SKU (in SKU order), the units `orders` hold: raw OR11 orders without a Fulfil
/// sale, counting every line still waiting for acceptance, debit or shipping (a line without
/// a state takes its order's). An order that cannot be read holds nothing here; the order flow
/// reports it.
pub fn committed_stock<S: AsRef<str>>(orders: &[S]) -> Vec<Committed> {
    let mut held: BTreeMap<&str, i64> = BTreeMap::new();
    let parsed: Vec<MiraklOrder> = orders
        .iter()
        .filter_map(|raw| MiraklOrder::parse(raw.as_ref()).ok())
        .collect();
    for order in &parsed {
        for line in &order.order_lines {
            let state = line
                .order_line_state
                .as_deref()
                .unwrap_or(&order.order_state);
            if HOLDING.contains(&state) && line.quantity > 0 {
                let units = held.entry(&line.offer_sku).or_insert(0);
                *units = units.saturating_add(line.quantity);
            }
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
    use super::*;

    /// An OR11 order with `lines` of (sku, quantity, line state).
    fn order(id: &str, state: &str, lines: &[(&str, i64, Option<&str>)]) -> String {
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
        serde_json::json!({"order_id": id, "order_state": state, "order_lines": lines}).to_string()
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
            "{not an order".to_string(),
        ];
        assert_eq!(
            committed_stock(&orders),
            [
                Committed {
                    sku: "LAMP".into(),
                    quantity: 1
                },
                Committed {
                    sku: "MUG".into(),
                    quantity: 3
                },
                Committed {
                    sku: "VASE".into(),
                    quantity: 4
                },
            ]
        );
        assert_eq!(committed_stock::<&str>(&[]), []);
    }
}
