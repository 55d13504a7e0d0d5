//! The units John Lewis holds for orders that are not Fulfil sales yet. Each order's holds
//! come from the component's `order-holds` once per change of the order (its OR11 body or
//! its plan) and are kept in the store; what is committed is their sum.

use serde_json::Value;

use crate::domain::inventory::PendingOrder;
use crate::domain::types::Committed;
use crate::runtime::{Plugin, PluginFault};
use crate::store::Store;

/// Units held per offer SKU by every stored order without a Fulfil sale, except `except`
/// (the order being planned). The inner error is the component's fault: then nothing can
/// be promised, as what is held is not known.
pub async fn committed_stock(
    store: &Store,
    plugin: &mut Plugin,
    except: Option<&str>,
) -> anyhow::Result<Result<Vec<Committed>, PluginFault>> {
    if let Err(fault) = refresh(store, plugin).await? {
        return Ok(Err(fault));
    }
    Ok(Ok(store
        .committed(except)?
        .into_iter()
        .map(|(sku, quantity)| Committed { sku, quantity })
        .collect()))
}

/// Asks the component what the orders changed since their holds were last known hold.
async fn refresh(store: &Store, plugin: &mut Plugin) -> anyhow::Result<Result<(), PluginFault>> {
    let stale = store.orders_with_stale_holds()?;
    if stale.is_empty() {
        return Ok(Ok(()));
    }
    let pending: Vec<PendingOrder> = stale
        .iter()
        .map(|(_, order, plan)| PendingOrder {
            order: order.clone(),
            refused_lines: plan.as_deref().map(refused_lines).unwrap_or_default(),
        })
        .collect();
    let count = pending.len();
    let holds = plugin
        .call(
            &format!("the {count} orders without a Fulfil sale"),
            move |session| session.order_holds(pending),
        )
        .await?;
    let holds = match holds {
        Ok(holds) => holds,
        Err(fault) => return Ok(Err(fault)),
    };
    for ((order_id, raw, _), held) in stale.iter().zip(holds) {
        let held: Vec<(String, i64)> = held.into_iter().map(|c| (c.sku, c.quantity)).collect();
        store.set_order_holds(order_id, raw, &held)?;
    }
    Ok(Ok(()))
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
