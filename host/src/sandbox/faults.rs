//! Fault injection: what to inject ([`Faults`]) and the seeded per-request decisions.
//!
//! Every request that passes authentication draws the same three numbers from a
//! `StdRng::seed_from_u64(seed)`, so a given sequence of requests always meets the same faults.
//! A 429 or 5xx means the request is *not* applied; a slow response, a withheld answer
//! (`hang_after_apply`), a truncated body and a connection reset mid-answer happen *after* the
//! request was applied.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Faults the sandbox injects (both servers honour them).
#[derive(Clone, Debug)]
pub struct Faults {
    /// Seed of the RNG that picks faults, for reproducible runs.
    pub seed: u64,
    /// Probability per request of a 429 with `Retry-After: <retry_after_secs>` (not applied).
    pub rate_429: f64,
    /// Value of the `Retry-After` header on injected 429s, in seconds.
    pub retry_after_secs: u64,
    /// Probability per request of a 500, 502 or 503 (picked at random; not applied).
    pub rate_5xx: f64,
    /// Probability per request of answering `slow` late (after applying the request).
    pub rate_slow: f64,
    /// How late a slow answer is.
    pub slow: Duration,
    /// Operation names (`"OR21"`, `"create_order"`, ...): the next successful request of each
    /// listed operation is applied and then never answered (the answer is held for about an
    /// hour, or until shutdown), modelling a response lost to a crash or timeout. Each entry
    /// fires once and then removes itself.
    pub hang_after_apply: Vec<String>,
    /// Probability per applied, successful request of answering its status with the body cut
    /// in half (a 2xx whose body cannot be read).
    pub rate_truncated: f64,
    /// Probability per applied, successful request of resetting the connection after the
    /// first half of the body (the client sees the call fail).
    pub rate_reset: f64,
    /// Operation names: the next successful request of each is applied and answered with a
    /// truncated body, once per entry.
    pub truncate_after_apply: Vec<String>,
}

impl Default for Faults {
    /// No faults; seed 0; `Retry-After: 1`.
    fn default() -> Self {
        Faults {
            seed: 0,
            rate_429: 0.0,
            retry_after_secs: 1,
            rate_5xx: 0.0,
            rate_slow: 0.0,
            slow: Duration::ZERO,
            hang_after_apply: Vec::new(),
            rate_truncated: 0.0,
            rate_reset: 0.0,
            truncate_after_apply: Vec::new(),
        }
    }
}

/// How the answer to an applied request is damaged on its way back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Damage {
    /// The body cut in half.
    Truncated,
    /// The connection reset after half the body.
    Reset,
}

/// A fault that stops the request from being applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Injected {
    /// 429 with `Retry-After`.
    TooManyRequests {
        /// Seconds for the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// 500, 502 or 503.
    ServerError {
        /// The status code.
        status: u16,
    },
}

/// The fault decision for one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Decision {
    /// Answer with this instead of applying the request.
    pub reject: Option<Injected>,
    /// Apply, then wait this long before answering.
    pub delay: Option<Duration>,
}

/// The configured faults plus their RNG.
pub(crate) struct FaultEngine {
    faults: Faults,
    rng: StdRng,
}

impl FaultEngine {
    /// An engine for `faults`, its RNG seeded from `faults.seed`.
    pub fn new(faults: Faults) -> Self {
        let rng = StdRng::seed_from_u64(faults.seed);
        FaultEngine { faults, rng }
    }

    /// Replaces the configuration and reseeds the RNG.
    pub fn set(&mut self, faults: Faults) {
        *self = FaultEngine::new(faults);
    }

    /// Decides the faults for one request (always draws three numbers).
    pub fn decide(&mut self) -> Decision {
        let r429: f64 = self.rng.random();
        let r5xx: f64 = self.rng.random();
        let rslow: f64 = self.rng.random();
        let pick: u32 = self.rng.random_range(0..3);
        if r429 < self.faults.rate_429 {
            return Decision {
                reject: Some(Injected::TooManyRequests {
                    retry_after_secs: self.faults.retry_after_secs,
                }),
                delay: None,
            };
        }
        if r5xx < self.faults.rate_5xx {
            let status = [500, 502, 503][pick as usize];
            return Decision {
                reject: Some(Injected::ServerError { status }),
                delay: None,
            };
        }
        let delay = (rslow < self.faults.rate_slow && !self.faults.slow.is_zero())
            .then_some(self.faults.slow);
        Decision {
            reject: None,
            delay,
        }
    }

    /// How the answer to this applied, successful `op` request is damaged, if at all
    /// (consumes one matching `truncate_after_apply` entry, else draws one number).
    pub fn damage(&mut self, op: &str) -> Option<Damage> {
        if let Some(index) = self
            .faults
            .truncate_after_apply
            .iter()
            .position(|o| o == op)
        {
            self.faults.truncate_after_apply.remove(index);
            return Some(Damage::Truncated);
        }
        if self.faults.rate_truncated <= 0.0 && self.faults.rate_reset <= 0.0 {
            return None; // no draw: sequences without these faults stay as they were
        }
        let roll: f64 = self.rng.random();
        if roll < self.faults.rate_truncated {
            Some(Damage::Truncated)
        } else if roll < self.faults.rate_truncated + self.faults.rate_reset {
            Some(Damage::Reset)
        } else {
            None
        }
    }

    /// Whether the answer to this (applied, successful) `op` request must be withheld;
    /// consumes one matching `hang_after_apply` entry.
    pub fn take_hang(&mut self, op: &str) -> bool {
        match self.faults.hang_after_apply.iter().position(|o| o == op) {
            Some(index) => {
                self.faults.hang_after_apply.remove(index);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::test_support::{accept_all_body, mirakl_client, sample_order, start};
    use crate::sandbox::{Sandbox, SandboxConfig};

    #[test]
    fn no_faults_by_default() {
        let mut engine = FaultEngine::new(Faults::default());
        for _ in 0..100 {
            assert_eq!(engine.decide(), Decision::default());
        }
    }

    #[test]
    fn decisions_are_reproducible_from_the_seed() {
        let faults = Faults {
            seed: 42,
            rate_429: 0.2,
            rate_5xx: 0.2,
            rate_slow: 0.2,
            slow: Duration::from_millis(5),
            ..Faults::default()
        };
        let mut a = FaultEngine::new(faults.clone());
        let mut b = FaultEngine::new(faults);
        let first: Vec<Decision> = (0..200).map(|_| a.decide()).collect();
        let second: Vec<Decision> = (0..200).map(|_| b.decide()).collect();
        assert_eq!(first, second);
        assert!(first.iter().any(|d| d.reject.is_some()));
        assert!(first.iter().any(|d| d.delay.is_some()));
        assert!(first.iter().any(|d| *d == Decision::default()));
    }

    #[test]
    fn hang_fires_once_per_entry() {
        let mut engine = FaultEngine::new(Faults {
            hang_after_apply: vec!["OR21".into()],
            ..Faults::default()
        });
        assert!(!engine.take_hang("create_order"));
        assert!(engine.take_hang("OR21"));
        assert!(!engine.take_hang("OR21"));
    }

    #[tokio::test]
    async fn rate_429_answers_retry_after_and_does_not_apply() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![sample_order("O-1", "WAITING_ACCEPTANCE", 2)]);
        sandbox.set_faults(Faults {
            rate_429: 1.0,
            retry_after_secs: 7,
            ..Faults::default()
        });
        let client = mirakl_client(&sandbox);
        let response = client
            .put(format!("{}/api/orders/O-1/accept", sandbox.mirakl_url))
            .json(&accept_all_body(&sandbox, "O-1"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
        let order = sandbox.order("O-1").unwrap();
        assert_eq!(order["order_state"], "WAITING_ACCEPTANCE");
        let stats = sandbox.stats();
        assert_eq!(stats.faults_injected, 1);
        assert_eq!(stats.requests["OR21"], 1);
        assert!(stats.or21_applied.is_empty());
        assert_eq!(stats.rejected, 0);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn rate_5xx_on_fulfil_is_not_applied() {
        let sandbox = start().await;
        sandbox.set_faults(Faults {
            rate_5xx: 1.0,
            ..Faults::default()
        });
        let response = crate::sandbox::test_support::fulfil_client(&sandbox)
            .put(format!(
                "{}/api/v2/model/sale.sale/search_read",
                sandbox.fulfil_url
            ))
            .json(&serde_json::json!([[], null, 10, null, ["id"]]))
            .send()
            .await
            .unwrap();
        assert!([500, 502, 503].contains(&response.status().as_u16()));
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn hang_after_apply_applies_then_withholds_the_answer_once() {
        let sandbox = Sandbox::start(SandboxConfig {
            faults: Faults {
                hang_after_apply: vec!["OR21".into()],
                ..Faults::default()
            },
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        sandbox.seed_orders(vec![sample_order("O-1", "WAITING_ACCEPTANCE", 1)]);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let body = accept_all_body(&sandbox, "O-1");
        let error = client
            .put(format!("{}/api/orders/O-1/accept", sandbox.mirakl_url))
            .header("Authorization", "sandbox-mirakl-key")
            .json(&body)
            .send()
            .await
            .unwrap_err();
        assert!(error.is_timeout(), "{error}");
        // Applied even though the client never heard back.
        assert_eq!(sandbox.order("O-1").unwrap()["order_state"], "SHIPPING");
        assert_eq!(sandbox.stats().or21_applied["O-1"], 1);
        // The fault fired once: the retry is answered (and finds the order already accepted).
        let response = client
            .put(format!("{}/api/orders/O-1/accept", sandbox.mirakl_url))
            .header("Authorization", "sandbox-mirakl-key")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn slow_answers_after_applying() {
        let sandbox = start().await;
        sandbox.seed_orders(vec![sample_order("O-1", "WAITING_ACCEPTANCE", 1)]);
        sandbox.set_faults(Faults {
            rate_slow: 1.0,
            slow: Duration::from_millis(300),
            ..Faults::default()
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        let error = client
            .put(format!("{}/api/orders/O-1/accept", sandbox.mirakl_url))
            .header("Authorization", "sandbox-mirakl-key")
            .json(&accept_all_body(&sandbox, "O-1"))
            .send()
            .await
            .unwrap_err();
        assert!(error.is_timeout());
        assert_eq!(sandbox.order("O-1").unwrap()["order_state"], "SHIPPING");
        sandbox.shutdown().await;
    }
}
