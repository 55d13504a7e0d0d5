//! The `exceptions` interface: `report` and `catalogue`.

use super::exports::jlm::connector::exceptions as wit;
use super::{Component, exceptions, native_plan_error, resolutions, severity, team};
use crate::exceptions::catalogue::CODES;
use crate::exceptions::facts::{self, Fact, Failure, Service};

fn service(service: wit::Service) -> Service {
    match service {
        wit::Service::Mirakl => Service::Mirakl,
        wit::Service::Fulfil => Service::Fulfil,
    }
}

fn failure(f: wit::Failure) -> Failure {
    Failure {
        subject: f.subject,
        detail: f.detail,
    }
}

fn fact(fact: wit::Fact) -> Fact {
    use wit::Fact as F;
    match fact {
        F::ServiceUnavailable(o) => Fact::ServiceUnavailable {
            service: service(o.service),
            detail: o.detail,
        },
        F::ServiceReachable(s) => Fact::ServiceReachable(service(s)),
        F::WarehousesUnknown(detail) => Fact::WarehousesUnknown(detail),
        F::WarehousesKnown => Fact::WarehousesKnown,
        F::OrderWithoutId => Fact::OrderWithoutId,
        F::OrderUnusable(u) => Fact::OrderUnusable {
            order_id: u.order_id,
            error: native_plan_error(u.error),
        },
        F::AcceptanceRejected(f) => Fact::AcceptanceRejected(failure(f)),
        F::SaleRejected(f) => Fact::SaleRejected(failure(f)),
        F::SaleBodyUnreadable(f) => Fact::SaleBodyUnreadable(failure(f)),
        F::SaleAnswerUnreadable(f) => Fact::SaleAnswerUnreadable(failure(f)),
        F::SaleCreated(order_id) => Fact::SaleCreated(order_id),
        F::CancelledAfterImport(c) => Fact::CancelledAfterImport {
            order_id: c.order_id,
            sale: c.sale,
        },
        F::ShipmentOrphaned(o) => Fact::ShipmentOrphaned {
            shipment_id: o.shipment_id,
            order_id: o.order_id,
        },
        F::ShipmentUnusable(u) => Fact::ShipmentUnusable {
            shipment_id: u.subject,
            order_id: u.order_id,
            error: native_plan_error(u.error),
        },
        F::DispatchRejected(r) => Fact::DispatchRejected {
            shipment_id: r.shipment_id,
            order_id: r.order_id,
            api: r.api,
            detail: r.detail,
        },
        F::DispatchSent(s) => Fact::DispatchSent {
            shipment_id: s.shipment_id,
            complete: s.complete,
            order_shipments: s.order_shipments,
        },
        F::StockFileRejected(detail) => Fact::StockFileRejected(detail),
        F::StockImportFailed(import_id) => Fact::StockImportFailed(import_id),
        F::StockLineRefused(l) => Fact::StockLineRefused {
            sku: l.sku,
            import_id: l.import_id,
            message: l.message,
        },
        F::StockLag(l) => Fact::StockLag {
            oldest: l.oldest_seconds,
            limit: l.limit_seconds,
        },
    }
}

impl wit::Guest for Component {
    fn report(observed: wit::Fact) -> wit::Verdict {
        let verdict = facts::report(fact(observed));
        wit::Verdict {
            raise: exceptions(verdict.raise),
            resolves: resolutions(verdict.resolves),
            holds: verdict.holds,
        }
    }

    fn catalogue() -> Vec<wit::CodeEntry> {
        CODES
            .iter()
            .map(|e| wit::CodeEntry {
                code: e.code.to_string(),
                team: team(e.team),
                severity: severity(e.severity),
                meaning: e.meaning.to_string(),
            })
            .collect()
    }
}
