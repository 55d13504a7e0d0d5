//! The units John Lewis holds for orders that are not Fulfil sales yet: the stored orders
//! without a sale, with the lines the connector refused, through the component's
//! `committed-stock`.

use std::collections::HashMap;

use serde_json::Value;

use crate::runtime::exports::jlm::connector::inventory::PendingOrder;
use crate::runtime::{Plugin, PluginFault};
use crate::store::Store;

/// Units held per offer SKU by every stored order without a Fulfil sale, except `except`
/// (the order being planned). The inner error is the component's fault: then nothing can
/// be promised, as what is held is not known.
pub async fn committed_stock(
    store: &Store,
    plugin: &mut Plugin,
    except: Option<&str>,
) -> anyhow::Result<Result<HashMap<String, i64>, PluginFault>> {
    let pending: Vec<PendingOrder> = store
        .orders_without_sale(except)?
        .into_iter()
        .map(|(order, plan)| PendingOrder {
            order,
            refused_lines: plan.as_deref().map(refused_lines).unwrap_or_default(),
        })
        .collect();
    if pending.is_empty() {
        return Ok(Ok(HashMap::new()));
    }
    let count = pending.len();
    let held = plugin
        .call(
            &format!("the {count} orders without a Fulfil sale"),
            move |session| session.committed_stock(&pending),
        )
        .await?;
    Ok(held.map(|held| held.into_iter().map(|c| (c.sku, c.quantity)).collect()))
}

/// The ids of the lines a stored plan (`jlm plan order` JSON) refuses.
fn refused_lines(plan: &str) -> Vec<String> {
    let plan: Value = serde_json::from_str(plan).unwrap_or(Value::Null);
    plan["lines"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter(|l| l["accepted"] == Value::Bool(false))
                .filter_map(|l| l["line_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_plan_names_its_refused_lines() {
        let plan = r#"{"order_id":"A","action":"refuse","lines":[{"line_id":"A-1","accepted":true},{"line_id":"A-2","accepted":false}],"fulfil_order":null,"exceptions":[]}"#;
        assert_eq!(refused_lines(plan), ["A-2"]);
        assert!(refused_lines(r#"{"action":"hold","lines":[]}"#).is_empty());
        assert!(refused_lines("not json").is_empty());
    }
}
