//! `[returns]`: the return and refund policies passed to the component's `plan-return` and
//! `plan-refund`; `[cancellations]`: the cancellation policy `plan-cancel` gets.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::{ConfigDuration, OrdersSection};
use crate::domain::cancellations::CancelPolicy;
use crate::domain::returns::{ReasonName, RefundPolicy, ReturnPolicy, ShippingRefund};

/// `[returns] refund_shipping`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RefundShipping {
    /// Shipping stays paid.
    Never,
    /// A line's shipping comes back with its last returned unit.
    #[default]
    FullReturn,
    /// Each returned unit's share of shipping comes back.
    ProRata,
}

/// `[returns]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReturnsSection {
    /// How long after delivery a customer may open a return (John Lewis: 35 days).
    pub window: ConfigDuration,
    /// Mirakl return reason code → the return reason Fulfil records.
    pub reasons: BTreeMap<String, String>,
    /// What shipping a refund gives back.
    pub refund_shipping: RefundShipping,
    /// The Mirakl refund reason code (RE01) OR28 sends.
    pub refund_reason: String,
    /// What Fulfil's inspection records → the Mirakl non-compliance reason code (RT26).
    pub non_compliance: BTreeMap<String, String>,
    /// The non-compliance reason code for an inspection note no mapping names.
    pub non_compliance_reason: String,
}

impl Default for ReturnsSection {
    fn default() -> Self {
        ReturnsSection {
            window: ConfigDuration(Duration::from_secs(35 * 86_400)),
            reasons: BTreeMap::new(),
            refund_shipping: RefundShipping::default(),
            refund_reason: "RETURN".into(),
            non_compliance: BTreeMap::new(),
            non_compliance_reason: "DAMAGED".into(),
        }
    }
}

/// `[cancellations]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CancellationsSection {
    /// The Mirakl cancellation reason code (RE01) OR30 sends when Fulfil cancels.
    pub reason: String,
}

impl Default for CancellationsSection {
    fn default() -> Self {
        CancellationsSection {
            reason: "SELLER_CANCELLATION".into(),
        }
    }
}

impl CancellationsSection {
    /// The policy record passed to the component.
    pub fn policy(&self) -> CancelPolicy {
        CancelPolicy {
            reason_code: self.reason.clone(),
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

    /// The refund policy record passed to the component.
    pub fn refund_policy(&self) -> RefundPolicy {
        RefundPolicy {
            shipping: match self.refund_shipping {
                RefundShipping::Never => ShippingRefund::Never,
                RefundShipping::FullReturn => ShippingRefund::FullReturn,
                RefundShipping::ProRata => ShippingRefund::ProRata,
            },
            reason_code: self.refund_reason.clone(),
            non_compliance: self
                .non_compliance
                .iter()
                .map(|(note, code)| ReasonName {
                    code: note.clone(),
                    name: code.clone(),
                })
                .collect(),
            non_compliance_default: self.non_compliance_reason.clone(),
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

    #[test]
    fn refund_and_cancellation_policies_come_from_their_sections() {
        let section: ReturnsSection = toml::from_str(
            "refund_shipping = \"pro_rata\"\nrefund_reason = \"15\"\n[non_compliance]\n\"Scratched\" = \"DAMAGED_ITEM\"\n",
        )
        .expect("section");
        let policy = section.refund_policy();
        assert_eq!(policy.shipping, ShippingRefund::ProRata);
        assert_eq!(policy.reason_code, "15");
        assert_eq!(policy.non_compliance[0].code, "Scratched");
        assert_eq!(policy.non_compliance[0].name, "DAMAGED_ITEM");
        assert_eq!(
            ReturnsSection::default().refund_policy().shipping,
            ShippingRefund::FullReturn
        );
        assert!(toml::from_str::<ReturnsSection>("refund_shipping = \"sometimes\"").is_err());
        let cancel: CancellationsSection = toml::from_str("reason = \"OUT_OF_STOCK\"").unwrap();
        assert_eq!(cancel.policy().reason_code, "OUT_OF_STOCK");
    }
}
