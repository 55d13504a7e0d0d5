//! Configuration: one TOML file plus environment variables for secrets
//! (`JLM_MIRAKL_API_KEY`, `JLM_FULFIL_API_KEY`, `JLM_FULFIL_WEBHOOK_SECRET`).
//!
//! Every section is optional and has defaults, so a `jlm plan …` command works with no file
//! or with a file holding only the sections it uses; sections a command does not know are
//! left alone, while unknown keys inside a known section are errors that name the key.

mod carriers;
mod checks;
mod clocks;
mod component;
mod duration;
mod orders;
mod retention;
mod returns;
mod stock;
mod sync;
mod template;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

pub use carriers::{CarrierEntry, CarriersSection, DispatchSection};
pub use clocks::ClocksSection;
pub use component::ComponentSection;
pub use duration::ConfigDuration;
pub use orders::OrdersSection;
pub use retention::RetentionSection;
pub use returns::{CancellationsSection, ReturnsSection};
pub use stock::{SkuOverride, StockSection};
pub use sync::{StockSyncSection, WebSection};
pub use template::TEMPLATE;

use crate::domain::dispatch::{ClockPolicy, DispatchPolicy};
use crate::domain::returns::ReturnPolicy;
use crate::fulfil::FulfilConfig;
use crate::http::RetryPolicy;
use crate::mirakl::MiraklConfig;

/// Environment variable holding the Mirakl shop API key.
pub const MIRAKL_KEY_ENV: &str = "JLM_MIRAKL_API_KEY";
/// Environment variable holding the Fulfil personal access token.
pub const FULFIL_KEY_ENV: &str = "JLM_FULFIL_API_KEY";
/// Environment variable holding the Fulfil webhook secret (base64, as Fulfil shows it).
pub const WEBHOOK_SECRET_ENV: &str = "JLM_FULFIL_WEBHOOK_SECRET";
/// Environment variable holding the token required when serving beyond loopback.
pub const WEB_TOKEN_ENV: &str = "JLM_WEB_TOKEN";

/// The whole configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[mirakl]`: the John Lewis Marketplace (Mirakl) instance.
    pub mirakl: MiraklSection,
    /// `[fulfil]`: the Fulfil workspace.
    pub fulfil: FulfilSection,
    /// `[orders]`: order import policy.
    pub orders: OrdersSection,
    /// `[stock]`: stock publication policy.
    pub stock: StockSection,
    /// `[returns]`: return and refund policy.
    pub returns: ReturnsSection,
    /// `[cancellations]`: cancellation policy.
    pub cancellations: CancellationsSection,
    /// `[carriers]`: the carrier table (`[[carriers.map]]`) for dispatch.
    pub carriers: CarriersSection,
    /// `[dispatch]`: how shipments are reported to John Lewis.
    pub dispatch: DispatchSection,
    /// `[clocks]`: margins of the acceptance and dispatch clocks.
    pub clocks: ClocksSection,
    /// `[stock_sync]`: timing of the stock job.
    pub stock_sync: StockSyncSection,
    /// `[web]`: webhooks, dashboard and metrics.
    pub web: WebSection,
    /// `[store]`: where state is kept.
    pub store: StoreSection,
    /// `[retry]`: retries of remote calls.
    pub retry: RetrySection,
    /// `[retention]`: how long finished records are kept.
    pub retention: RetentionSection,
    /// `[component]`: memory and time one call of the component may use.
    pub component: ComponentSection,
}

/// `[mirakl]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MiraklSection {
    /// Instance root, `https://<instance>.mirakl.net`.
    pub base_url: String,
    /// Shop id, when the API key reaches several shops.
    pub shop_id: Option<String>,
    /// Minimum gap between OR11 polls (Mirakl: once per minute).
    pub orders_poll_interval: ConfigDuration,
    /// Minimum gap between any two Mirakl calls.
    pub call_interval: ConfigDuration,
    /// Gap between polls of an offer export (OF53).
    pub export_poll_interval: ConfigDuration,
}

impl Default for MiraklSection {
    fn default() -> Self {
        MiraklSection {
            base_url: String::new(),
            shop_id: None,
            orders_poll_interval: ConfigDuration(Duration::from_secs(60)),
            call_interval: ConfigDuration(Duration::from_secs(1)),
            export_poll_interval: ConfigDuration(Duration::from_secs(10)),
        }
    }
}

/// `[fulfil]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FulfilSection {
    /// Workspace root, `https://<merchant>.fulfil.io`.
    pub base_url: String,
    /// The `sale.channel` id John Lewis orders go into.
    pub channel_id: i64,
    /// Product field that holds the EAN.
    pub ean_field: String,
    /// Minimum gap between any two Fulfil calls.
    pub call_interval: ConfigDuration,
    /// How often the catalogue mirror (codes, EANs) is refreshed.
    pub catalogue_refresh: ConfigDuration,
}

impl Default for FulfilSection {
    fn default() -> Self {
        FulfilSection {
            base_url: String::new(),
            channel_id: 0,
            ean_field: "upc".into(),
            call_interval: ConfigDuration(Duration::from_millis(100)),
            catalogue_refresh: ConfigDuration(Duration::from_secs(3_600)),
        }
    }
}

/// `[store]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSection {
    /// SQLite database file.
    pub path: PathBuf,
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            path: PathBuf::from("jlm.sqlite"),
        }
    }
}

/// `[retry]`.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrySection {
    /// Attempts per call.
    pub max_attempts: u32,
    /// First backoff.
    pub base_delay: ConfigDuration,
    /// Longest backoff.
    pub max_delay: ConfigDuration,
    /// Longest wait for a `Retry-After`.
    pub retry_after_cap: ConfigDuration,
    /// Timeout of one request.
    pub timeout: ConfigDuration,
}

impl Default for RetrySection {
    fn default() -> Self {
        let d = RetryPolicy::default();
        RetrySection {
            max_attempts: d.max_attempts,
            base_delay: ConfigDuration(d.base_delay),
            max_delay: ConfigDuration(d.max_delay),
            retry_after_cap: ConfigDuration(d.retry_after_cap),
            timeout: ConfigDuration(d.timeout),
        }
    }
}

impl RetrySection {
    /// The retry policy of the HTTP clients.
    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.max_attempts.max(1),
            base_delay: self.base_delay.0,
            max_delay: self.max_delay.0,
            retry_after_cap: self.retry_after_cap.0,
            timeout: self.timeout.0,
        }
    }
}

impl Config {
    /// Reads a configuration file (only parsing and per-key checks; see [`Config::validate_for_run`]).
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("read the configuration file {}", path.display()))?;
        Config::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses configuration text.
    pub fn parse(text: &str) -> anyhow::Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| checks::toml_error(text, &e))?;
        config.orders.check()?;
        config.carriers.check()?;
        config.clocks.check(config.orders.acceptance_window)?;
        config.retention.check()?;
        config.component.check()?;
        Ok(config)
    }

    /// The dispatch policy passed to the component (`[carriers]` + `[dispatch]`).
    pub fn dispatch_policy(&self) -> DispatchPolicy {
        self.dispatch.policy(&self.carriers)
    }

    /// The return policy passed to the component (`[returns]` + `[orders]` tax names).
    pub fn return_policy(&self) -> ReturnPolicy {
        self.returns.policy(&self.orders)
    }

    /// The clock policy passed to the component (`[clocks]` + `[orders] acceptance_window`).
    pub fn clock_policy(&self) -> ClockPolicy {
        self.clocks.policy(self.orders.acceptance_window)
    }

    /// Checks what `jlm run` needs: both endpoints, the channel and the secrets.
    pub fn validate_for_run(&self) -> anyhow::Result<()> {
        checks::check_url(
            "mirakl.base_url",
            &self.mirakl.base_url,
            "your John Lewis Mirakl instance, https://<instance>.mirakl.net",
        )?;
        checks::check_url(
            "fulfil.base_url",
            &self.fulfil.base_url,
            "your Fulfil workspace, https://<merchant>.fulfil.io",
        )?;
        if self.fulfil.channel_id <= 0 {
            bail!(
                "fulfil.channel_id is not set: put the id of the Fulfil sales channel for John Lewis (Settings > Channels) in [fulfil] channel_id"
            );
        }
        for var in [MIRAKL_KEY_ENV, FULFIL_KEY_ENV] {
            if std::env::var(var)
                .map(|v| v.trim().is_empty())
                .unwrap_or(true)
            {
                bail!(
                    "the environment variable {var} is not set: export it with the API key (secrets are never read from the file)"
                );
            }
        }
        Ok(())
    }

    /// Mirakl client settings.
    pub fn mirakl_client(&self, keys: &ApiKeys) -> MiraklConfig {
        let mut config = MiraklConfig::new(self.mirakl.base_url.clone(), keys.mirakl.clone());
        config.shop_id = self.mirakl.shop_id.clone().filter(|s| !s.trim().is_empty());
        config.retry = self.retry.policy();
        config.orders_poll_interval = self.mirakl.orders_poll_interval.0;
        config.page_interval = self.mirakl.call_interval.0;
        config.stock_import_interval = self.stock_sync.interval.0;
        config.stock_status_interval = self.stock_sync.status_interval.0;
        config.export_poll_interval = self.mirakl.export_poll_interval.0;
        config
    }

    /// Fulfil client settings.
    pub fn fulfil_client(&self, keys: &ApiKeys) -> FulfilConfig {
        let mut config = FulfilConfig::new(
            self.fulfil.base_url.clone(),
            keys.fulfil.clone(),
            self.fulfil.channel_id,
        );
        config.ean_field = self.fulfil.ean_field.clone();
        config.retry = self.retry.policy();
        config.min_interval = self.fulfil.call_interval.0;
        config.warehouses = self.stock_sync.warehouses.clone();
        config
    }
}

/// The API keys (never in the file, never logged).
#[derive(Clone)]
pub struct ApiKeys {
    /// Mirakl shop API key.
    pub mirakl: String,
    /// Fulfil personal access token.
    pub fulfil: String,
}

impl ApiKeys {
    /// Reads the keys from `JLM_MIRAKL_API_KEY` and `JLM_FULFIL_API_KEY`.
    pub fn from_env() -> ApiKeys {
        ApiKeys {
            mirakl: std::env::var(MIRAKL_KEY_ENV).unwrap_or_default(),
            fulfil: std::env::var(FULFIL_KEY_ENV).unwrap_or_default(),
        }
    }
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKeys(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults() {
        let config = Config::parse("").expect("empty config parses");
        assert!(config.orders.refuse_out_of_stock);
        assert_eq!(config.orders.policy().acceptance_window_minutes, 48 * 60);
        assert_eq!(
            config.mirakl.orders_poll_interval.0,
            Duration::from_secs(60)
        );
    }

    #[test]
    fn unknown_sections_are_left_alone_but_unknown_keys_are_named() {
        assert!(Config::parse("[dispatch_future]\nanything = 2\n").is_ok());
        let err =
            Config::parse("[orders]\nrefuse_out_of_stok = false\n").expect_err("typo is an error");
        assert!(err.to_string().contains("refuse_out_of_stok"), "{err}");
    }

    #[test]
    fn stock_policy_with_overrides() {
        let config = Config::parse("[stock]\nbuffer = 1\nmax = 50\nexclude = [\"X\"]\n[stock.sku.\"JL-MUG-001\"]\nbuffer = 2\n").expect("parses");
        let policy = config.stock.policy();
        assert_eq!(policy.defaults.buffer, 1);
        assert_eq!(policy.defaults.max, Some(50));
        assert_eq!(policy.overrides[0].sku, "JL-MUG-001");
        assert_eq!(policy.overrides[0].buffer, Some(2));
        assert!(Config::parse("[stock]\nbufer = 1\n").is_err());
    }

    #[test]
    fn carrier_table_and_dispatch_policy() {
        let config = Config::parse(
            r#"
[[carriers.map]]
fulfil_carrier = "Royal Mail"
jl_code = "ROYAL-MAIL"
tracking_format = "AA999999999GB"

[[carriers.map]]
fulfil_carrier = "Royal Mail"
fulfil_service = "Special Delivery Guaranteed by 1pm"
jl_code = "ROYAL-MAIL-SD"

[[carriers.map]]
fulfil_carrier = "Aire Valley Couriers"
registered = false
tracking_url_template = "https://track.example/{tracking}"

[dispatch]
multi_shipment = true
"#,
        )
        .expect("parses");
        let policy = config.dispatch_policy();
        assert!(policy.multi_shipment);
        assert_eq!(policy.carriers.len(), 3);
        let rm = &policy.carriers[0];
        assert_eq!(rm.fulfil_carrier, "Royal Mail");
        assert_eq!(rm.fulfil_service, None, "no service = every service");
        assert_eq!(rm.jl_code, "ROYAL-MAIL");
        assert_eq!(rm.tracking_format.as_deref(), Some("AA999999999GB"));
        assert!(rm.registered, "registered by default");
        assert_eq!(
            policy.carriers[1].fulfil_service.as_deref(),
            Some("Special Delivery Guaranteed by 1pm")
        );
        let avc = &policy.carriers[2];
        assert!(!avc.registered);
        assert_eq!(avc.jl_code, "");
        assert_eq!(
            avc.tracking_url_template.as_deref(),
            Some("https://track.example/{tracking}")
        );

        let empty = Config::parse("").expect("parses").dispatch_policy();
        assert!(empty.carriers.is_empty());
        assert!(!empty.multi_shipment);

        let err =
            Config::parse("[[carriers.map]]\nfulfil_carrier = \"DPD\"\njl_cod = \"DPD-UK\"\n")
                .expect_err("typo is an error");
        assert!(err.to_string().contains("jl_cod"), "{err}");
        let err = Config::parse("[[carriers.map]]\nfulfil_carrier = \"DPD\"\n")
            .expect_err("registered entry without a code");
        assert!(err.to_string().contains("jl_code"), "{err}");
        let err = Config::parse("[dispatch]\nmulti_shipments = true\n").expect_err("typo");
        assert!(err.to_string().contains("multi_shipments"), "{err}");
        assert!(Config::parse("[carriers]\nmapping = []\n").is_err());
    }

    #[test]
    fn clock_policy_defaults_and_overrides() {
        let policy = Config::parse("").expect("parses").clock_policy();
        assert_eq!(policy.acceptance_window_minutes, 48 * 60);
        assert_eq!(policy.acceptance_margin_minutes, 6 * 60);
        assert_eq!(policy.dispatch_margin_minutes, 4 * 60);
        assert_eq!(policy.unconfirmed_after_minutes, 60);

        let config = Config::parse(
            "[orders]\nacceptance_window = \"24h\"\n[clocks]\nacceptance_margin = \"2h\"\ndispatch_margin = \"90m\"\nunconfirmed_after = 1800\n",
        )
        .expect("parses");
        let policy = config.clock_policy();
        assert_eq!(policy.acceptance_window_minutes, 24 * 60);
        assert_eq!(policy.acceptance_margin_minutes, 120);
        assert_eq!(policy.dispatch_margin_minutes, 90);
        assert_eq!(policy.unconfirmed_after_minutes, 30);

        let err = Config::parse("[clocks]\ndispatch_margn = \"1h\"\n").expect_err("typo");
        assert!(err.to_string().contains("dispatch_margn"), "{err}");
        let err = Config::parse("[clocks]\nacceptance_margin = \"48h\"\n")
            .expect_err("margin as long as the window");
        assert!(err.to_string().contains("acceptance_margin"), "{err}");
        assert!(Config::parse("[clocks]\nunconfirmed_after = \"soon\"\n").is_err());
    }

    #[test]
    fn the_template_is_valid() {
        let config = Config::parse(TEMPLATE).expect("template parses");
        assert_eq!(
            config
                .orders
                .tax_names
                .get("GB-VAT-STANDARD")
                .map(String::as_str),
            Some("UK Standard VAT")
        );
        assert!(!config.dispatch.multi_shipment);
        let orders = config.orders.policy();
        assert_eq!(orders.currency, "GBP");
        assert_eq!(
            orders.default_country, None,
            "left commented: most shops need none"
        );
        assert!(!orders.tax_pass_through);
        // The template spells out the clock defaults.
        let (written, default) = (
            config.clock_policy(),
            Config::parse("").expect("parses").clock_policy(),
        );
        assert_eq!(
            (
                written.acceptance_window_minutes,
                written.acceptance_margin_minutes,
                written.dispatch_margin_minutes,
                written.unconfirmed_after_minutes
            ),
            (
                default.acceptance_window_minutes,
                default.acceptance_margin_minutes,
                default.dispatch_margin_minutes,
                default.unconfirmed_after_minutes
            )
        );
        assert!(
            config.carriers.map.is_empty(),
            "carrier codes are examples, left commented"
        );
        // The commented carrier example is valid once uncommented.
        let example: Vec<&str> = TEMPLATE
            .lines()
            .skip_while(|l| !l.starts_with("# [[carriers.map]]"))
            .take_while(|l| l.starts_with('#'))
            .map(|l| l.trim_start_matches('#').trim_start())
            .collect();
        let config = Config::parse(&example.join("\n")).expect("uncommented example parses");
        let policy = config.dispatch_policy();
        assert_eq!(policy.carriers.len(), 3);
        assert_eq!(
            policy.carriers[0].fulfil_service.as_deref(),
            Some("Tracked 24")
        );
        assert_eq!(policy.carriers[0].jl_code, "RM");
        assert!(!policy.carriers[2].registered);
    }

    #[test]
    fn run_needs_urls_and_channel() {
        let err = Config::parse("")
            .and_then(|c| c.validate_for_run())
            .expect_err("nothing set");
        assert!(err.to_string().contains("mirakl.base_url"), "{err}");
        let err = Config::parse(
            "[mirakl]\nbase_url = \"https://jl.mirakl.net\"\n[fulfil]\nbase_url = \"ftp://x\"\n",
        )
        .and_then(|c| c.validate_for_run())
        .expect_err("bad url");
        assert!(err.to_string().contains("fulfil.base_url"), "{err}");
    }
}
