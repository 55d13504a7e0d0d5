//! `[returns]`: the return policy passed to the component's `plan-return`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::{ConfigDuration, OrdersSection};
use crate::domain::returns::{ReasonName, ReturnPolicy};

/// `[returns]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReturnsSection {
    /// How long after delivery a customer may open a return (John Lewis: 35 days).
    pub window: ConfigDuration,
    /// Mirakl return reason code → the return reason Fulfil records.
    pub reasons: BTreeMap<String, String>,
}

impl Default for ReturnsSection {
    fn default() -> Self {
        ReturnsSection {
            window: ConfigDuration(Duration::from_secs(35 * 86_400)),
            reasons: BTreeMap::new(),
        }
    }
}

impl ReturnsSection {
    /// The policy record passed to the component (tax names and unit price precision from
    /// `[orders]`, so a return sale matches its sale).
    pub fn policy(&self, orders: &OrdersSection) -> ReturnPolicy {
        ReturnPolicy {
            window_days: u32::try_from(self.window.0.as_secs() / 86_400).unwrap_or(u32::MAX),
            reasons: self
                .reasons
                .iter()
                .map(|(code, name)| ReasonName {
                    code: code.clone(),
                    name: name.clone(),
                })
                .collect(),
            tax_names: orders.tax_name_list(),
            unit_price_digits: orders.unit_price_digits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_counted_in_whole_days_and_reasons_are_passed_on() {
        let section: ReturnsSection = toml::from_str(
            "window = \"30days\"\n[reasons]\nRETURN_CHANGED_MIND = \"Changed mind\"\n",
        )
        .expect("section");
        let policy = section.policy(&OrdersSection::default());
        assert_eq!(policy.window_days, 30);
        assert_eq!(policy.reasons[0].name, "Changed mind");
        assert_eq!(
            ReturnsSection::default()
                .policy(&OrdersSection::default())
                .window_days,
            35
        );
    }
}
