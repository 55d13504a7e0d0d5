//! The stock job: Fulfil changes (webhooks, coalesced) → `plan-stock` → one STO01 per
//! interval with one import in flight → STO02 until finished → STO03 errors → ledger.
//!
//! The ledger records a SKU as published only when its line succeeded; a failed or rejected
//! upload goes back into the queue and is merged into the next one. A full reconciliation
//! (at start and every `reconcile_every`) heals lost webhooks and drift on John Lewis.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::domain::exceptions::{Fact, RefusedStockLine, Service, StockLag};
use crate::domain::inventory::{Published, StockLevel, StockLine, StockPlan};
use crate::domain::types::Committed;
use crate::fulfil::ProductsError;
use crate::http::ApiError;
use crate::jobs::outcome::{Reporter, settle};
use crate::jobs::{Services, commitments};
use crate::runtime::Plugin;
use crate::stock::events::{StockChange, StockEvents};
use crate::store::{OfferEntry, Store};
use crate::web::metrics::Metrics;

mod plan;
mod reconcile;
mod upload;

/// An upload Mirakl has accepted and not finished yet.
struct InFlight {
    import_id: String,
    lines: Vec<StockLine>,
    changes: Vec<StockChange>,
    last_poll: Option<Instant>,
}

/// Cursor holding the job's last saved status.
const STATUS_CURSOR: &str = "stock.status";
/// Cursor holding when the last STO01 upload was started or answered (wall clock, RFC 3339).
const LAST_UPLOAD_CURSOR: &str = "sto01.last_upload";

/// Which component plan a stock plan is.
#[derive(Clone, Copy)]
enum Planning {
    /// A publication against the ledger; `full` sends every SKU.
    Publish { full: bool },
    /// A correction against what John Lewis shows (with `stock_drift`).
    Reconcile,
}

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StockTick {
    /// A STO01 file was uploaded, with this many lines.
    pub uploaded: Option<usize>,
    /// An import finished: (lines published, lines in error).
    pub finished: Option<(usize, usize)>,
    /// A reconciliation ran, finding this many differences.
    pub reconciled: Option<usize>,
}

/// The stock job.
pub struct StockJob {
    services: Services,
    events: StockEvents,
    metrics: Metrics,
    plugin: Plugin,
    reporter: Reporter,
    in_flight: Option<InFlight>,
    /// When the last STO01 was sent, or the last upload was held back.
    last_upload: Option<Instant>,
    /// Units John Lewis held per SKU for orders not yet in Fulfil, at the last plan.
    held_for_orders: HashMap<String, i64>,
    next_reconcile: Instant,
}

impl StockJob {
    /// A job draining `events`, reporting to `metrics`. Reconciles on its first tick.
    pub fn new(services: Services, events: StockEvents, metrics: Metrics) -> StockJob {
        let mut job = StockJob {
            plugin: Plugin::new(services.runtime.clone()),
            reporter: Reporter::new(services.store.clone(), services.runtime.clone()),
            services,
            events,
            metrics,
            in_flight: None,
            last_upload: None,
            held_for_orders: HashMap::new(),
            next_reconcile: Instant::now(),
        };
        if let Err(e) = job.resume_pacing() {
            tracing::warn!("the last STO01 upload time could not be read: {e:#}");
        }
        job
    }

    /// Carries the STO01 interval over from an earlier run: an upload it made (or started)
    /// less than an interval ago holds this run's first one back, as Mirakl would refuse it.
    fn resume_pacing(&mut self) -> anyhow::Result<()> {
        let Some(last) = self.services.store.cursor(LAST_UPLOAD_CURSOR)? else {
            return Ok(());
        };
        let Ok(last) = DateTime::parse_from_rfc3339(&last) else {
            return Ok(());
        };
        let since = (Utc::now() - last.with_timezone(&Utc))
            .to_std()
            .unwrap_or(Duration::ZERO);
        if since < self.interval() {
            let now = Instant::now();
            self.last_upload = Some(now.checked_sub(since).unwrap_or(now));
            self.services
                .mirakl
                .hold_stock_imports_until(now + (self.interval() - since));
        }
        Ok(())
    }

    fn interval(&self) -> Duration {
        self.services.config.stock_sync.interval.0
    }

    /// How long until the next tick has something to do (or a webhook wakes the job).
    pub fn next_due(&self) -> Duration {
        let now = Instant::now();
        let mut due = self.next_reconcile.saturating_duration_since(now);
        if let Some(flight) = &self.in_flight {
            let poll = flight
                .last_poll
                .map(|p| {
                    (p + self.services.config.stock_sync.status_interval.0)
                        .saturating_duration_since(now)
                })
                .unwrap_or_default();
            due = due.min(poll);
        } else if self.events.depth() > 0 {
            let upload = self
                .last_upload
                .map(|u| (u + self.interval()).saturating_duration_since(now))
                .unwrap_or_default();
            due = due.min(upload);
        }
        due
    }

    /// One step: reconcile if due, follow the import in flight, upload queued changes when
    /// the interval allows, and check the delay clock.
    pub async fn tick(&mut self) -> anyhow::Result<StockTick> {
        let mut tick = StockTick::default();
        if Instant::now() >= self.next_reconcile {
            self.next_reconcile =
                Instant::now() + self.services.config.stock_sync.reconcile_every.0;
            match self.reconcile().await {
                Ok(n) => tick.reconciled = Some(n),
                Err(e) => tracing::warn!("stock reconciliation failed: {e:#}"),
            }
        }
        if self.in_flight.is_some() {
            tick.finished = self.follow_import().await?;
        }
        let interval_passed = self
            .last_upload
            .is_none_or(|u| u.elapsed() >= self.interval());
        if self.in_flight.is_none() && interval_passed && self.events.depth() > 0 {
            tick.uploaded = self.upload().await?;
        }
        self.check_delay().await?;
        self.save_status()?;
        Ok(tick)
    }

    /// Records change→published latency for the changes whose SKU was published.
    fn observe(&self, changes: &[StockChange], published: &HashSet<String>) {
        for change in changes.iter().filter(|c| published.contains(&c.sku)) {
            self.metrics
                .observe_latency(change.received.elapsed().as_secs_f64());
        }
    }

    /// Raises or clears `stock_sync_delayed`.
    async fn check_delay(&mut self) -> anyhow::Result<()> {
        let limit = self.interval()
            * self
                .services
                .config
                .stock_sync
                .delayed_after_intervals
                .max(1);
        let lag = StockLag {
            oldest_seconds: self.events.oldest_age().map(|age| age.as_secs()),
            limit_seconds: limit.as_secs(),
        };
        self.reporter.fact(Fact::StockLag(lag)).await.map(drop)
    }

    /// Saves the job's state for `jlm stock status`.
    fn save_status(&self) -> anyhow::Result<()> {
        let status = self.status();
        self.services
            .store
            .set_cursor(STATUS_CURSOR, &status.to_string())
    }

    /// The queue, the import in flight, latency figures and the units held for orders not
    /// yet in Fulfil (per SKU, at the last plan).
    pub fn status(&self) -> Value {
        let held: BTreeMap<&str, i64> = self
            .held_for_orders
            .iter()
            .map(|(sku, units)| (sku.as_str(), *units))
            .collect();
        json!({
            "at": crate::store::now_text(),
            "queue_depth": self.events.depth(),
            "oldest_change_age_seconds": self.events.oldest_age().map(|a| a.as_secs_f64()),
            "in_flight_import": self.in_flight.as_ref().map(|f| json!({"import_id": f.import_id, "lines": f.lines.len()})),
            "latency_p50_seconds": self.metrics.latency_quantile(0.5),
            "latency_p99_seconds": self.metrics.latency_quantile(0.99),
            "held_for_orders": held,
        })
    }
}

/// The stock job's [`StockJob::status`] as it last saved it; `null` before it first ran.
pub fn saved_status(store: &Store) -> anyhow::Result<Value> {
    Ok(store
        .cursor(STATUS_CURSOR)?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null))
}
