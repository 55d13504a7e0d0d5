//! Jobs: each a loop of *fetch → plan (component) → persist plan → send → confirm*.

mod carriers;
mod catalogue;
mod commitments;
mod dispatch;
mod order_map;
mod orders;
mod outcome;
mod retention;
mod stock;

use std::sync::Arc;

use crate::config::{ApiKeys, Config};
use crate::runtime::Runtime;
use crate::store::Store;
use crate::{fulfil, mirakl};

pub use carriers::{CarrierRow, check_carriers, render as render_carriers};
pub use catalogue::{ensure_offer_eans, refresh_catalogue};
pub use dispatch::{DispatchJob, DispatchReport};
pub use orders::{CycleReport, OrdersJob};
pub use retention::prune as prune_store;
pub use stock::{StockJob, StockTick, saved_status as saved_stock_status};

/// True when RFC 3339 time `a` is after `b`: a cursor's comparison (an unparseable `a` is
/// never later; anything readable is later than an unparseable `b`).
fn later(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a > b,
        (Ok(_), Err(_)) => true,
        _ => false,
    }
}

/// Where a read from `cursor` (an RFC 3339 time) starts: `overlap` earlier, so what was
/// committed late is read again; `None` when the cursor is not a readable time.
fn overlapped(cursor: &str, overlap: std::time::Duration) -> Option<chrono::DateTime<chrono::Utc>> {
    let overlap = chrono::Duration::from_std(overlap).unwrap_or_default();
    chrono::DateTime::parse_from_rfc3339(cursor)
        .ok()
        .map(|at| at.with_timezone(&chrono::Utc) - overlap)
}

/// What every job works with.
#[derive(Clone)]
pub struct Services {
    /// The store.
    pub store: Store,
    /// The component runtime.
    pub runtime: Arc<Runtime>,
    /// John Lewis (Mirakl) client.
    pub mirakl: Arc<mirakl::Client>,
    /// Fulfil client.
    pub fulfil: Arc<fulfil::Client>,
    /// Configuration.
    pub config: Arc<Config>,
}

impl Services {
    /// Builds the clients from `config` and the API keys.
    pub fn new(
        config: Config,
        keys: &ApiKeys,
        store: Store,
        runtime: Arc<Runtime>,
    ) -> anyhow::Result<Services> {
        Ok(Services {
            mirakl: Arc::new(mirakl::Client::new(config.mirakl_client(keys))?),
            fulfil: Arc::new(fulfil::Client::new(config.fulfil_client(keys))?),
            store,
            runtime,
            config: Arc::new(config),
        })
    }
}

/// Fault injection for crash-recovery tests: when `JLM_CRASH_AT` names this point, the
/// process aborts here, as a kill at that instant would. Unset in normal operation.
pub fn crash_point(name: &str) {
    if std::env::var("JLM_CRASH_AT").is_ok_and(|point| point == name) {
        eprintln!("jlm: crash point {name} reached (JLM_CRASH_AT), aborting");
        std::process::abort();
    }
}
