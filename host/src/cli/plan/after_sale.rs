//! `jlm plan refund` and `jlm plan cancel`: what happens to an order after its sale exists.

use std::path::PathBuf;

use clap::Args;
use serde::Deserialize;

use super::{ReturnedItem, Unusable, config, list, parse, printed, read, runtime, session};
use crate::domain::cancellations::{FulfilSale, FulfilSaleLine, ShippedLine};
use crate::domain::returns::{Inspection, Receipt, ReturnedUnits};

/// `jlm plan refund`: the refund of one received return (RT25, RT26, OR28).
#[derive(Debug, Args)]
pub struct RefundArgs {
    /// The OR11 order object as John Lewis shows it now (earlier refunds included).
    #[arg(long)]
    order: PathBuf,
    /// What Fulfil shows of the return shipment: {"shipment", "received", "non_compliant":
    /// [{"sku", "note"}]}.
    #[arg(long)]
    receipt: PathBuf,
    /// Units of other returns of the order already refunded: JSON array of {"return_id",
    /// "line_id", "quantity"}.
    #[arg(long)]
    refunded: Option<PathBuf>,
    /// Configuration file (only [returns] is read).
    #[arg(long)]
    config: Option<PathBuf>,
    /// One RT11 return object.
    r#return: PathBuf,
}

/// `jlm plan cancel`: what an order and its Fulfil sale need to agree again.
#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The Fulfil sale as it is now: {"id", "cancelled", "lines": [{"id", "line_id",
    /// "quantity"}]}.
    #[arg(long)]
    sale: PathBuf,
    /// Units on packed or done Fulfil shipments: JSON array of {"line_id", "quantity",
    /// "shipment"}.
    #[arg(long)]
    shipped: Option<PathBuf>,
    /// Configuration file (only [cancellations] is read).
    #[arg(long)]
    config: Option<PathBuf>,
    /// One OR11 order object as John Lewis shows it now.
    order: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptFile {
    #[serde(default)]
    shipment: String,
    received: bool,
    #[serde(default)]
    non_compliant: Vec<InspectionItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InspectionItem {
    sku: String,
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaleFile {
    id: i64,
    #[serde(default)]
    cancelled: bool,
    lines: Vec<SaleLineItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SaleLineItem {
    id: i64,
    line_id: String,
    quantity: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippedLineItem {
    line_id: String,
    quantity: i64,
    shipment: String,
}

/// Plans a refund and prints it.
pub(super) fn refund(args: RefundArgs, plugin: Option<PathBuf>) -> Result<String, Unusable> {
    let config = config(args.config.as_deref())?;
    let order = read(&args.order, "order")?;
    let mirakl_return = read(&args.r#return, "return")?;
    let receipt: ReceiptFile = parse(&args.receipt, "receipt")?;
    let receipt = Receipt {
        shipment: receipt.shipment,
        received: receipt.received,
        non_compliant: receipt
            .non_compliant
            .into_iter()
            .map(|i| Inspection {
                sku: i.sku,
                note: i.note,
            })
            .collect(),
    };
    let refunded = list(args.refunded, "refunded returns", |e: ReturnedItem| {
        ReturnedUnits {
            return_id: e.return_id,
            line_id: e.line_id,
            quantity: e.quantity,
        }
    })?;
    let runtime = runtime(plugin.as_deref(), &config)?;
    let mut session = session(&runtime)?;
    let policy = config.returns.refund_policy();
    printed(
        session.plan_refund(&order, &mirakl_return, &receipt, &refunded, &policy),
        |plan| plan.to_json(),
    )
}

/// Plans a cancellation and prints it.
pub(super) fn cancel(args: CancelArgs, plugin: Option<PathBuf>) -> Result<String, Unusable> {
    let config = config(args.config.as_deref())?;
    let order = read(&args.order, "order")?;
    let sale: SaleFile = parse(&args.sale, "sale")?;
    let sale = FulfilSale {
        id: sale.id,
        cancelled: sale.cancelled,
        lines: sale
            .lines
            .into_iter()
            .map(|l| FulfilSaleLine {
                id: l.id,
                line_id: l.line_id,
                quantity: l.quantity,
            })
            .collect(),
    };
    let shipped = list(args.shipped, "shipped lines", |s: ShippedLineItem| {
        ShippedLine {
            line_id: s.line_id,
            quantity: s.quantity,
            shipment: s.shipment,
        }
    })?;
    let runtime = runtime(plugin.as_deref(), &config)?;
    let mut session = session(&runtime)?;
    printed(
        session.plan_cancel(&order, &sale, &shipped, &config.cancellations.policy()),
        |plan| plan.to_json(),
    )
}
