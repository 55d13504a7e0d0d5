//! `jlm plan …`: one record through the component (the embedded one, or `--plugin PATH`),
//! JSON on stdout.
//! Exit 0 when a plan was produced (even one full of exceptions), 2 on unusable input with a
//! one-line error on stderr.

mod after_sale;

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Deserialize;

use crate::config::Config;
use crate::domain::dispatch::{Shipment, ShipmentLine, ShippedLine};
use crate::domain::inventory::{Published, StockLevel};
use crate::domain::orders::{Offer, Product};
use crate::domain::returns::{ReturnInput, ReturnedUnits, ShippedUnits};
use crate::domain::types::PlanError;
use crate::runtime::{OrderInput, PluginFault, Runtime, Session};

/// What to plan.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Plan one Mirakl OR11 order.
    Order {
        /// Fulfil side: JSON array of {"sku", "ean", "available"}.
        #[arg(long)]
        catalogue: PathBuf,
        /// John Lewis side: JSON array of {"sku", "ean"}.
        #[arg(long)]
        offers: Option<PathBuf>,
        /// Configuration file (only [orders] is read).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Planning time (RFC 3339); defaults to now.
        #[arg(long)]
        now: Option<String>,
        /// One OR11 order object.
        order: PathBuf,
    },
    /// Plan one Mirakl RT11 return: the Fulfil return sale and the RT21 decision.
    Return {
        /// The OR11 order object the return is for, as stored.
        #[arg(long)]
        order: PathBuf,
        /// Configuration file (only [returns] and [orders] are read).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Extension: the order's Fulfil sale id (the return sale's origin); without it the
        /// plan raises return_sale_missing.
        #[arg(long)]
        sale: Option<i64>,
        /// Extension: units the connector confirmed shipped, JSON array of {"line_id",
        /// "quantity"}; the order's line states count otherwise.
        #[arg(long)]
        shipped: Option<PathBuf>,
        /// Extension: units earlier returns take back, JSON array of {"return_id", "line_id",
        /// "quantity"}.
        #[arg(long)]
        earlier: Option<PathBuf>,
        /// Planning time (RFC 3339); defaults to now.
        #[arg(long)]
        now: Option<String>,
        /// One RT11 return object.
        r#return: PathBuf,
    },
    /// Plan the refund of one received return: RT25, RT26 and the OR28 refund.
    Refund(after_sale::RefundArgs),
    /// Plan what an order and its Fulfil sale need to agree again after a cancellation on
    /// either side: cancel or reduce the sale, or OR29/OR30.
    Cancel(after_sale::CancelArgs),
    /// Plan a stock publication (STO01).
    Stock {
        /// Fulfil quantities: JSON array of {"sku", "available"} (optionally "warehouse").
        #[arg(long)]
        snapshot: PathBuf,
        /// Last published: JSON array of {"sku", "quantity"}.
        #[arg(long)]
        ledger: Option<PathBuf>,
        /// John Lewis offers: JSON array of {"sku", "ean"}; SKUs not in it are not published.
        #[arg(long)]
        offers: Option<PathBuf>,
        /// Configuration file (only [stock] is read).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Publish every SKU, not only changes.
        #[arg(long)]
        full: bool,
    },
    /// Plan the Mirakl calls reporting one Fulfil shipment (OR23 + OR24, or ST01).
    Dispatch {
        /// One OR11 order object (the order shipped).
        #[arg(long)]
        order: PathBuf,
        /// The Fulfil shipment: {"id", "order", "carrier", "service", "tracking_number",
        /// "lines": [{"line_id", "sku", "quantity"}]}.
        #[arg(long)]
        shipment: PathBuf,
        /// SH21 response body (John Lewis' approved carriers); without it the approved-list
        /// check is skipped.
        #[arg(long)]
        carriers: Option<PathBuf>,
        /// Extension: units confirmed by earlier shipments of the order, JSON array of
        /// {"line_id", "quantity"}; defaults to none.
        #[arg(long)]
        shipped: Option<PathBuf>,
        /// Configuration file (only [carriers] and [dispatch] are read).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Input that makes planning impossible (exit 2).
struct Unusable(String);

/// Runs the plan command with the component at `plugin` (the embedded one without it) and
/// returns the exit code. Blocks while the component runs.
pub fn run(command: PlanCommand, plugin: Option<PathBuf>) -> i32 {
    match plan(command, plugin) {
        Ok(json) => {
            println!("{json}");
            0
        }
        Err(Unusable(message)) => {
            eprintln!("jlm: {}", message.replace('\n', " "));
            2
        }
    }
}

#[derive(Deserialize)]
struct CatalogueItem {
    sku: String,
    ean: Option<String>,
    available: serde_json::Number,
}

#[derive(Deserialize)]
struct SnapshotItem {
    sku: String,
    #[serde(default)]
    warehouse: Option<String>,
    available: f64,
}

#[derive(Deserialize)]
struct LedgerItem {
    sku: String,
    #[serde(default)]
    warehouse: Option<String>,
    quantity: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShipmentFile {
    id: i64,
    order: String,
    carrier: String,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    tracking_number: Option<String>,
    lines: Vec<ShipmentLineItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShipmentLineItem {
    line_id: String,
    sku: String,
    quantity: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShippedItem {
    line_id: String,
    quantity: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnedItem {
    return_id: String,
    line_id: String,
    quantity: i64,
}

#[derive(Deserialize)]
struct OfferItem {
    sku: String,
    ean: Option<String>,
}

fn read(path: &Path, what: &str) -> Result<String, Unusable> {
    std::fs::read_to_string(path)
        .map_err(|e| Unusable(format!("cannot read {what} {}: {e}", path.display())))
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T, Unusable> {
    serde_json::from_str(&read(path, what)?)
        .map_err(|e| Unusable(format!("{what} {} is not valid: {e}", path.display())))
}

/// The items of an optional JSON list file, each read as `I` and mapped; empty without one.
fn list<I: serde::de::DeserializeOwned, T>(
    path: Option<PathBuf>,
    what: &str,
    map: impl FnMut(I) -> T,
) -> Result<Vec<T>, Unusable> {
    match path {
        Some(path) => Ok(parse::<Vec<I>>(&path, what)?.into_iter().map(map).collect()),
        None => Ok(Vec::new()),
    }
}

/// `--now`, or the current time in RFC 3339.
fn now_or_current(now: Option<String>) -> String {
    now.unwrap_or_else(|| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The printed plan, or why there is none (a plan error or a component fault: exit 2).
fn printed<P>(
    planned: Result<Result<P, PlanError>, PluginFault>,
    json: impl FnOnce(&P) -> String,
) -> Result<String, Unusable> {
    match planned {
        Ok(Ok(plan)) => Ok(json(&plan)),
        Ok(Err(e)) => Err(Unusable(format!("{}: {}", e.code, e.message))),
        Err(fault) => Err(Unusable(fault.to_string())),
    }
}

fn config(path: Option<&Path>) -> Result<Config, Unusable> {
    match path {
        Some(path) => Config::load(path).map_err(|e| Unusable(format!("{e:#}"))),
        None => Ok(Config::default()),
    }
}

fn plan(command: PlanCommand, plugin: Option<PathBuf>) -> Result<String, Unusable> {
    match command {
        PlanCommand::Order {
            catalogue,
            offers,
            config: config_path,
            now,
            order,
        } => {
            let config = config(config_path.as_deref())?;
            let order = read(&order, "order")?;
            let catalogue: Vec<CatalogueItem> = parse(&catalogue, "catalogue")?;
            let catalogue: Vec<Product> = catalogue
                .into_iter()
                .map(|c| Product {
                    sku: c.sku,
                    ean: c.ean,
                    available: c
                        .available
                        .as_i64()
                        .or_else(|| c.available.as_f64().map(|f| f.floor() as i64))
                        .unwrap_or(0),
                })
                .collect();
            let offers = list(offers, "offers", |o: OfferItem| Offer {
                sku: o.sku,
                ean: o.ean,
            })?;
            let now = now_or_current(now);
            let runtime = runtime(plugin.as_deref(), &config)?;
            let mut session = session(&runtime)?;
            let policy = config.orders.policy();
            let input = OrderInput {
                catalogue: &catalogue,
                offers: &offers,
                committed: &[],
                policy: &policy,
                now: &now,
            };
            printed(session.plan_order(&order, &input), |plan| plan.to_json())
        }
        PlanCommand::Return {
            order,
            config: config_path,
            sale,
            shipped,
            earlier,
            now,
            r#return,
        } => {
            let config = config(config_path.as_deref())?;
            let order = read(&order, "order")?;
            let mirakl_return = read(&r#return, "return")?;
            let shipped = list(shipped, "shipped lines", |s: ShippedItem| ShippedUnits {
                line_id: s.line_id,
                quantity: s.quantity,
            })?;
            let earlier = list(earlier, "earlier returns", |e: ReturnedItem| {
                ReturnedUnits {
                    return_id: e.return_id,
                    line_id: e.line_id,
                    quantity: e.quantity,
                }
            })?;
            let now = now_or_current(now);
            let runtime = runtime(plugin.as_deref(), &config)?;
            let mut session = session(&runtime)?;
            let policy = config.return_policy();
            let input = ReturnInput {
                shipped: &shipped,
                earlier: &earlier,
                sale_id: sale,
                policy: &policy,
                now: &now,
                refusal: None,
            };
            printed(
                session.plan_return(&order, &mirakl_return, &input),
                |plan| plan.to_json(),
            )
        }
        PlanCommand::Refund(args) => after_sale::refund(args, plugin),
        PlanCommand::Cancel(args) => after_sale::cancel(args, plugin),
        PlanCommand::Stock {
            snapshot,
            ledger,
            offers,
            config: config_path,
            full,
        } => {
            let config = config(config_path.as_deref())?;
            let snapshot: Vec<StockLevel> = parse::<Vec<SnapshotItem>>(&snapshot, "snapshot")?
                .into_iter()
                .map(|s| StockLevel {
                    sku: s.sku,
                    warehouse: s.warehouse,
                    available: s.available,
                })
                .collect();
            let ledger = list(ledger, "ledger", |l: LedgerItem| Published {
                sku: l.sku,
                warehouse: l.warehouse,
                quantity: l.quantity,
            })?;
            let offers: Option<Vec<String>> = match offers {
                Some(path) => Some(
                    parse::<Vec<OfferItem>>(&path, "offers")?
                        .into_iter()
                        .map(|o| o.sku)
                        .collect(),
                ),
                None => None,
            };
            let runtime = runtime(plugin.as_deref(), &config)?;
            let mut session = session(&runtime)?;
            printed(
                session.plan_stock(
                    snapshot,
                    ledger,
                    offers.as_deref(),
                    &config.stock.policy(),
                    &[],
                    full,
                ),
                |plan| plan.to_json(),
            )
        }
        PlanCommand::Dispatch {
            order,
            shipment,
            carriers,
            shipped,
            config: config_path,
        } => {
            let config = config(config_path.as_deref())?;
            let order = read(&order, "order")?;
            let shipment: ShipmentFile = parse(&shipment, "shipment")?;
            let shipment = Shipment {
                id: shipment.id,
                order: shipment.order,
                carrier: shipment.carrier,
                service: shipment.service,
                tracking_number: shipment.tracking_number,
                lines: shipment
                    .lines
                    .into_iter()
                    .map(|l| ShipmentLine {
                        line_id: l.line_id,
                        sku: l.sku,
                        quantity: l.quantity,
                    })
                    .collect(),
            };
            let carriers = carriers.map(|path| read(&path, "carriers")).transpose()?;
            let shipped = list(shipped, "shipped lines", |s: ShippedItem| ShippedLine {
                line_id: s.line_id,
                quantity: s.quantity,
            })?;
            let runtime = runtime(plugin.as_deref(), &config)?;
            let mut session = session(&runtime)?;
            printed(
                session.plan_dispatch(
                    &order,
                    &shipment,
                    carriers.as_deref(),
                    &config.dispatch_policy(),
                    &shipped,
                ),
                |plan| plan.to_json(),
            )
        }
    }
}

fn runtime(plugin: Option<&Path>, config: &Config) -> Result<Runtime, Unusable> {
    Runtime::load(plugin, config.component.limits())
        .map_err(|e| Unusable(format!("cannot load the component: {e:#}")))
}

fn session(runtime: &Runtime) -> Result<Session, Unusable> {
    runtime.session().map_err(|e| Unusable(format!("{e:#}")))
}
