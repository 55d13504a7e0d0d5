//! `[clocks]`: how early the clocks that protect seller performance warn. The deadlines are
//! John Lewis' (acceptance: `[orders] acceptance_window` after the order was created;
//! dispatch: the order's `shipping_deadline`); these margins decide when the exceptions
//! `acceptance_overdue`, `dispatch_overdue` and `dispatch_unconfirmed` are raised (see
//! `wit/dispatch.wit`, `check-clocks`). Durations are rounded down to whole minutes.

use std::time::Duration;

use anyhow::bail;
use serde::Deserialize;

use super::ConfigDuration;
use crate::domain::dispatch::ClockPolicy;

/// `[clocks]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClocksSection {
    /// `acceptance_overdue` this long before the acceptance deadline.
    pub acceptance_margin: ConfigDuration,
    /// `dispatch_overdue` this long before the shipping deadline of an order not yet shipped
    /// in Fulfil.
    pub dispatch_margin: ConfigDuration,
    /// `dispatch_unconfirmed` when John Lewis still shows an order unshipped this long after
    /// Fulfil's shipment was sent.
    pub unconfirmed_after: ConfigDuration,
}

impl Default for ClocksSection {
    fn default() -> Self {
        ClocksSection {
            acceptance_margin: ConfigDuration(Duration::from_secs(6 * 3_600)),
            dispatch_margin: ConfigDuration(Duration::from_secs(4 * 3_600)),
            unconfirmed_after: ConfigDuration(Duration::from_secs(3_600)),
        }
    }
}

/// Whole minutes of a duration, saturating at `u32::MAX`.
fn minutes(duration: ConfigDuration) -> u32 {
    u32::try_from(duration.0.as_secs() / 60).unwrap_or(u32::MAX)
}

impl ClocksSection {
    /// Rejects margins that would make a clock fire on every order from the start.
    pub fn check(&self, acceptance_window: ConfigDuration) -> anyhow::Result<()> {
        if self.acceptance_margin.0 >= acceptance_window.0 {
            bail!(
                "clocks.acceptance_margin ({}m) must be shorter than orders.acceptance_window ({}m), or every new order is overdue at once",
                minutes(self.acceptance_margin),
                minutes(acceptance_window)
            );
        }
        Ok(())
    }

    /// The clock policy record passed to the component (see also
    /// [`super::Config::clock_policy`]).
    pub fn policy(&self, acceptance_window: ConfigDuration) -> ClockPolicy {
        ClockPolicy {
            acceptance_window_minutes: minutes(acceptance_window),
            acceptance_margin_minutes: minutes(self.acceptance_margin),
            dispatch_margin_minutes: minutes(self.dispatch_margin),
            unconfirmed_after_minutes: minutes(self.unconfirmed_after),
        }
    }
}
