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

use crate::fulfil::ProductsError;
use crate::http::ApiError;
use crate::jobs::outcome::{Reporter, settle};
use crate::jobs::{Services, commitments};
use crate::runtime::Plugin;
use crate::runtime::exports::jlm::connector::exceptions::{
    Fact, RefusedStockLine, Service, StockLag,
};
use crate::runtime::exports::jlm::connector::inventory::{
    Published, StockLevel, StockLine, StockPlan,
};
use crate::runtime::exports::jlm::connector::types::Committed;
use crate::stock::events::{StockChange, StockEvents};
use crate::store::{OfferEntry, Store};
use crate::web::metrics::Metrics;

mod reconcile;

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

    /// Drains the queue, plans and uploads one STO01 file. Nothing is drained while the
    /// configured warehouses are not all Fulfil's: the webhooks' quantities would count none.
    async fn upload(&mut self) -> anyhow::Result<Option<usize>> {
        if let Err(e @ ProductsError::UnknownWarehouses(_)) =
            self.services.fulfil.counted_locations().await
        {
            self.reporter.products_unreadable(&e).await?;
            // Try again an interval later, not on every tick.
            self.last_upload = Some(Instant::now());
            return Ok(None);
        }
        let changes = self.events.drain();
        let skus: Vec<String> = changes.iter().map(|c| c.sku.clone()).collect();
        let snapshot: Vec<StockLevel> = changes
            .iter()
            .map(|c| StockLevel {
                sku: c.sku.clone(),
                warehouse: None,
                available: c.available,
            })
            .collect();
        let plan = match self.plan(&snapshot, &skus, false).await {
            Ok(plan) => plan,
            Err(e) => {
                self.events.requeue(changes);
                return Err(e);
            }
        };
        if plan.lines.is_empty() {
            // Nothing John Lewis does not already show: those changes are published.
            self.observe(&changes, &plan_skus(&snapshot));
            self.events.settle(&changes)?;
            return Ok(None);
        }
        // Recorded before the call: a run started after this one stopped (even mid-call)
        // still waits out the interval Mirakl measures.
        self.services
            .store
            .set_cursor(LAST_UPLOAD_CURSOR, &Utc::now().to_rfc3339())?;
        let uploaded = self.services.mirakl.upload_stock(&plan.csv).await;
        // The interval runs from the answer, not the request: Mirakl measures arrivals, and
        // the next request cannot arrive before this one was answered.
        self.last_upload = Some(Instant::now());
        self.services
            .store
            .set_cursor(LAST_UPLOAD_CURSOR, &Utc::now().to_rfc3339())?;
        match uploaded {
            Ok(import_id) => {
                self.services
                    .store
                    .record_stock_import(&import_id, &plan.csv, plan.lines.len())?;
                self.services.store.audit(
                    "sto01.uploaded",
                    &import_id,
                    &format!("{} lines", plan.lines.len()),
                )?;
                self.metrics
                    .inc("jlm_stock_uploads_total", &[("outcome", "accepted")]);
                self.reporter.reachable(Service::Mirakl).await?;
                let lines = plan.lines.len();
                self.in_flight = Some(InFlight {
                    import_id,
                    lines: plan.lines,
                    changes,
                    last_poll: None,
                });
                Ok(Some(lines))
            }
            Err(e) => {
                // Absolute quantities: sending them again is harmless, so every failure
                // (even an unknown outcome) is merged into the next upload.
                self.events.requeue(changes);
                self.metrics
                    .inc("jlm_stock_uploads_total", &[("outcome", "failed")]);
                match &e {
                    ApiError::Rejected { .. } => {
                        self.reporter
                            .fact(Fact::StockFileRejected(e.to_string()))
                            .await?;
                    }
                    _ => {
                        self.reporter.unavailable(Service::Mirakl, &e).await?;
                    }
                }
                Ok(None)
            }
        }
    }

    /// Polls the import in flight (STO02) and, once finished, records the outcome.
    async fn follow_import(&mut self) -> anyhow::Result<Option<(usize, usize)>> {
        let Some(flight) = self.in_flight.as_mut() else {
            return Ok(None);
        };
        let status_interval = self.services.config.stock_sync.status_interval.0;
        if flight
            .last_poll
            .is_some_and(|p| p.elapsed() < status_interval)
        {
            return Ok(None);
        }
        flight.last_poll = Some(Instant::now());
        let import_id = flight.import_id.clone();
        let status = match self.services.mirakl.stock_import_status(&import_id).await {
            Ok(status) => status,
            Err(e) => {
                self.reporter.unavailable(Service::Mirakl, &e).await?;
                return Ok(None);
            }
        };
        if !status.is_finished() {
            return Ok(None);
        }
        let Some(flight) = self.in_flight.take() else {
            return Ok(None);
        };
        if status.status.eq_ignore_ascii_case("FAILED") {
            self.services.store.finish_stock_import(
                &import_id,
                &status.status,
                status.lines_in_error,
            )?;
            self.events.requeue(flight.changes);
            self.reporter
                .fact(Fact::StockImportFailed(import_id.clone()))
                .await?;
            return Ok(Some((0, flight.lines.len())));
        }
        let mut failed: BTreeSet<String> = BTreeSet::new();
        if status.has_error_report || status.lines_in_error > 0 {
            match self.services.mirakl.stock_error_report(&import_id).await {
                Ok(errors) => {
                    for line in errors {
                        let fact = Fact::StockLineRefused(RefusedStockLine {
                            sku: line.sku.clone(),
                            import_id: import_id.clone(),
                            message: line.message.clone(),
                        });
                        self.reporter.fact(fact).await?;
                        failed.insert(line.sku);
                    }
                }
                Err(e) => {
                    // Without the report we cannot tell which lines failed: publish nothing
                    // of this import as certain, let reconciliation settle it.
                    tracing::warn!("STO03 for {import_id} unavailable: {e}");
                    flight.lines.iter().for_each(|l| {
                        failed.insert(l.sku.clone());
                    });
                }
            }
        }
        let published: Vec<(String, Option<String>, i64)> = flight
            .lines
            .iter()
            .filter(|l| !failed.contains(&l.sku))
            .map(|l| (l.sku.clone(), l.warehouse.clone(), l.quantity))
            .collect();
        self.services
            .store
            .record_published(&published, Some(&import_id))?;
        // Finished only once the ledger holds its outcome.
        self.services.store.finish_stock_import(
            &import_id,
            &status.status,
            status.lines_in_error,
        )?;
        let ok: HashSet<String> = published.iter().map(|(sku, _, _)| sku.clone()).collect();
        self.observe(&flight.changes, &ok);
        // Published, or left to reconciliation (a refused line): off the durable queue.
        self.events.settle(&flight.changes)?;
        self.services.store.audit(
            "sto01.finished",
            &import_id,
            &json!({"published": published.len(), "failed": failed.len()}).to_string(),
        )?;
        Ok(Some((published.len(), failed.len())))
    }

    /// Plans with the ledger for `skus` and the offer mirror; raises the plan's exceptions.
    async fn plan(
        &mut self,
        snapshot: &[StockLevel],
        skus: &[String],
        full: bool,
    ) -> anyhow::Result<StockPlan> {
        let ledger: Vec<Published> = self
            .services
            .store
            .ledger_for(skus)?
            .into_iter()
            .map(|e| Published {
                sku: e.sku,
                warehouse: e.warehouse,
                quantity: e.quantity,
            })
            .collect();
        self.plan_against(snapshot, ledger, Planning::Publish { full })
            .await
    }

    /// Plans against an explicit ledger (for a reconciliation: what John Lewis shows) and
    /// raises the plan's exceptions.
    async fn plan_against(
        &mut self,
        snapshot: &[StockLevel],
        ledger: Vec<Published>,
        planning: Planning,
    ) -> anyhow::Result<StockPlan> {
        let offers = self.services.store.offer_skus()?;
        let offers = (!offers.is_empty()).then_some(offers);
        let policy = self.services.config.stock.policy();
        let committed = self.committed().await?;
        let snapshot = snapshot.to_vec();
        let record = format!("the stock plan of {} SKUs", snapshot.len());
        let planned = self
            .plugin
            .call(&record, move |session| match planning {
                Planning::Publish { full } => session.plan_stock(
                    &snapshot,
                    &ledger,
                    offers.as_deref(),
                    &policy,
                    &committed,
                    full,
                ),
                Planning::Reconcile => session.reconcile_stock(
                    &snapshot,
                    &ledger,
                    offers.as_deref(),
                    &policy,
                    &committed,
                ),
            })
            .await?;
        let planned = match planned {
            Ok(planned) => planned,
            Err(fault) => {
                self.reporter.plugin_fault(
                    "stock",
                    &fault,
                    "No stock was published; the changes stay queued and are planned again next interval.",
                )?;
                return Err(fault.into());
            }
        };
        let plan = match planned {
            Ok(plan) => plan,
            Err(e) => anyhow::bail!(
                "the stock policy or snapshot is unusable: {}: {}",
                e.code,
                e.message
            ),
        };
        settle(&self.services.store, &plan.exceptions, &plan.resolves)?;
        Ok(plan)
    }

    /// The units John Lewis holds for orders Fulfil does not have yet, kept for
    /// `jlm stock status`; a component fault stops the plan (what is held is not known).
    async fn committed(&mut self) -> anyhow::Result<Vec<Committed>> {
        let store = self.services.store.clone();
        match commitments::committed_stock(&store, &mut self.plugin, None).await? {
            Ok(committed) => {
                self.held_for_orders = committed
                    .iter()
                    .map(|c| (c.sku.clone(), c.quantity))
                    .collect();
                Ok(committed)
            }
            Err(fault) => {
                self.reporter.plugin_fault(
                    "stock",
                    &fault,
                    "No stock was published; the changes stay queued and are planned again next interval.",
                )?;
                Err(fault.into())
            }
        }
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

/// The SKUs of a snapshot.
fn plan_skus(snapshot: &[StockLevel]) -> HashSet<String> {
    snapshot.iter().map(|s| s.sku.clone()).collect()
}
