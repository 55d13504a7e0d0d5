//! What the host's observations mean for the exception queue: the host reports a fact (a
//! rejection, an outage, a re-read), the component answers with the exceptions it raises,
//! the open ones it settles, and whether the work waits for a person.

use crate::common::error::PlanError;
use crate::common::exception::{Exception, Resolution, Severity, Team};

/// A remote API the connector calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// John Lewis' Mirakl seller API.
    Mirakl,
    /// Fulfil.
    Fulfil,
}

impl Service {
    /// The subject of its exceptions: `mirakl` or `fulfil`.
    pub fn name(self) -> &'static str {
        match self {
            Service::Mirakl => "mirakl",
            Service::Fulfil => "fulfil",
        }
    }
}

/// A call about `subject` that a remote API refused, or answered unreadably (`detail`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Order id, import id, "STO01".
    pub subject: String,
    /// The error as the host's client reports it.
    pub detail: String,
}

/// What the host saw while carrying out a plan (see the WIT `exceptions.fact`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// A call could not get through.
    ServiceUnavailable { service: Service, detail: String },
    /// A cycle reached the service.
    ServiceReachable(Service),
    /// Fulfil products could not be read: configured warehouses do not exist.
    WarehousesUnknown(String),
    /// Fulfil products were read for the configured warehouses.
    WarehousesKnown,
    /// OR11 returned an order without an `order_id`.
    OrderWithoutId,
    /// `plan-order` refused the order as input.
    OrderUnusable { order_id: String, error: PlanError },
    /// John Lewis rejected an OR21 decision.
    AcceptanceRejected(Failure),
    /// Fulfil refused to create a sale.
    SaleRejected(Failure),
    /// A sale waiting in the outbox could not be read back.
    SaleBodyUnreadable(Failure),
    /// Fulfil took a sale but its answer could not be read.
    SaleAnswerUnreadable(Failure),
    /// A sale exists in Fulfil for the order.
    SaleCreated(String),
    /// John Lewis cancelled an order after its sale reached Fulfil.
    CancelledAfterImport {
        order_id: String,
        sale: Option<String>,
    },
    /// A Fulfil shipment names an order John Lewis no longer returns.
    ShipmentOrphaned {
        shipment_id: String,
        order_id: String,
    },
    /// `plan-dispatch` refused the shipment as input.
    ShipmentUnusable {
        shipment_id: String,
        order_id: String,
        error: PlanError,
    },
    /// John Lewis rejected a dispatch request.
    DispatchRejected {
        shipment_id: String,
        order_id: String,
        api: String,
        detail: String,
    },
    /// John Lewis took a shipment's requests.
    DispatchSent {
        shipment_id: String,
        complete: bool,
        order_shipments: Vec<String>,
    },
    /// John Lewis rejected a whole STO01 file.
    StockFileRejected(String),
    /// A stock import failed as a whole (its id).
    StockImportFailed(String),
    /// John Lewis refused one line of an import.
    StockLineRefused {
        sku: String,
        import_id: String,
        message: String,
    },
    /// How far stock publication lags, in seconds.
    StockLag { oldest: Option<u64>, limit: u64 },
}

/// What a fact means for the queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Exceptions to raise.
    pub raise: Vec<Exception>,
    /// Open exceptions it settles.
    pub resolves: Vec<Resolution>,
    /// The raised code the work waits on until a person resolves it.
    pub holds: Option<String>,
}

impl Verdict {
    fn raise(exception: Exception) -> Verdict {
        Verdict {
            raise: vec![exception],
            ..Verdict::default()
        }
    }

    fn hold(exception: Exception) -> Verdict {
        Verdict {
            holds: Some(exception.code.clone()),
            raise: vec![exception],
            ..Verdict::default()
        }
    }

    fn resolve(codes: &[&str], subject: &str) -> Verdict {
        Verdict {
            resolves: vec![Resolution::new(codes, Some(subject))],
            ..Verdict::default()
        }
    }
}

/// The subject of `warehouse_unknown`: the configuration key to correct.
const WAREHOUSES_KEY: &str = "stock_sync.warehouses";

fn operations(code: &str, severity: Severity, subject: &str, message: String) -> Exception {
    Exception::new(code, Team::Operations, severity, subject, message)
}

/// The verdict on one fact.
pub fn report(fact: Fact) -> Verdict {
    use Severity::{Blocking, Warning};
    match fact {
        Fact::ServiceUnavailable { service, detail } => {
            let name = service.name();
            Verdict::raise(operations("api_unavailable", Warning, name, format!(
                "{name} could not be reached ({detail}). Work is kept in the outbox and retried on the next cycle; if this persists, check the {name} status and the API key."
            )))
        }
        Fact::ServiceReachable(service) => Verdict::resolve(&["api_unavailable"], service.name()),
        Fact::WarehousesUnknown(detail) => Verdict::raise(operations("warehouse_unknown", Blocking, WAREHOUSES_KEY, format!(
            "{detail}. Stock is not published and orders are not planned until it is fixed: set it to the codes of Fulfil warehouses (or leave it empty to count every warehouse) and restart jlm."
        ))),
        Fact::WarehousesKnown => Verdict::resolve(&["warehouse_unknown"], WAREHOUSES_KEY),
        Fact::OrderWithoutId => Verdict::raise(operations("order_invalid", Blocking, "unknown order",
            "OR11 returned an order without an order_id; it was skipped. Report this to John Lewis' Mirakl support.".into())),
        Fact::OrderUnusable { order_id, error } => Verdict::raise(operations("order_invalid", Blocking, &order_id, format!(
            "Order {order_id} could not be read ({}: {}). Nothing was sent; check the order on John Lewis and report malformed data to John Lewis' Mirakl support.",
            error.code, error.message
        ))),
        Fact::AcceptanceRejected(Failure { subject, detail }) => Verdict::raise(operations("acceptance_rejected", Blocking, &subject, format!(
            "John Lewis rejected the acceptance decision for order {subject}: {detail}. Accept or refuse the order in the John Lewis back office before its deadline."
        ))),
        Fact::SaleRejected(Failure { subject, detail }) => Verdict::hold(operations("fulfil_rejected", Blocking, &subject, format!(
            "Fulfil refused to create order {subject}: {detail}. Fix the cause in Fulfil (product, tax or channel set-up), then resolve this exception: the order is sent again (as it is when its data changes on John Lewis)."
        ))),
        Fact::SaleBodyUnreadable(Failure { subject, detail }) => Verdict::hold(operations("outbox_body_unreadable", Blocking, &subject, format!(
            "The sale waiting to be sent to Fulfil for order {subject} could not be read back from the connector's store ({detail}); nothing was sent. Check that the order is not in Fulfil, then resolve this exception: the order is planned and sent again."
        ))),
        Fact::SaleAnswerUnreadable(Failure { subject, detail }) => Verdict::raise(operations("fulfil_response_unreadable", Warning, &subject, format!(
            "Fulfil accepted the sale for order {subject} but its answer could not be read ({detail}). The connector reads the sale back from Fulfil on the next cycle; nothing to do unless this repeats (then report it to Fulfil support)."
        ))),
        Fact::SaleCreated(order_id) => Verdict::resolve(&["fulfil_rejected"], &order_id),
        Fact::CancelledAfterImport { order_id, sale } => {
            let sale = sale.unwrap_or_else(|| "(id not recorded)".into());
            Verdict::raise(operations("cancelled_after_import", Blocking, &order_id, format!(
                "John Lewis order {order_id} was cancelled after its sale reached Fulfil (sale {sale}). Cancel sale {sale} in Fulfil and stop its shipment if the warehouse has it, then resolve this exception; do not ship it."
            )))
        }
        Fact::ShipmentOrphaned { shipment_id, order_id } => Verdict::raise(operations("order_orphaned", Blocking, &shipment_id, format!(
            "Fulfil shipment {shipment_id} belongs to John Lewis order {order_id}, which John Lewis no longer returns. Check the order in the John Lewis back office."
        ))),
        Fact::ShipmentUnusable { shipment_id, order_id, error } => Verdict::raise(operations("dispatch_mismatch", Blocking, &shipment_id, format!(
            "Fulfil shipment {shipment_id} for order {order_id} could not be planned ({}: {}). Check the shipment's lines and carrier in Fulfil.",
            error.code, error.message
        ))),
        Fact::DispatchRejected { shipment_id, order_id, api, detail } => Verdict::hold(operations("dispatch_rejected", Blocking, &shipment_id, format!(
            "John Lewis rejected {api} for order {order_id} (Fulfil shipment {shipment_id}): {detail}. Correct the shipment or the carrier mapping: it is sent again when it changes, or when you resolve this exception."
        ))),
        Fact::DispatchSent { shipment_id, complete, order_shipments } => {
            let mut verdict = Verdict::resolve(&["dispatch_rejected"], &shipment_id);
            if complete {
                // The order is complete: earlier partial shipments need no more attention.
                verdict.resolves.extend(
                    order_shipments
                        .iter()
                        .map(|s| Resolution::new(&["partial_dispatch"], Some(s))),
                );
            }
            verdict
        }
        Fact::StockFileRejected(detail) => Verdict::raise(operations("stock_import_errors", Warning, "STO01", format!(
            "John Lewis rejected a stock file ({detail}). The changes are kept and sent again with the next upload; if this repeats, check the shop's stock import settings."
        ))),
        Fact::StockImportFailed(import_id) => Verdict::raise(operations("stock_import_errors", Warning, &import_id, format!(
            "John Lewis stock import {import_id} failed as a whole. Its changes are merged into the next upload."
        ))),
        Fact::StockLineRefused { sku, import_id, message } => Verdict::raise(Exception::new("stock_import_errors", Team::Ecommerce, Warning, &sku, format!(
            "John Lewis refused the stock line for {sku:?} in import {import_id}: {message}. Fix the offer on John Lewis (or the SKU in Fulfil); it is sent again at the next reconciliation."
        ))),
        Fact::StockLag { oldest: Some(age), limit } if age > limit => Verdict::raise(operations("stock_sync_delayed", Blocking, "stock", format!(
            "The oldest unpublished Fulfil stock change is {age}s old (limit {limit}s): John Lewis may be overselling. Check `jlm exceptions list` for api_unavailable or stock_import_errors."
        ))),
        Fact::StockLag { .. } => Verdict::resolve(&["stock_sync_delayed"], "stock"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exceptions::catalogue;

    fn failure(subject: &str) -> Failure {
        Failure {
            subject: subject.into(),
            detail: "409 Conflict".into(),
        }
    }

    /// One fact of each kind.
    fn every_fact() -> Vec<Fact> {
        let error = PlanError::argument("bad");
        vec![
            Fact::ServiceUnavailable {
                service: Service::Fulfil,
                detail: "timed out".into(),
            },
            Fact::ServiceReachable(Service::Mirakl),
            Fact::WarehousesUnknown("no warehouse MAIN".into()),
            Fact::WarehousesKnown,
            Fact::OrderWithoutId,
            Fact::OrderUnusable {
                order_id: "A".into(),
                error: error.clone(),
            },
            Fact::AcceptanceRejected(failure("A")),
            Fact::SaleRejected(failure("A")),
            Fact::SaleBodyUnreadable(failure("A")),
            Fact::SaleAnswerUnreadable(failure("A")),
            Fact::SaleCreated("A".into()),
            Fact::CancelledAfterImport {
                order_id: "A".into(),
                sale: Some("7".into()),
            },
            Fact::ShipmentOrphaned {
                shipment_id: "9".into(),
                order_id: "A".into(),
            },
            Fact::ShipmentUnusable {
                shipment_id: "9".into(),
                order_id: "A".into(),
                error,
            },
            Fact::DispatchRejected {
                shipment_id: "9".into(),
                order_id: "A".into(),
                api: "OR23".into(),
                detail: "400".into(),
            },
            Fact::DispatchSent {
                shipment_id: "9".into(),
                complete: true,
                order_shipments: vec!["8".into(), "9".into()],
            },
            Fact::StockFileRejected("400".into()),
            Fact::StockImportFailed("2041".into()),
            Fact::StockLineRefused {
                sku: "MUG".into(),
                import_id: "2041".into(),
                message: "unknown offer".into(),
            },
            Fact::StockLag {
                oldest: Some(400),
                limit: 300,
            },
            Fact::StockLag {
                oldest: Some(10),
                limit: 300,
            },
        ]
    }

    #[test]
    fn every_raised_exception_is_in_the_catalogue_and_every_hold_is_raised() {
        for fact in every_fact() {
            let verdict = report(fact.clone());
            for e in &verdict.raise {
                assert!(
                    catalogue::find(&e.code, e.team, e.severity).is_some(),
                    "{fact:?} raises {} ({:?}, {:?}), not in the catalogue",
                    e.code,
                    e.team,
                    e.severity
                );
            }
            if let Some(code) = &verdict.holds {
                assert!(verdict.raise.iter().any(|e| e.code == *code), "{fact:?}");
            }
            assert!(
                !verdict.raise.is_empty() || !verdict.resolves.is_empty(),
                "{fact:?} means nothing"
            );
        }
    }

    #[test]
    fn rejections_a_person_must_clear_hold_the_work_and_outages_do_not() {
        assert_eq!(
            report(Fact::SaleRejected(failure("A"))).holds.as_deref(),
            Some("fulfil_rejected")
        );
        let outage = report(Fact::ServiceUnavailable {
            service: Service::Mirakl,
            detail: "503".into(),
        });
        assert_eq!(
            (outage.raise[0].subject.as_str(), outage.holds),
            ("mirakl", None)
        );
    }

    #[test]
    fn a_complete_dispatch_settles_the_earlier_partial_shipments() {
        let verdict = report(Fact::DispatchSent {
            shipment_id: "9".into(),
            complete: true,
            order_shipments: vec!["8".into()],
        });
        assert_eq!(
            verdict.resolves,
            [
                Resolution::new(&["dispatch_rejected"], Some("9")),
                Resolution::new(&["partial_dispatch"], Some("8")),
            ]
        );
    }

    #[test]
    fn stock_lag_raises_only_past_the_limit() {
        let late = report(Fact::StockLag {
            oldest: Some(301),
            limit: 300,
        });
        assert_eq!(late.raise[0].code, "stock_sync_delayed");
        let fine = report(Fact::StockLag {
            oldest: None,
            limit: 300,
        });
        assert!(fine.raise.is_empty());
        assert_eq!(fine.resolves[0].codes, ["stock_sync_delayed"]);
    }
}
