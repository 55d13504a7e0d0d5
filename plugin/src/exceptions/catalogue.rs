//! The exception catalogue: every code the connector raises, with its owning team, its
//! severity and what the team does about it. The README's handbook is checked against it.

use crate::common::exception::{Severity, Team};

/// One code of the catalogue. A code raised with two teams or severities (a line refused in
/// a stock import is the catalogue's, a whole file the warehouse's) has one entry for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeEntry {
    /// Stable code.
    pub code: &'static str,
    /// Owning team.
    pub team: Team,
    /// Severity it is raised with.
    pub severity: Severity,
    /// What it means and what to do, in one sentence.
    pub meaning: &'static str,
}

const fn entry(
    code: &'static str,
    team: Team,
    severity: Severity,
    meaning: &'static str,
) -> CodeEntry {
    CodeEntry {
        code,
        team,
        severity,
        meaning,
    }
}

use Severity::{Blocking, Info, Warning};
use Team::{Ecommerce, Finance, Operations};

/// Every code, in code order.
pub const CODES: &[CodeEntry] = &[
    entry(
        "acceptance_overdue",
        Operations,
        Blocking,
        "An order still awaits acceptance close to its deadline: accept or refuse it in the John Lewis back office now.",
    ),
    entry(
        "acceptance_rejected",
        Operations,
        Blocking,
        "John Lewis rejected the connector's accept/refuse decision: decide the order in the John Lewis back office before its deadline.",
    ),
    entry(
        "address_invalid",
        Operations,
        Blocking,
        "A delivery address cannot be used (no country, or one Fulfil does not know): correct it with the customer, then the order is created.",
    ),
    entry(
        "address_missing",
        Operations,
        Blocking,
        "A paid order has no delivery address: ask John Lewis support for it.",
    ),
    entry(
        "api_unavailable",
        Operations,
        Warning,
        "Mirakl or Fulfil could not be reached; work waits in the outbox and is retried: check the service status and the API key if it persists.",
    ),
    entry(
        "cancel_after_dispatch",
        Operations,
        Blocking,
        "One side cancelled an order (or some of its units) after the goods left the warehouse; nothing was changed for those lines: have customer service contact the customer (return or withdraw the cancellation).",
    ),
    entry(
        "cancelled_after_import",
        Operations,
        Blocking,
        "John Lewis cancelled an order whose sale is already in Fulfil: cancel the sale in Fulfil and stop its shipment.",
    ),
    entry(
        "carrier_not_approved",
        Operations,
        Blocking,
        "A shipment's carrier maps to a code John Lewis does not list (SH21): map it to an approved carrier.",
    ),
    entry(
        "currency_unexpected",
        Finance,
        Blocking,
        "An order is in a currency other than the channel's: check the John Lewis channel set-up; the order is neither decided nor created.",
    ),
    entry(
        "dispatch_mismatch",
        Operations,
        Blocking,
        "A shipment does not match its order (lines, quantities, state) or cannot be planned: correct the shipment in Fulfil.",
    ),
    entry(
        "dispatch_overdue",
        Operations,
        Blocking,
        "A paid order is close to its shipping deadline and not shipped in Fulfil: ship it now.",
    ),
    entry(
        "dispatch_rejected",
        Operations,
        Blocking,
        "John Lewis rejected a dispatch call: correct the shipment or the carrier mapping; it is sent again when it changes or this is resolved.",
    ),
    entry(
        "dispatch_unconfirmed",
        Operations,
        Blocking,
        "John Lewis still shows an order awaiting shipment long after Fulfil shipped it: check the order on John Lewis.",
    ),
    entry(
        "ean_invalid",
        Ecommerce,
        Warning,
        "A Fulfil product's EAN is not a valid GTIN-13: correct it in Fulfil.",
    ),
    entry(
        "ean_mismatch",
        Ecommerce,
        Blocking,
        "The EAN John Lewis has for an offer differs from the Fulfil product's: make them the same product.",
    ),
    entry(
        "fulfil_rejected",
        Operations,
        Blocking,
        "Fulfil refused to create a sale: fix the cause in Fulfil (product, tax, channel), then resolve this to send it again.",
    ),
    entry(
        "fulfil_response_unreadable",
        Operations,
        Warning,
        "Fulfil took a sale but its answer could not be read; the connector reads the sale back: nothing to do unless it repeats.",
    ),
    entry(
        "insufficient_stock",
        Operations,
        Warning,
        "An order was accepted or refused in part for lack of stock: expedite stock or contact the customer.",
    ),
    entry(
        "insufficient_stock",
        Operations,
        Blocking,
        "Not enough stock to promise an order awaiting acceptance: add stock or refuse the lines in the John Lewis back office.",
    ),
    entry(
        "offer_without_product",
        Ecommerce,
        Warning,
        "A John Lewis offer shows units but no Fulfil product has its SKU: create the product, correct the SKU, or zero the offer.",
    ),
    entry(
        "order_empty",
        Operations,
        Info,
        "An order has no live lines left (all cancelled or refused): nothing to do.",
    ),
    entry(
        "order_held",
        Ecommerce,
        Blocking,
        "An order is held for a person because of the blocking problems named with it: fix them, then it is decided.",
    ),
    entry(
        "order_invalid",
        Operations,
        Blocking,
        "An order from John Lewis could not be read: check it on John Lewis and report malformed data to Mirakl support.",
    ),
    entry(
        "order_orphaned",
        Operations,
        Blocking,
        "A Fulfil shipment names a John Lewis order John Lewis no longer returns: check the order in the John Lewis back office.",
    ),
    entry(
        "order_refunded",
        Finance,
        Warning,
        "An order arrived with refunds John Lewis already made; its sale is created in full: record each refund against the sale in Fulfil (a credit note).",
    ),
    entry(
        "order_total_mismatch",
        Finance,
        Warning,
        "The sale's total differs from what John Lewis says the customer paid: check the order's prices and taxes.",
    ),
    entry(
        "outbox_body_unreadable",
        Operations,
        Blocking,
        "A sale waiting to be sent could not be read back from the store: check it is not in Fulfil, then resolve this to send it again.",
    ),
    entry(
        "partial_dispatch",
        Operations,
        Info,
        "A shipment ships an order in part; the rest follows with later shipments: nothing to do unless they do not come.",
    ),
    entry(
        "plugin_fault",
        Operations,
        Blocking,
        "The connector's component crashed, ran too long or ran out of memory on a record: report the message to the jlm maintainers.",
    ),
    entry(
        "price_unrepresentable",
        Finance,
        Blocking,
        "A price cannot be sent to Fulfil exactly: check the order's prices and the Fulfil price precision.",
    ),
    entry(
        "refund_exceeds_paid",
        Finance,
        Blocking,
        "Refunding a return would refund more than the customer paid less earlier refunds; nothing was sent: check the order's refunds and refund what is due by hand.",
    ),
    entry(
        "return_mismatch",
        Operations,
        Blocking,
        "A John Lewis return takes back a line or more units than were shipped (less earlier returns): check the return and the shipments, then approve or reject it.",
    ),
    entry(
        "return_not_compliant",
        Operations,
        Warning,
        "The warehouse found returned items not as sold; John Lewis was told and those lines were not refunded: decide with customer service whether to refund them.",
    ),
    entry(
        "return_outside_window",
        Operations,
        Warning,
        "A return was opened after the return window; it is planned as usual: reject it if John Lewis' policy does not cover it.",
    ),
    entry(
        "return_sale_missing",
        Operations,
        Blocking,
        "A return is for an order that has no sale in Fulfil, so no return can be made there: import the order first; the return is planned again.",
    ),
    entry(
        "sku_format_mismatch",
        Ecommerce,
        Blocking,
        "An offer SKU matches a Fulfil product only after trimming case, spaces or invisible characters: make the spellings identical.",
    ),
    entry(
        "stock_drift",
        Operations,
        Warning,
        "John Lewis showed more stock than Fulfil allows: the connector corrects it; look for another system writing stock if it recurs.",
    ),
    entry(
        "stock_import_errors",
        Operations,
        Warning,
        "John Lewis rejected a stock file or import as a whole; its changes go with the next upload: check the shop's stock import settings if it repeats.",
    ),
    entry(
        "stock_import_errors",
        Ecommerce,
        Warning,
        "John Lewis refused a stock line: fix the offer on John Lewis or the SKU in Fulfil; it is sent again at the next reconciliation.",
    ),
    entry(
        "stock_sync_delayed",
        Operations,
        Blocking,
        "A Fulfil stock change has waited longer than allowed to reach John Lewis, which may oversell: look for api_unavailable or stock_import_errors.",
    ),
    entry(
        "tax_unmapped",
        Finance,
        Warning,
        "A Mirakl tax code has no Fulfil tax name (or no rate) and was sent as it is: add it to [orders] tax_names.",
    ),
    entry(
        "tracking_invalid",
        Operations,
        Blocking,
        "A tracking number does not match its carrier's format: correct it in Fulfil.",
    ),
    entry(
        "unknown_line_state",
        Operations,
        Blocking,
        "An order line is in a state this version does not know: check the order on John Lewis; it is held.",
    ),
    entry(
        "unknown_offer",
        Ecommerce,
        Warning,
        "Fulfil has stock for a SKU John Lewis has no offer for: create the offer, correct its SKU, or exclude the SKU.",
    ),
    entry(
        "unknown_order_state",
        Operations,
        Info,
        "An order is in a state this version does not know; it is left alone: upgrade jlm if it persists.",
    ),
    entry(
        "unknown_sku",
        Ecommerce,
        Blocking,
        "No Fulfil product has an offer's SKU: create it in Fulfil with exactly that code, or correct the offer SKU.",
    ),
    entry(
        "unknown_tax_mode",
        Finance,
        Blocking,
        "An order's tax mode is not one the connector knows: check the John Lewis tax set-up; the order is not created.",
    ),
    entry(
        "unmapped_carrier",
        Operations,
        Blocking,
        "No carrier table entry covers a shipment's Fulfil carrier and service: add one to [[carriers.map]].",
    ),
    entry(
        "warehouse_unknown",
        Operations,
        Blocking,
        "A configured Fulfil warehouse does not exist: correct [stock_sync] warehouses and restart; stock and orders wait.",
    ),
];

/// The entry of `code` with `team` and `severity`, if the catalogue has it.
pub fn find(code: &str, team: Team, severity: Severity) -> Option<&'static CodeEntry> {
    CODES
        .iter()
        .find(|e| e.code == code && e.team == team && e.severity == severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_in_order_each_once_per_team_and_severity() {
        for pair in CODES.windows(2) {
            assert!(
                (pair[0].code, pair[0].team as u8, pair[0].severity as u8)
                    < (pair[1].code, pair[1].team as u8, pair[1].severity as u8),
                "{} then {}",
                pair[0].code,
                pair[1].code
            );
        }
        for e in CODES {
            assert!(
                e.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{}",
                e.code
            );
            assert!(e.meaning.ends_with('.'), "{}", e.code);
        }
        assert!(find("unknown_sku", Team::Ecommerce, Severity::Blocking).is_some());
        assert!(find("unknown_sku", Team::Finance, Severity::Blocking).is_none());
    }
}
