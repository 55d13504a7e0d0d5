//! Conversions between the generated WIT bindings and the host's own types (`crate::domain`),
//! both ways, field by field. Strings and lists move, so a large input (a 200,000-SKU
//! snapshot) is not copied on the way in.

use super::bindings::exports::jlm::connector::{
    cancellations, dispatch, exceptions, inventory, orders, returns, types,
};
use crate::domain;

/// A value converted to its mirror on the other side of the boundary.
pub(super) trait Cross<T> {
    /// Converts, moving what it can.
    fn cross(self) -> T;
}

macro_rules! same {
    ($($t:ty),*) => {$(
        impl Cross<$t> for $t {
            fn cross(self) -> $t {
                self
            }
        }
    )*};
}
same!(String, bool, i64, u8, u32, u64, f64);

impl<A: Cross<B>, B> Cross<Vec<B>> for Vec<A> {
    fn cross(self) -> Vec<B> {
        self.into_iter().map(Cross::cross).collect()
    }
}

impl<A: Cross<B>, B> Cross<Option<B>> for Option<A> {
    fn cross(self) -> Option<B> {
        self.map(Cross::cross)
    }
}

/// Records with the same fields on both sides.
macro_rules! records {
    ($($wit:path => $own:path { $($field:ident),* $(,)? })*) => {$(
        impl Cross<$own> for $wit {
            fn cross(self) -> $own {
                $own { $($field: self.$field.cross()),* }
            }
        }
        impl Cross<$wit> for $own {
            fn cross(self) -> $wit {
                $wit { $($field: self.$field.cross()),* }
            }
        }
    )*};
}

/// Enums with the same cases on both sides.
macro_rules! enums {
    ($($wit:ident :: $wt:ident => $own:ident :: $ot:ident { $($case:ident),* $(,)? })*) => {$(
        impl Cross<$own::$ot> for $wit::$wt {
            fn cross(self) -> $own::$ot {
                match self { $($wit::$wt::$case => $own::$ot::$case),* }
            }
        }
        impl Cross<$wit::$wt> for $own::$ot {
            fn cross(self) -> $wit::$wt {
                match self { $($own::$ot::$case => $wit::$wt::$case),* }
            }
        }
    )*};
}

use domain::cancellations as own_cancellations;
use domain::exceptions as own_exceptions;
use domain::orders as own_orders;
use domain::returns as own_returns;
use domain::types as own_types;

enums! {
    types::Team => own_types::Team { Operations, Finance, Ecommerce }
    types::Severity => own_types::Severity { Info, Warning, Blocking }
    orders::Action => own_orders::Action { Accept, Refuse, Hold, None }
    orders::OrderStage => own_orders::OrderStage { New, Held, Accepted, Refused, Created, Closed }
    exceptions::Service => own_exceptions::Service { Mirakl, Fulfil }
    returns::ShippingRefund => own_returns::ShippingRefund { Never, FullReturn, ProRata }
    cancellations::CancelSide => own_cancellations::CancelSide { Fulfil, JohnLewis }
}

records! {
    types::Money => domain::types::Money { minor, currency }
    types::Exception => domain::types::Exception { code, team, severity, subject, message }
    types::PlanError => domain::types::PlanError { code, message }
    types::Resolution => domain::types::Resolution { codes, subject }
    types::MiraklRequest => domain::types::MiraklRequest { api, path, body }
    types::Committed => domain::types::Committed { sku, quantity }
    types::FulfilRequest => domain::types::FulfilRequest { call, path, body }

    orders::Product => domain::orders::Product { sku, ean, available }
    orders::Offer => domain::orders::Offer { sku, ean }
    orders::TaxName => domain::orders::TaxName { code, name }
    orders::OrderPolicy => domain::orders::OrderPolicy {
        refuse_out_of_stock, gift_message_order_codes, gift_message_line_codes, tax_names,
        acceptance_window_minutes, unit_price_digits, currency, default_country,
        tax_pass_through,
    }
    orders::LineDecision => domain::orders::LineDecision { line_id, accepted }
    orders::StoredOrder => domain::orders::StoredOrder { stage, state }
    orders::OrderPlan => domain::orders::OrderPlan {
        order_id, commercial_id, state, action, lines, fulfil_order, total, exceptions,
        requests, resolves,
    }

    returns::ShippedUnits => domain::returns::ShippedUnits { line_id, quantity }
    returns::ReturnedUnits => domain::returns::ReturnedUnits { return_id, line_id, quantity }
    returns::ReasonName => domain::returns::ReasonName { code, name }
    returns::ReturnPolicy => domain::returns::ReturnPolicy {
        window_days, reasons, tax_names, unit_price_digits,
    }
    returns::ReturnPlan => domain::returns::ReturnPlan {
        return_id, order_id, commercial_id, fulfil_return, requests, exceptions, resolves,
    }
    returns::Inspection => domain::returns::Inspection { sku, note }
    returns::Receipt => domain::returns::Receipt { shipment, received, non_compliant }
    returns::RefundPolicy => domain::returns::RefundPolicy {
        shipping, reason_code, non_compliance, non_compliance_default,
    }
    returns::RefundedLine => domain::returns::RefundedLine { line_id, quantity, total }
    returns::RefundPlan => domain::returns::RefundPlan {
        return_id, order_id, commercial_id, requests, refunds, exceptions, resolves,
    }

    cancellations::FulfilSaleLine => domain::cancellations::FulfilSaleLine { id, line_id, quantity }
    cancellations::FulfilSale => domain::cancellations::FulfilSale { id, cancelled, lines }
    cancellations::ShippedLine => domain::cancellations::ShippedLine { line_id, quantity, shipment }
    cancellations::CancelPolicy => domain::cancellations::CancelPolicy { reason_code }
    cancellations::CancelledLine => domain::cancellations::CancelledLine { line_id, side, quantity }
    cancellations::CancelPlan => domain::cancellations::CancelPlan {
        order_id, commercial_id, fulfil, requests, lines, exceptions, resolves,
    }

    inventory::StockLevel => domain::inventory::StockLevel { sku, warehouse, available }
    inventory::Published => domain::inventory::Published { sku, warehouse, quantity }
    inventory::StockRule => domain::inventory::StockRule { buffer, percent, max, zero_below }
    inventory::SkuRule => domain::inventory::SkuRule { sku, buffer, percent, max, zero_below }
    inventory::StockPolicy => domain::inventory::StockPolicy { defaults, overrides, exclude }
    inventory::StockLine => domain::inventory::StockLine { sku, warehouse, quantity, previous }
    inventory::StockPlan => domain::inventory::StockPlan { csv, lines, exceptions, resolves }
    inventory::PendingOrder => domain::inventory::PendingOrder { order, refused_lines }

    dispatch::ShipmentLine => domain::dispatch::ShipmentLine { line_id, sku, quantity }
    dispatch::Shipment => domain::dispatch::Shipment {
        id, order, carrier, service, tracking_number, lines,
    }
    dispatch::ShippedLine => domain::dispatch::ShippedLine { line_id, quantity }
    dispatch::CarrierMapping => domain::dispatch::CarrierMapping {
        fulfil_carrier, fulfil_service, jl_code, tracking_format, registered, name,
        tracking_url_template,
    }
    dispatch::DispatchPolicy => domain::dispatch::DispatchPolicy { carriers, multi_shipment }
    dispatch::DispatchPlan => domain::dispatch::DispatchPlan {
        requests, exceptions, complete, resolves,
    }
    dispatch::CarrierCheck => domain::dispatch::CarrierCheck { status, jl_code, label }
    dispatch::ClockPolicy => domain::dispatch::ClockPolicy {
        acceptance_window_minutes, acceptance_margin_minutes, dispatch_margin_minutes,
        unconfirmed_after_minutes,
    }

    exceptions::Failure => domain::exceptions::Failure { subject, detail }
    exceptions::Outage => domain::exceptions::Outage { service, detail }
    exceptions::Unusable => domain::exceptions::Unusable { subject, order_id, error }
    exceptions::RefusedRequest => domain::exceptions::RefusedRequest {
        shipment_id, order_id, api, detail,
    }
    exceptions::CancelledSale => domain::exceptions::CancelledSale { order_id, sale }
    exceptions::OrphanedShipment => domain::exceptions::OrphanedShipment { shipment_id, order_id }
    exceptions::ShipmentSent => domain::exceptions::ShipmentSent {
        shipment_id, complete, order_shipments,
    }
    exceptions::RefusedStockLine => domain::exceptions::RefusedStockLine {
        sku, import_id, message,
    }
    exceptions::StockLag => domain::exceptions::StockLag { oldest_seconds, limit_seconds }
    exceptions::Verdict => domain::exceptions::Verdict { raise, resolves, holds }
    exceptions::CodeEntry => domain::exceptions::CodeEntry { code, team, severity, meaning }
}

impl Cross<exceptions::Fact> for own_exceptions::Fact {
    fn cross(self) -> exceptions::Fact {
        use exceptions::Fact as W;
        use own_exceptions::Fact as O;
        match self {
            O::ServiceUnavailable(o) => W::ServiceUnavailable(o.cross()),
            O::ServiceReachable(s) => W::ServiceReachable(s.cross()),
            O::WarehousesUnknown(d) => W::WarehousesUnknown(d),
            O::WarehousesKnown => W::WarehousesKnown,
            O::OrderWithoutId => W::OrderWithoutId,
            O::OrderUnusable(u) => W::OrderUnusable(u.cross()),
            O::AcceptanceRejected(f) => W::AcceptanceRejected(f.cross()),
            O::SaleRejected(f) => W::SaleRejected(f.cross()),
            O::SaleBodyUnreadable(f) => W::SaleBodyUnreadable(f.cross()),
            O::SaleAnswerUnreadable(f) => W::SaleAnswerUnreadable(f.cross()),
            O::SaleCreated(id) => W::SaleCreated(id),
            O::CancelledAfterImport(c) => W::CancelledAfterImport(c.cross()),
            O::ShipmentOrphaned(o) => W::ShipmentOrphaned(o.cross()),
            O::ShipmentUnusable(u) => W::ShipmentUnusable(u.cross()),
            O::DispatchRejected(r) => W::DispatchRejected(r.cross()),
            O::DispatchSent(s) => W::DispatchSent(s.cross()),
            O::StockFileRejected(d) => W::StockFileRejected(d),
            O::StockImportFailed(id) => W::StockImportFailed(id),
            O::StockLineRefused(l) => W::StockLineRefused(l.cross()),
            O::StockLag(l) => W::StockLag(l.cross()),
        }
    }
}

impl<A: Cross<B>, B, E: Cross<F>, F> Cross<Result<B, F>> for Result<A, E> {
    fn cross(self) -> Result<B, F> {
        self.map(Cross::cross).map_err(Cross::cross)
    }
}
