//! A deliberately faulty `jlm:connector` component, built for the host's tests only.
//!
//! A record whose key contains `fault-panic` panics (the message goes to stderr through
//! WASI), `fault-loop` loops forever, `fault-alloc` allocates without bound; the key is the
//! order id for `plan-order`, `plan-dispatch` and `plan-cancel`, the return id for
//! `plan-return` and `plan-refund`, the SKU for `sku-key`, `plan-stock` and
//! `reconcile-stock`, the carrier for `check-carrier`. Every other record gets a trivial
//! valid answer: orders awaiting acceptance are accepted line by line, anything else is left
//! alone. `order-holds`, `still-waiting`, `check-clocks` and the `rereads` never fault (the
//! host calls them for every stored order, faulty ones included); `report` raises nothing;
//! a re-read shows only OR24 applied, once the order is shipped.

#[cfg(target_arch = "wasm32")]
mod component {
    use serde_json::Value;

    wit_bindgen::generate!({ path: "../../../wit", world: "connector" });

    use exports::jlm::connector::cancellations as cnc;
    use exports::jlm::connector::dispatch as dsp;
    use exports::jlm::connector::exceptions as exc;
    use exports::jlm::connector::inventory as inv;
    use exports::jlm::connector::orders as ord;
    use exports::jlm::connector::rereads as rrd;
    use exports::jlm::connector::returns as ret;
    use exports::jlm::connector::types::{
        Committed, Exception, MiraklRequest, PlanError, Resolution,
    };

    struct Component;

    /// Misbehaves as `key` asks, or returns.
    fn misbehave(key: &str) {
        if key.contains("fault-panic") {
            panic!("the faulty test component panics on {key}, as asked");
        }
        if key.contains("fault-loop") {
            let mut turns = 0u64;
            loop {
                turns = std::hint::black_box(turns.wrapping_add(1));
            }
        }
        if key.contains("fault-alloc") {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                hoard.push(vec![1; 1 << 20]);
                std::hint::black_box(&hoard);
            }
        }
    }

    /// A plan made: an earlier `plugin_fault` about `subject` is over.
    fn plugin_fault_over(subject: &str) -> Resolution {
        Resolution {
            codes: vec!["plugin_fault".into()],
            subject: Some(subject.into()),
        }
    }

    fn text(value: &Value, key: &str) -> String {
        value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    impl ord::Guest for Component {
        fn plan_order(
            order: String,
            _catalogue: Vec<ord::Product>,
            _offers: Vec<ord::Offer>,
            _committed: Vec<Committed>,
            _policy: ord::OrderPolicy,
            _now: String,
        ) -> Result<ord::OrderPlan, PlanError> {
            let order: Value = serde_json::from_str(&order).map_err(|e| PlanError {
                code: "invalid_json".into(),
                message: e.to_string(),
            })?;
            let order_id = text(&order, "order_id");
            misbehave(&order_id);
            let state = text(&order, "order_state");
            let waiting = state == "WAITING_ACCEPTANCE";
            let lines = match order.get("order_lines").and_then(Value::as_array) {
                Some(lines) if waiting => lines
                    .iter()
                    .map(|line| ord::LineDecision {
                        line_id: text(line, "order_line_id"),
                        accepted: true,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let requests = if waiting {
                let decisions: Vec<Value> = lines
                    .iter()
                    .map(|l| serde_json::json!({"id": l.line_id, "accepted": true}))
                    .collect();
                vec![MiraklRequest {
                    api: "OR21".into(),
                    path: format!("/api/orders/{order_id}/accept"),
                    body: Some(serde_json::json!({ "order_lines": decisions }).to_string()),
                }]
            } else {
                Vec::new()
            };
            let resolves = vec![plugin_fault_over(&order_id)];
            Ok(ord::OrderPlan {
                commercial_id: text(&order, "commercial_id"),
                order_id,
                state,
                action: if waiting {
                    ord::Action::Accept
                } else {
                    ord::Action::None
                },
                lines,
                fulfil_order: None,
                total: None,
                exceptions: Vec::new(),
                resolves,
                requests,
            })
        }

        fn sku_keys(skus: Vec<String>) -> Vec<String> {
            skus.iter()
                .map(|sku| {
                    misbehave(sku);
                    sku.trim().to_lowercase()
                })
                .collect()
        }

        fn still_waiting(orders: Vec<ord::StoredOrder>) -> Vec<bool> {
            use ord::OrderStage::{Accepted, Held, New, Refused};
            orders
                .iter()
                .map(|o| match o.stage {
                    Held => true,
                    New => o.state == "WAITING_ACCEPTANCE" || o.state == "SHIPPING",
                    Accepted | Refused => o.state == "SHIPPING",
                    _ => false,
                })
                .collect()
        }
    }

    impl rrd::Guest for Component {
        fn request_applied(request: MiraklRequest, shown: String) -> bool {
            request.api == "OR24" && Self::order_shipped(shown)
        }

        fn order_shipped(order: String) -> bool {
            let order: Value = serde_json::from_str(&order).unwrap_or(Value::Null);
            ["SHIPPED", "TO_COLLECT", "RECEIVED", "CLOSED"]
                .contains(&text(&order, "order_state").as_str())
        }
    }

    fn stock_plan(snapshot: &[inv::StockLevel]) -> inv::StockPlan {
        let mut csv =
            String::from("\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\r\n");
        let mut lines = Vec::new();
        for level in snapshot {
            misbehave(&level.sku);
            let quantity = level.available.max(0.0).floor() as i64;
            let warehouse = level.warehouse.as_deref().unwrap_or("");
            csv.push_str(&format!(
                "\"{}\";\"{quantity}\";\"{warehouse}\";\"\"\r\n",
                level.sku
            ));
            lines.push(inv::StockLine {
                sku: level.sku.clone(),
                warehouse: level.warehouse.clone(),
                quantity,
                previous: None,
            });
        }
        inv::StockPlan {
            csv,
            lines,
            exceptions: Vec::new(),
            resolves: vec![plugin_fault_over("stock")],
        }
    }

    impl ret::Guest for Component {
        #[allow(clippy::too_many_arguments)]
        fn plan_return(
            _order: String,
            mirakl_return: String,
            _shipped: Vec<ret::ShippedUnits>,
            _earlier: Vec<ret::ReturnedUnits>,
            _sale_id: Option<i64>,
            _policy: ret::ReturnPolicy,
            _now: String,
            _refusal: Option<String>,
        ) -> Result<ret::ReturnPlan, PlanError> {
            let parsed: Value = serde_json::from_str(&mirakl_return).unwrap_or(Value::Null);
            let id = text(&parsed, "id");
            misbehave(&id);
            Ok(ret::ReturnPlan {
                return_id: id.clone(),
                order_id: text(&parsed, "order_id"),
                commercial_id: text(&parsed, "order_commercial_id"),
                fulfil_return: None,
                requests: Vec::new(),
                exceptions: Vec::new(),
                resolves: vec![plugin_fault_over(&id)],
            })
        }

        fn plan_refund(
            _order: String,
            mirakl_return: String,
            _receipt: ret::Receipt,
            _refunded: Vec<ret::ReturnedUnits>,
            _policy: ret::RefundPolicy,
        ) -> Result<ret::RefundPlan, PlanError> {
            let parsed: Value = serde_json::from_str(&mirakl_return).unwrap_or(Value::Null);
            let id = text(&parsed, "id");
            misbehave(&id);
            Ok(ret::RefundPlan {
                return_id: id.clone(),
                order_id: text(&parsed, "order_id"),
                commercial_id: text(&parsed, "order_commercial_id"),
                requests: Vec::new(),
                refunds: Vec::new(),
                exceptions: Vec::new(),
                resolves: vec![plugin_fault_over(&id)],
            })
        }
    }

    impl cnc::Guest for Component {
        fn plan_cancel(
            order: String,
            _sale: cnc::FulfilSale,
            _shipped: Vec<cnc::ShippedLine>,
            _policy: cnc::CancelPolicy,
        ) -> Result<cnc::CancelPlan, PlanError> {
            let parsed: Value = serde_json::from_str(&order).unwrap_or(Value::Null);
            let id = text(&parsed, "order_id");
            misbehave(&id);
            Ok(cnc::CancelPlan {
                order_id: id.clone(),
                commercial_id: text(&parsed, "commercial_id"),
                fulfil: Vec::new(),
                requests: Vec::new(),
                lines: Vec::new(),
                exceptions: Vec::new(),
                resolves: vec![plugin_fault_over(&id)],
            })
        }
    }

    impl inv::Guest for Component {
        fn plan_stock(
            snapshot: Vec<inv::StockLevel>,
            _ledger: Vec<inv::Published>,
            _offers: Option<Vec<String>>,
            _policy: inv::StockPolicy,
            _committed: Vec<Committed>,
            _full: bool,
        ) -> Result<inv::StockPlan, PlanError> {
            Ok(stock_plan(&snapshot))
        }

        fn reconcile_stock(
            snapshot: Vec<inv::StockLevel>,
            _shown: Vec<inv::Published>,
            _offers: Option<Vec<String>>,
            _policy: inv::StockPolicy,
            _committed: Vec<Committed>,
        ) -> Result<inv::StockPlan, PlanError> {
            Ok(stock_plan(&snapshot))
        }

        fn order_holds(orders: Vec<inv::PendingOrder>) -> Vec<Vec<Committed>> {
            orders.iter().map(|_| Vec::new()).collect()
        }
    }

    impl dsp::Guest for Component {
        fn plan_dispatch(
            _order: String,
            shipment: dsp::Shipment,
            _carriers: Option<String>,
            _policy: dsp::DispatchPolicy,
            _shipped: Vec<dsp::ShippedLine>,
        ) -> Result<dsp::DispatchPlan, PlanError> {
            misbehave(&shipment.order);
            Ok(dsp::DispatchPlan {
                requests: Vec::new(),
                exceptions: Vec::new(),
                complete: false,
                resolves: vec![plugin_fault_over(&shipment.id.to_string())],
            })
        }

        fn check_carrier(
            carrier: String,
            _service: Option<String>,
            _policy: dsp::DispatchPolicy,
            _carriers: Option<String>,
        ) -> Result<dsp::CarrierCheck, PlanError> {
            misbehave(&carrier);
            Ok(dsp::CarrierCheck {
                status: "mapped".into(),
                jl_code: None,
                label: None,
            })
        }

        fn check_clocks(
            _order: String,
            _fulfil_shipped_at: Option<String>,
            _now: String,
            _policy: dsp::ClockPolicy,
        ) -> Result<Vec<Exception>, PlanError> {
            Ok(Vec::new())
        }

        fn clock_codes() -> Resolution {
            Resolution {
                codes: Vec::new(),
                subject: None,
            }
        }
    }

    impl exc::Guest for Component {
        fn report(_fact: exc::Fact) -> exc::Verdict {
            exc::Verdict {
                raise: Vec::new(),
                resolves: Vec::new(),
                holds: None,
            }
        }

        fn catalogue() -> Vec<exc::CodeEntry> {
            Vec::new()
        }
    }

    impl exports::jlm::connector::contract::Guest for Component {
        fn api_version() -> String {
            "0.4.0".into()
        }
    }

    export!(Component);
}
