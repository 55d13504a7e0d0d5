//! The coalescing queue of Fulfil stock changes.
//!
//! Fulfil's `product.product.inventory_level_changed` webhook posts a JSON array of
//! `{timestamp, product_code, product_id, warehouse_quantities:[{warehouse_id, warehouse_code,
//! quantity_on_hand, quantity_available}], listing_quantities}`. [`StockEvents`] turns each
//! element into a [`StockChange`] (available = sum of `quantity_available` over the counted
//! warehouses) and keeps at most one pending change per SKU: later changes overwrite the
//! quantity but keep the first `received` instant, so latency is measured from the first
//! unpublished change. Events whose `timestamp` is not newer than the newest already accepted
//! for that SKU are stale and dropped; that is also what makes a replayed delivery harmless.
//! The stock job [`drain`](StockEvents::drain)s the queue, uploads, and
//! [`requeue`](StockEvents::requeue)s what failed.
//!
//! A [`durable`](StockEvents::durable) queue (what `jlm run` uses) also commits every accepted
//! webhook change, and the newest timestamp seen per SKU, to the store before
//! [`push_payload`](StockEvents::push_payload) returns, so the webhook's 2xx means the change
//! survives a crash and a replay after a restart is still stale; the stock job
//! [`settle`](StockEvents::settle)s what an upload finished.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use tokio::time::Instant;

use crate::fulfil::wire;
use crate::store::{QueuedChange, Store};

/// One pending change of a SKU's available quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct StockChange {
    /// Fulfil `product_code`, exactly as spelled there: the SKU shared with the Mirakl offer.
    pub sku: String,
    /// Sum of `quantity_available` over the counted warehouses (may be fractional or negative;
    /// the stock plan clamps it).
    pub available: f64,
    /// The event's `timestamp` (Fulfil's naive timestamps are taken as UTC).
    pub event_time: DateTime<Utc>,
    /// When the first still-unpublished change for this SKU was received.
    pub received: Instant,
}

/// What [`StockEvents::push_payload`] did with a webhook body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushOutcome {
    /// Events queued (or coalesced into a pending entry).
    pub accepted: usize,
    /// Events dropped because a newer or equal `timestamp` was already accepted for the SKU.
    pub stale: usize,
    /// Events that could not be read, each with what is wrong (`[2].timestamp is …`); the
    /// other events of the body are queued all the same.
    pub skipped: Vec<String>,
}

/// Why [`StockEvents::push_payload`] queued nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PushError {
    /// The body is not a JSON array of events (sending it again cannot help).
    Malformed(String),
    /// The accepted changes could not be committed to the store (the sender should retry).
    Unsaved(String),
}

impl std::fmt::Display for PushError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PushError::Malformed(problem) => f.write_str(problem),
            PushError::Unsaved(problem) => write!(f, "the stock changes were not saved: {problem}"),
        }
    }
}

/// Queue state behind the mutex.
#[derive(Debug, Default)]
struct Inner {
    /// Counted warehouses (codes or ids as text); empty means all.
    warehouses: Vec<String>,
    /// Newest accepted `event_time` per SKU, kept after draining.
    newest: HashMap<String, DateTime<Utc>>,
    /// At most one pending change per SKU.
    pending: HashMap<String, StockChange>,
}

impl Inner {
    /// Accepts `change` unless it is stale; coalesces with a pending entry for the same SKU.
    fn push(&mut self, change: StockChange) -> bool {
        if self
            .newest
            .get(&change.sku)
            .is_some_and(|newest| change.event_time <= *newest)
        {
            return false;
        }
        self.newest.insert(change.sku.clone(), change.event_time);
        match self.pending.get_mut(&change.sku) {
            Some(entry) => {
                entry.available = change.available;
                entry.event_time = change.event_time;
                entry.received = entry.received.min(change.received);
            }
            None => {
                self.pending.insert(change.sku.clone(), change);
            }
        }
        true
    }

    /// Whether a warehouse entry counts towards the available quantity.
    fn counts(&self, entry: &Value) -> bool {
        if self.warehouses.is_empty() {
            return true;
        }
        let code = entry.get("warehouse_code").and_then(wire::text);
        let id = entry
            .get("warehouse_id")
            .and_then(wire::int)
            .map(|id| id.to_string());
        self.warehouses
            .iter()
            .any(|w| Some(w.as_str()) == code.as_deref() || Some(w.as_str()) == id.as_deref())
    }

    /// One webhook element as a change (`index` names it in errors).
    fn parse_item(
        &self,
        index: usize,
        item: &Value,
        received: Instant,
    ) -> Result<StockChange, String> {
        if !item.is_object() {
            return Err(format!("[{index}] is not an object"));
        }
        let sku = item
            .get("product_code")
            .and_then(wire::code)
            .ok_or_else(|| format!("[{index}].product_code is missing or empty"))?;
        let event_time = item
            .get("timestamp")
            .and_then(parse_timestamp)
            .ok_or_else(|| format!("[{index}].timestamp is missing or not a date-time"))?;
        let quantities = item
            .get("warehouse_quantities")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("[{index}].warehouse_quantities is missing or not a list"))?;
        let mut available = 0.0;
        for (w, entry) in quantities.iter().enumerate() {
            if !self.counts(entry) {
                continue;
            }
            available += entry
                .get("quantity_available")
                .and_then(wire::number)
                .ok_or_else(|| {
                    format!(
                        "[{index}].warehouse_quantities[{w}].quantity_available is not a number"
                    )
                })?;
        }
        Ok(StockChange {
            sku,
            available: decimal_sum(available),
            event_time,
            received,
        })
    }
}

/// A sum of Fulfil quantities, rid of binary float error: each holds a few decimals at most
/// (its unit of measure's rounding), so the sum is rounded to millionths; `0.2 + 0.7 + 0.1`
/// would otherwise be `0.9999999999999999` and publish a unit less than there is.
fn decimal_sum(sum: f64) -> f64 {
    let micro = (sum * 1e6).round();
    if micro.abs() < 9e15 { micro / 1e6 } else { sum }
}

/// A Fulfil timestamp: naive ISO (`2019-03-19T21:34:49.296368`, taken as UTC; a space may
/// replace the `T`), RFC 3339 with an offset, or a tagged `{"__class__":"datetime",
/// "iso_string":…}`.
fn parse_timestamp(value: &Value) -> Option<DateTime<Utc>> {
    let text = match value {
        Value::String(s) => s.trim(),
        Value::Object(_) => value.get("iso_string").and_then(Value::as_str)?.trim(),
        _ => return None,
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// Thread-safe coalescing queue of stock changes; clones share the same queue.
#[derive(Clone)]
pub struct StockEvents {
    inner: Arc<Mutex<Inner>>,
    /// Where accepted webhook changes are committed (none: in memory only).
    store: Option<Store>,
}

impl std::fmt::Debug for StockEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StockEvents")
            .field("inner", &self.inner)
            .field("durable", &self.store.is_some())
            .finish()
    }
}

/// `Instant::now()` less how long ago `at` was (now when `at` is in the future or too old).
fn instant_of(at: DateTime<Utc>) -> Instant {
    let now = Instant::now();
    let ago = Utc::now()
        .signed_duration_since(at)
        .to_std()
        .unwrap_or_default();
    now.checked_sub(ago).unwrap_or(now)
}

impl StockEvents {
    /// A queue counting the warehouses in `warehouses` (matched against `warehouse_code`, or
    /// `warehouse_id` as text); an empty list counts every warehouse.
    pub fn new(warehouses: Vec<String>) -> Self {
        let warehouses = warehouses
            .into_iter()
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty())
            .collect();
        StockEvents {
            inner: Arc::new(Mutex::new(Inner {
                warehouses,
                ..Inner::default()
            })),
            store: None,
        }
    }

    /// A queue backed by `store`: starts with the changes the store holds queued and the
    /// timestamps it has seen, and commits every accepted webhook change there before
    /// [`push_payload`](Self::push_payload) returns.
    pub fn durable(warehouses: Vec<String>, store: Store) -> anyhow::Result<Self> {
        let mut events = StockEvents::new(warehouses);
        {
            let mut inner = events.lock();
            for (sku, time) in store.seen_stock_events()? {
                inner.newest.insert(sku, time);
            }
            for queued in store.queued_stock_changes()? {
                let newest = inner
                    .newest
                    .entry(queued.sku.clone())
                    .or_insert(queued.event_time);
                *newest = (*newest).max(queued.event_time);
                inner.pending.insert(
                    queued.sku.clone(),
                    StockChange {
                        sku: queued.sku,
                        available: queued.available,
                        event_time: queued.event_time,
                        received: instant_of(queued.received_at),
                    },
                );
            }
        }
        events.store = Some(store);
        Ok(events)
    }

    /// The state, recovering from a poisoned lock (the data stays consistent: every update is
    /// a single map operation).
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Parses an `inventory_level_changed` webhook body and queues its events. A body that is
    /// not a JSON array is an `Err` naming the problem and queues nothing; an element that
    /// cannot be read (no `product_code`, no `timestamp`, a quantity that is not a number) is
    /// skipped and named in [`PushOutcome::skipped`], and the rest are queued: one unreadable
    /// event must not lose the stock changes delivered with it (Fulfil would send the same
    /// body again, and fail again).
    ///
    /// On a durable queue the accepted changes are committed to the store first; when that
    /// fails nothing is queued and the answer is [`PushError::Unsaved`].
    pub fn push_payload(&self, payload: &[u8]) -> Result<PushOutcome, PushError> {
        let value: Value = serde_json::from_slice(payload)
            .map_err(|e| PushError::Malformed(format!("body is not JSON: {e}")))?;
        let items = value.as_array().ok_or_else(|| {
            PushError::Malformed("body is not a JSON array of inventory events".to_string())
        })?;
        let received = Instant::now();
        let received_at = Utc::now();
        let mut inner = self.lock();
        let mut outcome = PushOutcome::default();
        // Decide what is accepted without touching the queue, commit that, then queue it.
        let mut newest: HashMap<String, DateTime<Utc>> = HashMap::new();
        let mut accepted = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match inner.parse_item(i, item, received) {
                Ok(change) => {
                    let known = newest
                        .get(&change.sku)
                        .or_else(|| inner.newest.get(&change.sku));
                    if known.is_some_and(|known| change.event_time <= *known) {
                        outcome.stale += 1;
                    } else {
                        newest.insert(change.sku.clone(), change.event_time);
                        accepted.push(change);
                    }
                }
                Err(problem) => outcome.skipped.push(problem),
            }
        }
        if let Some(store) = self.store.as_ref().filter(|_| !accepted.is_empty()) {
            let rows: Vec<QueuedChange> = accepted
                .iter()
                .map(|c| QueuedChange {
                    sku: c.sku.clone(),
                    available: c.available,
                    event_time: c.event_time,
                    received_at,
                })
                .collect();
            store
                .queue_stock_changes(&rows)
                .map_err(|e| PushError::Unsaved(format!("{e:#}")))?;
        }
        for change in accepted {
            inner.push(change);
            outcome.accepted += 1;
        }
        Ok(outcome)
    }

    /// Queues one change; false (and nothing changes) when it is stale, i.e. its `event_time`
    /// is not newer than the newest accepted for the SKU. A pending change for the same SKU
    /// takes the new quantity and keeps its earlier `received`. Held in memory only (the
    /// stock job's reconciliation, which pushes these, runs again at every start).
    pub fn push(&self, change: StockChange) -> bool {
        self.lock().push(change)
    }

    /// Forgets, in the store, the changes an upload finished with (published, or left to
    /// reconciliation): per SKU, what is queued there unless it is newer than the change.
    /// Nothing to do for an in-memory queue.
    pub fn settle(&self, changes: &[StockChange]) -> anyhow::Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let settled: Vec<(String, DateTime<Utc>)> = changes
            .iter()
            .map(|c| (c.sku.clone(), c.event_time))
            .collect();
        store.settle_stock_changes(&settled)
    }

    /// Takes every pending change, oldest `received` first (ties by SKU).
    pub fn drain(&self) -> Vec<StockChange> {
        let mut changes: Vec<StockChange> = self.lock().pending.drain().map(|(_, c)| c).collect();
        changes.sort_by(|a, b| a.received.cmp(&b.received).then(a.sku.cmp(&b.sku)));
        changes
    }

    /// Puts back changes whose upload failed. A change is dropped if a newer one for its SKU
    /// was accepted meanwhile; if that newer one is still pending it keeps its quantity but
    /// takes the older `received` instant, so latency still counts from the first change.
    pub fn requeue(&self, changes: Vec<StockChange>) {
        let mut inner = self.lock();
        for change in changes {
            if let Some(pending) = inner.pending.get_mut(&change.sku) {
                pending.received = pending.received.min(change.received);
                continue;
            }
            let superseded = inner
                .newest
                .get(&change.sku)
                .is_some_and(|newest| *newest > change.event_time);
            if !superseded {
                let newest = inner
                    .newest
                    .entry(change.sku.clone())
                    .or_insert(change.event_time);
                *newest = (*newest).max(change.event_time);
                inner.pending.insert(change.sku.clone(), change);
            }
        }
    }

    /// Number of SKUs with a pending change.
    pub fn depth(&self) -> usize {
        self.lock().pending.len()
    }

    /// Age of the oldest pending change (since its `received`), or `None` when empty.
    pub fn oldest_age(&self) -> Option<Duration> {
        self.lock()
            .pending
            .values()
            .map(|c| c.received)
            .min()
            .map(|received| received.elapsed())
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
