//! `jlm sandbox` end to end: the standalone sandbox plays the day over a short period, the
//! real `jlm run` binary works against it with nothing but the configuration the sandbox
//! wrote (and the environment its comments name), and `GET /_sandbox/state` shows the day
//! through: every sale created once and shipped by Fulfil, the shipments John Lewis can take
//! confirmed there, and the day's stock changes published.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jlm::cli::sandbox::{SandboxArgs, start};
use serde_json::Value;

/// A `jlm run` child process, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `export NAME=VALUE` lines of the written configuration's comments.
fn exports(config: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(config)
        .expect("config")
        .lines()
        .filter_map(|line| line.trim_start_matches('#').trim().strip_prefix("export "))
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Polls `check` every 100 ms until it yields a value (bounded).
async fn wait_for<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..1800 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The orders of the day whose Fulfil shipments John Lewis can take (the others' carriers or
/// tracking numbers are wrong on purpose, and raise dispatch exceptions instead).
const CONFIRMABLE: [&str; 5] = [
    "JL-20261127-0001-A",
    "JL-20261127-0002-A",
    "JL-20261127-0006-A",
    "JL-20261127-0007-A",
    "JL-20261127-0012-A",
];

/// Whether the day is over, Fulfil shipped every sale and John Lewis shows the confirmable
/// ones shipped.
fn day_through(state: &Value) -> bool {
    let sales = state["fulfil"]["sales"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let shipments = state["fulfil"]["shipments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let orders = state["mirakl"]["orders"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let shipped = |id: &str| {
        orders
            .iter()
            .any(|o| o["order_id"] == id && o["order_state"] == "SHIPPED")
    };
    state["script"]["done"] == true
        && !sales.is_empty()
        && sales
            .iter()
            .all(|sale| shipments.iter().any(|s| s["sale"] == sale["id"]))
        && CONFIRMABLE.iter().all(|id| shipped(id))
}

/// The value of the Prometheus sample `name` in `text` (0 when absent).
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jlm_run_against_jlm_sandbox_gets_through_the_day() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("jlm.toml");
    let connector = format!("127.0.0.1:{}", free_port());
    let args = SandboxArgs {
        serve: "127.0.0.1:0".into(),
        seed: 7,
        faults: 0.0,
        period: Duration::from_secs(4),
        write_config: Some(config.clone()),
        connector: connector.clone(),
    };
    let mut sandbox = start(&args).await.expect("sandbox");
    let state_url = format!("{}{}", sandbox.url(), jlm::sandbox::STATE_PATH);

    let mut command = Command::new(env!("CARGO_BIN_EXE_jlm"));
    command
        .args(["run", "--config"])
        .arg(&config)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let exported = exports(&config);
    assert_eq!(exported.len(), 3, "keys and webhook secret: {exported:?}");
    command.envs(exported);
    let _jlm = Running(command.spawn().expect("start jlm run"));

    // The day starts once the connector listens, so every stock change reaches it by webhook.
    let client = reqwest::Client::new();
    let health = format!("http://{connector}/health");
    wait_for("jlm run to listen", async || {
        client.get(&health).send().await.ok().map(|_| ())
    })
    .await;
    sandbox.play();

    let state = wait_for("the day to go through", async || {
        let state: Value = client
            .get(&state_url)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        day_through(&state).then_some(state)
    })
    .await;

    let sales = state["fulfil"]["sales"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut ids: Vec<&str> = sales
        .iter()
        .filter_map(|s| s["channel_identifier"].as_str())
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "one sale per order: {sales:?}");
    assert!(count >= 6, "most of the day's 12 orders are sold: {count}");
    let orders = state["mirakl"]["orders"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(orders.len(), 12, "every order of the day appeared");
    assert!(
        orders
            .iter()
            .all(|o| o["lines"][0]["order_line_id"].is_string()
                && o["lines"][0]["state"].is_string()),
        "every order shows its lines: {orders:?}"
    );
    let calls = &state["mirakl"]["calls"];
    for op in ["OR11", "OR21", "create_order", "STO01", "OR24"] {
        assert!(calls[op].as_u64().unwrap_or(0) >= 1, "{op} called: {calls}");
    }
    let rejected = &state["mirakl"]["rejected"];
    for op in ["OR21", "create_order", "OR23", "OR24", "STO01"] {
        assert_eq!(
            rejected[op].as_u64().unwrap_or(0),
            0,
            "{op} rejected: {rejected}"
        );
    }
    // The day's stock changes reach John Lewis: the candles (30 in Fulfil at the start) sell
    // out and the lamps (none at the start) are delivered.
    wait_for("the stock changes to be published", async || {
        let state: Value = client
            .get(&state_url)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let offers = state["mirakl"]["offers"].as_array()?.clone();
        let quantity = |sku: &str| {
            offers
                .iter()
                .find(|o| o["sku"] == sku)
                .and_then(|o| o["quantity"].as_i64())
        };
        (quantity("JL-CANDLE-021") == Some(0) && quantity("JL-LAMP-002") > Some(0)).then_some(())
    })
    .await;
    // Every Fulfil stock change was delivered to the connector as a signed webhook.
    let metrics = client
        .get(format!("http://{connector}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert_eq!(
        sample(&metrics, "jlm_webhooks_total{outcome=\"accepted\"}"),
        8.0,
        "{metrics}"
    );
    sandbox.stop().await;
}
