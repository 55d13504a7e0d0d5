//! `[orders]`: the order import policy passed to the component's `plan-order`.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::bail;
use serde::Deserialize;

use super::ConfigDuration;
use crate::domain::orders::{OrderPolicy, TaxName};

/// `[orders]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrdersSection {
    /// Refuse out-of-stock lines automatically when the rest of the order is clean.
    pub refuse_out_of_stock: bool,
    /// Order-level additional field codes carrying a gift message.
    pub gift_message_order_codes: Vec<String>,
    /// Line-level additional field codes carrying a gift message.
    pub gift_message_line_codes: Vec<String>,
    /// Mirakl tax code → Fulfil tax name.
    pub tax_names: BTreeMap<String, String>,
    /// Time John Lewis allows for the acceptance decision.
    pub acceptance_window: ConfigDuration,
    /// Most decimals Fulfil keeps on a unit price.
    pub unit_price_digits: u8,
    /// How far before the cursor each poll starts again (late-arriving updates).
    pub overlap: ConfigDuration,
    /// ISO 4217 currency the John Lewis channel sells in; other orders raise
    /// `currency_unexpected`.
    pub currency: String,
    /// Country (ISO code or name) for addresses that name none at all.
    pub default_country: Option<String>,
    /// Send Mirakl tax codes missing from `tax_names` to Fulfil as they are, on purpose.
    pub tax_pass_through: bool,
}

impl Default for OrdersSection {
    fn default() -> Self {
        OrdersSection {
            refuse_out_of_stock: true,
            gift_message_order_codes: vec!["gift-message".into()],
            gift_message_line_codes: vec!["gift-message".into()],
            tax_names: BTreeMap::new(),
            acceptance_window: ConfigDuration(Duration::from_secs(48 * 3_600)),
            unit_price_digits: 4,
            overlap: ConfigDuration(Duration::from_secs(300)),
            currency: "GBP".into(),
            default_country: None,
            tax_pass_through: false,
        }
    }
}

impl OrdersSection {
    /// `tax_names` as the component takes it (plan-order and plan-return).
    pub fn tax_name_list(&self) -> Vec<TaxName> {
        self.tax_names
            .iter()
            .map(|(code, name)| TaxName {
                code: code.clone(),
                name: name.clone(),
            })
            .collect()
    }

    /// The policy record passed to the component.
    pub fn policy(&self) -> OrderPolicy {
        OrderPolicy {
            refuse_out_of_stock: self.refuse_out_of_stock,
            gift_message_order_codes: self.gift_message_order_codes.clone(),
            gift_message_line_codes: self.gift_message_line_codes.clone(),
            tax_names: self.tax_name_list(),
            acceptance_window_minutes: u32::try_from(self.acceptance_window.0.as_secs() / 60)
                .unwrap_or(u32::MAX),
            unit_price_digits: self.unit_price_digits,
            currency: self.currency.trim().to_string(),
            default_country: self
                .default_country
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            tax_pass_through: self.tax_pass_through,
        }
    }

    /// Checks the keys the type alone does not.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.unit_price_digits < 2 || self.unit_price_digits > 8 {
            bail!("orders.unit_price_digits must be between 2 and 8 (Fulfil usually keeps 4)");
        }
        let currency = self.currency.trim();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            bail!(
                "orders.currency = {:?} is not an ISO 4217 code: use the currency the John Lewis channel sells in, e.g. \"GBP\"",
                self.currency
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn currency_country_and_tax_pass_through_reach_the_policy() {
        let policy = Config::parse("").expect("defaults").orders.policy();
        assert_eq!(policy.currency, "GBP");
        assert_eq!(policy.default_country, None);
        assert!(!policy.tax_pass_through);

        let config = Config::parse(
            "[orders]\ncurrency = \"EUR\"\ndefault_country = \"GB\"\ntax_pass_through = true\n",
        )
        .expect("parses");
        let policy = config.orders.policy();
        assert_eq!(policy.currency, "EUR");
        assert_eq!(policy.default_country.as_deref(), Some("GB"));
        assert!(policy.tax_pass_through);

        let blank = Config::parse("[orders]\ndefault_country = \" \"\n").expect("parses");
        assert_eq!(blank.orders.policy().default_country, None);
        let err = Config::parse("[orders]\ncurrency = \"pounds\"\n").expect_err("not a code");
        assert!(err.to_string().contains("orders.currency"), "{err}");
    }
}
