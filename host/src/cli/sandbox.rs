//! `jlm sandbox`: the Mirakl and Fulfil sandboxes served standalone, playing the demo's day.
//!
//! Both APIs are served on one address (`--serve`), with `GET /_sandbox/state` (see
//! [`crate::sandbox::STATE_PATH`]). The day ([`crate::demo::script::play`]) lasts `--period`:
//! orders appear on John Lewis, Fulfil stock changes are sent as signed webhooks to
//! `--connector`, and Fulfil ships each sale a while after it was created. `--write-config`
//! writes a `jlm.toml` that `jlm run --config` uses against it as is.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::task::JoinHandle;

use crate::config::{
    ConfigDuration, FULFIL_KEY_ENV, MIRAKL_KEY_ENV, WEB_TOKEN_ENV, WEBHOOK_SECRET_ENV,
};
use crate::demo::script;
use crate::sandbox::{Faults, Sandbox, SandboxConfig, SandboxOffer};

/// The webhook secret the sandbox signs with (base64, as Fulfil shows secrets).
pub const SANDBOX_WEBHOOK_SECRET: &str = "c2FuZGJveC13ZWJob29rLXNlY3JldA==";

/// The stock interval written to the configuration; the sandbox enforces 90% of it, as
/// Mirakl enforces its 60 s on the real interval.
const STOCK_INTERVAL: Duration = Duration::from_secs(1);

/// `jlm sandbox` options.
#[derive(Debug, Clone, clap::Args)]
pub struct SandboxArgs {
    /// Address to serve both APIs on (port 0: any free port, printed).
    #[arg(long, value_name = "ADDR")]
    pub serve: String,
    /// Seed of the fault injection, for reproducible runs.
    #[arg(long, value_name = "N", default_value_t = 2026)]
    pub seed: u64,
    /// Share of calls answered 429 or 5xx instead (half each), from 0 to 1.
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    pub faults: f64,
    /// How long the scripted day lasts ("60s", "5m", …).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_period)]
    pub period: Duration,
    /// Write a ready `jlm.toml` pointing at this sandbox here (overwritten).
    #[arg(long, value_name = "PATH")]
    pub write_config: Option<PathBuf>,
    /// Where `jlm run` serves its webhooks: written as `[web] bind`, and where Fulfil's stock
    /// webhooks are sent.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8780")]
    pub connector: String,
}

/// A duration option.
fn parse_period(text: &str) -> Result<Duration, String> {
    ConfigDuration::parse(text).map(|d| d.0)
}

/// A running `jlm sandbox`.
pub struct Running {
    /// The sandbox (both APIs at [`Sandbox::mirakl_url`]).
    pub sandbox: Arc<Sandbox>,
    period: Duration,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// The base URL both APIs are served at.
    pub fn url(&self) -> &str {
        &self.sandbox.mirakl_url
    }

    /// Starts the day (see [`script::play`]) and Fulfil's warehouse, which ships each sale
    /// `period / 20` (0.2 s to 10 s) after it was created.
    pub fn play(&mut self) {
        let ship_after =
            (self.period / 20).clamp(Duration::from_millis(200), Duration::from_secs(10));
        let (player, shipper, period) = (
            Arc::clone(&self.sandbox),
            Arc::clone(&self.sandbox),
            self.period,
        );
        self.tasks.push(tokio::spawn(async move {
            if let Err(e) = script::play(&player, period).await {
                tracing::error!("the scripted day stopped: {e:#}");
            }
        }));
        self.tasks.push(tokio::spawn(async move {
            if let Err(e) = script::ship_sales(&shipper, ship_after).await {
                tracing::error!("the sandbox warehouse stopped: {e:#}");
            }
        }));
    }

    /// Stops the day and the servers.
    pub async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        for task in self.tasks {
            let _ = task.await;
        }
        if let Ok(sandbox) = Arc::try_unwrap(self.sandbox) {
            sandbox.shutdown().await;
        }
    }
}

/// The sandbox's settings for `args`: faults from `--faults` and `--seed`.
fn settings(args: &SandboxArgs) -> anyhow::Result<SandboxConfig> {
    if !(0.0..=1.0).contains(&args.faults) {
        anyhow::bail!("--faults {} is not a share between 0 and 1", args.faults);
    }
    Ok(SandboxConfig {
        faults: Faults {
            seed: args.seed,
            rate_429: args.faults / 2.0,
            rate_5xx: args.faults / 2.0,
            retry_after_secs: 1,
            ..Faults::default()
        },
        stock_import_min_interval: STOCK_INTERVAL.mul_f64(0.9),
        ..SandboxConfig::default()
    })
}

/// Serves the sandbox (seeded with the day's catalogue, offers and carriers) and writes the
/// configuration if asked; [`Running::play`] starts the day.
pub async fn start(args: &SandboxArgs) -> anyhow::Result<Running> {
    let settings = settings(args)?;
    let listener = tokio::net::TcpListener::bind(&args.serve)
        .await
        .with_context(|| format!("serve the sandbox on {}", args.serve))?;
    let sandbox = Arc::new(Sandbox::start_on(settings.clone(), listener).await?);
    sandbox.seed_products(crate::demo::day::products()?);
    sandbox.seed_offers(
        crate::demo::day::offers()?
            .into_iter()
            .map(|o| SandboxOffer {
                sku: o.sku,
                ean: o.ean,
                quantity: 0,
                active: true,
            })
            .collect(),
    );
    sandbox.seed_carriers(crate::demo::day::carriers()?);
    sandbox.set_webhook_target(
        format!("http://{}/webhooks/fulfil", args.connector),
        SANDBOX_WEBHOOK_SECRET.into(),
    );
    if let Some(path) = &args.write_config {
        write_config(path, &sandbox.mirakl_url, &args.connector, &settings)?;
    }
    Ok(Running {
        sandbox,
        period: args.period,
        tasks: Vec::new(),
    })
}

/// `jlm sandbox`: serves until interrupted.
pub async fn run(args: SandboxArgs) -> anyhow::Result<i32> {
    let mut running = start(&args).await?;
    running.play();
    let settings = settings(&args)?;
    println!(
        "jlm sandbox: John Lewis (Mirakl) and Fulfil on {url}; state at {url}{state}",
        url = running.url(),
        state = crate::sandbox::STATE_PATH
    );
    println!(
        "the day lasts {}s; stock webhooks go to http://{}/webhooks/fulfil",
        args.period.as_secs_f64(),
        args.connector
    );
    if let Some(path) = &args.write_config {
        println!("wrote {}; then:", path.display());
        for (name, value) in env_vars(&settings) {
            println!("  export {name}={value}");
        }
        println!("  jlm run --config {}", path.display());
    }
    tokio::signal::ctrl_c().await.context("wait for ctrl-c")?;
    running.stop().await;
    Ok(0)
}

/// The environment `jlm run` needs against the sandbox.
fn env_vars(settings: &SandboxConfig) -> [(&'static str, String); 3] {
    [
        (MIRAKL_KEY_ENV, settings.mirakl_api_key.clone()),
        (FULFIL_KEY_ENV, settings.fulfil_api_key.clone()),
        (WEBHOOK_SECRET_ENV, SANDBOX_WEBHOOK_SECRET.to_string()),
    ]
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Writes a `jlm.toml` for a sandbox at `url`, with `jlm run` serving on `connector`, its
/// store next to the file, short intervals and the day's carrier table.
pub fn write_config(
    path: &Path,
    url: &str,
    connector: &str,
    settings: &SandboxConfig,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let store = dir.join("jlm-sandbox.sqlite");
    let exports: String = env_vars(settings)
        .iter()
        .map(|(name, value)| format!("#   export {name}={value}\n"))
        .collect();
    let text = format!(
        "# jlm.toml for the sandbox `jlm sandbox` serves at {url}.\n\
         # Its keys and webhook secret are the sandbox's; before `jlm run --config {path}`:\n\
         {exports}\
         # ({WEB_TOKEN_ENV} is needed only if [web] bind is not a loopback address.)\n\
         \n\
         [mirakl]\n\
         base_url = {url_q}\n\
         orders_poll_interval = \"500ms\"\n\
         call_interval = \"10ms\"\n\
         export_poll_interval = \"100ms\"\n\
         \n\
         [fulfil]\n\
         base_url = {url_q}\n\
         channel_id = {channel}\n\
         call_interval = \"10ms\"\n\
         \n\
         [orders.tax_names]\n\
         \"GB-VAT-STANDARD\" = \"UK Standard VAT\"\n\
         \n\
         [stock_sync]\n\
         interval = \"{stock_ms}ms\"\n\
         status_interval = \"100ms\"\n\
         reconcile_every = \"1m\"\n\
         \n\
         [dispatch]\n\
         poll_interval = \"500ms\"\n\
         \n\
         [web]\n\
         bind = {connector_q}\n\
         \n\
         [store]\n\
         path = {store_q}\n\
         \n\
         [retry]\n\
         base_delay = \"50ms\"\n\
         max_delay = \"1s\"\n\
         retry_after_cap = \"2s\"\n\
         timeout = \"10s\"\n\
         \n\
         {carriers}",
        path = path.display(),
        url_q = quoted(url),
        channel = settings.fulfil_channel_id,
        stock_ms = STOCK_INTERVAL.as_millis(),
        connector_q = quoted(connector),
        store_q = quoted(&store.to_string_lossy()),
        carriers = include_str!("../../../fixtures/sandbox/carriers.toml"),
    );
    // The check `jlm run` makes, before anyone relies on the file.
    crate::config::Config::parse(&text).context("the sandbox configuration")?;
    std::fs::write(path, text).with_context(|| format!("write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_configuration_is_usable_and_names_the_environment() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("jlm.toml");
        let settings = SandboxConfig::default();
        write_config(&path, "http://127.0.0.1:9", "127.0.0.1:8781", &settings).expect("write");
        let config = crate::config::Config::load(&path).expect("load");
        assert_eq!(config.mirakl.base_url, "http://127.0.0.1:9");
        assert_eq!(config.fulfil.base_url, "http://127.0.0.1:9");
        assert_eq!(config.web.bind, "127.0.0.1:8781");
        assert_eq!(config.stock_sync.interval.0, STOCK_INTERVAL);
        assert!(config.store.path.starts_with(dir.path()));
        assert!(!config.carriers.map.is_empty());
        let text = std::fs::read_to_string(&path).expect("read");
        for line in [
            "#   export JLM_MIRAKL_API_KEY=sandbox-mirakl-key",
            "#   export JLM_FULFIL_API_KEY=sandbox-fulfil-key",
            &format!("#   export JLM_FULFIL_WEBHOOK_SECRET={SANDBOX_WEBHOOK_SECRET}"),
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }

    #[test]
    fn a_fault_rate_outside_zero_to_one_is_refused() {
        let args = SandboxArgs {
            serve: "127.0.0.1:0".into(),
            seed: 1,
            faults: 1.5,
            period: Duration::from_secs(1),
            write_config: None,
            connector: "127.0.0.1:8780".into(),
        };
        assert!(settings(&args).is_err());
    }
}
