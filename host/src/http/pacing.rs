//! [`Pacer`]: keeps the starts of successive calls at least a configured interval apart.
//!
//! One pacer per documented call frequency (e.g. Mirakl OR11 ≥ 60 s apart, any Mirakl call
//! ≥ 1 s apart). Clones share state, so every task holding a clone is paced together, and a
//! `429 Retry-After` seen by one caller pauses all of them via [`Pacer::defer_until`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Spaces call starts at least `min_interval` apart; cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct Pacer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    min_interval: Duration,
    /// Start of the most recent call that passed [`Pacer::wait`]. Held across the sleep so
    /// waiters are served one at a time, in arrival order (tokio's mutex is fair).
    last_start: tokio::sync::Mutex<Option<Instant>>,
    /// No call may start before this instant (set from `Retry-After`).
    deferred_until: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer that allows one call start per `min_interval` (`Duration::ZERO` = unpaced, but
    /// still honouring [`Pacer::defer_until`]).
    pub fn new(min_interval: Duration) -> Self {
        Pacer {
            inner: Arc::new(Inner {
                min_interval,
                last_start: tokio::sync::Mutex::new(None),
                deferred_until: Mutex::new(None),
            }),
        }
    }

    /// The configured minimum gap between call starts.
    pub fn min_interval(&self) -> Duration {
        self.inner.min_interval
    }

    /// Waits until a call may start, then records that it started now.
    ///
    /// Cancellation-safe: dropping the future before it completes does not consume a slot.
    pub async fn wait(&self) {
        let mut last_start = self.inner.last_start.lock().await;
        loop {
            let mut target = last_start.map(|t| t + self.inner.min_interval);
            if let Some(deferred) = self.deferred() {
                target = Some(target.map_or(deferred, |t| t.max(deferred)));
            }
            match target {
                Some(target) if target > Instant::now() => tokio::time::sleep_until(target).await,
                // Re-check after sleeping: a 429 may have deferred us further meanwhile.
                _ => break,
            }
        }
        *last_start = Some(Instant::now());
    }

    /// Makes every caller of this pacer (and its clones) wait until at least `when` before
    /// starting another call. Never shortens an existing deferral.
    pub fn defer_until(&self, when: Instant) {
        let mut deferred = self
            .inner
            .deferred_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if deferred.is_none_or(|current| current < when) {
            *deferred = Some(when);
        }
    }

    /// The current deferral, if any.
    fn deferred(&self) -> Option<Instant> {
        *self
            .inner
            .deferred_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_call_starts() {
        let pacer = Pacer::new(Duration::from_millis(50));
        let started = Instant::now();
        for _ in 0..5 {
            pacer.wait().await;
        }
        // Paused time: the first call starts at once, each later one exactly 50 ms after.
        assert_eq!(started.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_the_pace_across_tasks() {
        let pacer = Pacer::new(Duration::from_millis(40));
        let started = Instant::now();
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let pacer = pacer.clone();
                tokio::spawn(async move {
                    pacer.wait().await;
                    Instant::now()
                })
            })
            .collect();
        let mut starts = Vec::new();
        for task in tasks {
            starts.push(task.await.expect("task"));
        }
        starts.sort();
        for pair in starts.windows(2) {
            assert_eq!(pair[1] - pair[0], Duration::from_millis(40), "{starts:?}");
        }
        assert_eq!(started.elapsed(), Duration::from_millis(120));
    }

    #[tokio::test(start_paused = true)]
    async fn defer_until_pauses_every_caller() {
        let pacer = Pacer::new(Duration::ZERO);
        pacer.wait().await;
        let started = Instant::now();
        pacer.defer_until(started + Duration::from_millis(80));
        // An earlier deferral never shortens the current one.
        pacer.defer_until(started + Duration::from_millis(10));
        let other = pacer.clone();
        let task = tokio::spawn(async move {
            other.wait().await;
            Instant::now()
        });
        pacer.wait().await;
        assert_eq!(started.elapsed(), Duration::from_millis(80));
        let other_start = task.await.expect("task");
        assert_eq!(other_start - started, Duration::from_millis(80));
    }
}
