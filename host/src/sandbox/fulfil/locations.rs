//! The sandbox's stock locations (`stock.location`) and quantities per location.
//!
//! Two warehouses hold stock: `MAIN` (id 1), whose quantities are a product's
//! `quantity_available`/`quantity_on_hand`, and `STORE` (id 2, a shop), which holds
//! `store_available` of each product. A third location, the virtual `Customer` (id 3), is not
//! a warehouse and holds nothing. As in Fulfil, `product.product` quantities are summed over
//! the locations of the request's context (`{"locations": [ids]}`), or over every warehouse
//! when the context names none.

use serde_json::{Map, Value, json};

use super::UserError;
use super::shipments::row;
use crate::sandbox::SandboxProduct;

/// The main warehouse.
pub(crate) const MAIN: (i64, &str) = (1, "MAIN");
/// The shop.
pub(crate) const STORE: (i64, &str) = (2, "STORE");
/// The virtual customer location.
const CUSTOMER_ID: i64 = 3;

/// Fields of `stock.location`.
pub(super) const LOCATION_FIELDS: &[&str] = &["id", "code", "name", "type", "rec_name"];

/// `stock.location` rows.
pub(super) fn location_rows() -> Vec<Map<String, Value>> {
    [
        (MAIN.0, MAIN.1, "Main warehouse", "warehouse"),
        (STORE.0, STORE.1, "Shop", "warehouse"),
        (CUSTOMER_ID, "CUS", "Customer", "customer"),
    ]
    .into_iter()
    .map(|(id, code, name, kind)| {
        row(json!({"id": id, "code": code, "name": name, "type": kind, "rec_name": name}))
    })
    .collect()
}

/// The locations a request's context names: `None` when it names none (every warehouse
/// counts). `context` is the JSON object of the `context` query parameter or body key.
pub(super) fn context_locations(context: Option<&Value>) -> Result<Option<Vec<i64>>, UserError> {
    let Some(locations) = context.and_then(|c| c.get("locations")) else {
        return Ok(None);
    };
    let invalid = || {
        UserError::new(
            "invalid_context",
            "context.locations must be a list of location ids",
            "context",
        )
    };
    let ids = locations.as_array().ok_or_else(invalid)?;
    ids.iter()
        .map(|id| id.as_i64().ok_or_else(invalid))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `(quantity_available, quantity_on_hand)` of `product` summed over `locations` (every
/// warehouse when `None`); locations without stock add nothing.
pub(super) fn quantities(product: &SandboxProduct, locations: Option<&[i64]>) -> (f64, f64) {
    let counts = |id: i64| locations.is_none_or(|ids| ids.contains(&id));
    let mut available = 0.0;
    let mut on_hand = 0.0;
    if counts(MAIN.0) {
        available += product.quantity_available;
        on_hand += product.quantity_on_hand;
    }
    if counts(STORE.0) {
        available += product.store_available;
        on_hand += product.store_available;
    }
    (available, on_hand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::test_support::product;

    #[test]
    fn quantities_are_summed_over_the_context_locations() {
        let mut p = product(1, "SKU-A");
        p.store_available = 5.0;
        assert_eq!(quantities(&p, None), (15.0, 17.0));
        assert_eq!(quantities(&p, Some(&[MAIN.0])), (10.0, 12.0));
        assert_eq!(quantities(&p, Some(&[STORE.0])), (5.0, 5.0));
        assert_eq!(quantities(&p, Some(&[MAIN.0, STORE.0])), (15.0, 17.0));
        assert_eq!(quantities(&p, Some(&[CUSTOMER_ID, 99])), (0.0, 0.0));
    }

    #[test]
    fn the_context_must_list_ids() {
        assert_eq!(context_locations(None), Ok(None));
        assert_eq!(context_locations(Some(&json!({"company": 1}))), Ok(None));
        assert_eq!(
            context_locations(Some(&json!({"locations": [1, 2]}))),
            Ok(Some(vec![1, 2]))
        );
        for bad in [json!({"locations": 1}), json!({"locations": ["MAIN"]})] {
            let error = context_locations(Some(&bad)).expect_err("not ids");
            assert_eq!(error.code, "invalid_context");
        }
    }
}
