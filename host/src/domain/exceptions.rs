//! What the host exchanges with the component's `exceptions` interface: the facts it saw, and
//! the component's verdict on each.

use super::types::{Exception, PlanError, Resolution, Severity, Team};

/// A remote service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// John Lewis' Mirakl seller API.
    Mirakl,
    /// Fulfil.
    Fulfil,
}

/// A call about one subject that a remote API refused, or answered unreadably.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What the call was about: an order id, an import id, "STO01".
    pub subject: String,
    /// The error as the host's client reports it.
    pub detail: String,
}

/// A service the host could not reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outage {
    /// The service.
    pub service: Service,
    /// The error as the host's client reports it.
    pub detail: String,
}

/// A record the component refused as input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unusable {
    /// The record: an order id, or a Fulfil shipment id.
    pub subject: String,
    /// The John Lewis order it belongs to.
    pub order_id: String,
    /// What the component said.
    pub error: PlanError,
}

/// A dispatch request John Lewis refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedRequest {
    /// Fulfil shipment id.
    pub shipment_id: String,
    /// John Lewis order id.
    pub order_id: String,
    /// Mirakl operation, e.g. "OR23".
    pub api: String,
    /// The error as the client reports it.
    pub detail: String,
}

/// A Fulfil sale for an order John Lewis cancelled after the sale was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CancelledSale {
    /// John Lewis order id.
    pub order_id: String,
    /// Fulfil sale id, when recorded.
    pub sale: Option<String>,
}

/// A Fulfil shipment whose John Lewis order OR11 no longer returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrphanedShipment {
    /// Fulfil shipment id.
    pub shipment_id: String,
    /// John Lewis order id it names.
    pub order_id: String,
}

/// A shipment John Lewis took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipmentSent {
    /// Fulfil shipment id.
    pub shipment_id: String,
    /// Every accepted line of the order is now shipped.
    pub complete: bool,
    /// Every shipment of the order the host knows, this one included.
    pub order_shipments: Vec<String>,
}

/// A stock line John Lewis refused in an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedStockLine {
    /// Offer SKU.
    pub sku: String,
    /// Mirakl import id.
    pub import_id: String,
    /// John Lewis' reason.
    pub message: String,
}

/// How far stock publication lags behind Fulfil.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StockLag {
    /// Age of the oldest unpublished change, in seconds; `None` when all are published.
    pub oldest_seconds: Option<u64>,
    /// The longest lag the seller accepts, in seconds.
    pub limit_seconds: u64,
}

/// Something the host saw that may mean an exception.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// A call could not get through.
    ServiceUnavailable(Outage),
    /// A cycle reached the service.
    ServiceReachable(Service),
    /// Configured warehouses do not exist in Fulfil (the detail).
    WarehousesUnknown(String),
    /// Fulfil products were read for the configured warehouses.
    WarehousesKnown,
    /// OR11 returned an order without an `order_id`.
    OrderWithoutId,
    /// `plan-order` refused an order as input.
    OrderUnusable(Unusable),
    /// John Lewis rejected an OR21 acceptance decision.
    AcceptanceRejected(Failure),
    /// Fulfil refused to create a sale.
    SaleRejected(Failure),
    /// A sale waiting in the outbox could not be read back from the store.
    SaleBodyUnreadable(Failure),
    /// Fulfil took a sale but its answer could not be read.
    SaleAnswerUnreadable(Failure),
    /// A sale exists in Fulfil for the order (its id).
    SaleCreated(String),
    /// John Lewis cancelled an order after its sale reached Fulfil.
    CancelledAfterImport(CancelledSale),
    /// A Fulfil shipment names an order John Lewis no longer returns.
    ShipmentOrphaned(OrphanedShipment),
    /// `plan-dispatch` refused a shipment as input.
    ShipmentUnusable(Unusable),
    /// John Lewis rejected a dispatch request.
    DispatchRejected(RefusedRequest),
    /// John Lewis took a shipment's requests.
    DispatchSent(ShipmentSent),
    /// John Lewis rejected a whole STO01 stock file (the detail).
    StockFileRejected(String),
    /// A stock import failed as a whole (its import id).
    StockImportFailed(String),
    /// John Lewis refused one line of a stock import.
    StockLineRefused(RefusedStockLine),
    /// How far stock publication lags.
    StockLag(StockLag),
}

/// What a fact means for the exception queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Exceptions to raise (or count again).
    pub raise: Vec<Exception>,
    /// Open exceptions it settles.
    pub resolves: Vec<Resolution>,
    /// The code of a raised exception that holds the outbox entry back until a person acts.
    pub holds: Option<String>,
}

/// One code of the component's catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeEntry {
    /// Stable code.
    pub code: String,
    /// Owning team.
    pub team: Team,
    /// Severity it is raised with.
    pub severity: Severity,
    /// What it means and what to do.
    pub meaning: String,
}
