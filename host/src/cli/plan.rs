//! `jlm plan …`: one record through the embedded component, JSON on stdout.
//! Exit 0 when a plan was produced (even one full of exceptions), 2 on unusable input with a
//! one-line error on stderr.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Deserialize;

use crate::config::Config;
use crate::runtime::exports::jlm::connector::orders::{Offer, Product};
use crate::runtime::{OrderInput, Runtime, plan_to_json};

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
}

/// Input that makes planning impossible (exit 2).
struct Unusable(String);

/// Runs the plan command and returns the exit code.
pub fn run(command: PlanCommand) -> i32 {
    match plan(command) {
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

fn config(path: Option<&Path>) -> Result<Config, Unusable> {
    match path {
        Some(path) => Config::load(path).map_err(|e| Unusable(format!("{e:#}"))),
        None => Ok(Config::default()),
    }
}

fn plan(command: PlanCommand) -> Result<String, Unusable> {
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
            let offers: Vec<Offer> = match offers {
                Some(path) => parse::<Vec<OfferItem>>(&path, "offers")?
                    .into_iter()
                    .map(|o| Offer {
                        sku: o.sku,
                        ean: o.ean,
                    })
                    .collect(),
                None => Vec::new(),
            };
            let now = now.unwrap_or_else(|| {
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            });
            let runtime = Runtime::embedded()
                .map_err(|e| Unusable(format!("cannot load the component: {e:#}")))?;
            let mut session = runtime.session().map_err(|e| Unusable(format!("{e:#}")))?;
            let policy = config.orders.policy();
            let input = OrderInput {
                catalogue: &catalogue,
                offers: &offers,
                policy: &policy,
                now: &now,
            };
            match session.plan_order(&order, &input) {
                Ok(Ok(plan)) => Ok(plan_to_json(&plan).to_string()),
                Ok(Err(e)) => Err(Unusable(format!("{}: {}", e.code, e.message))),
                Err(fault) => Err(Unusable(fault.to_string())),
            }
        }
    }
}
