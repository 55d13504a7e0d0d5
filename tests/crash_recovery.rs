//! A `jlm run` process killed mid-flow and restarted leaves exactly one sale and one
//! acceptance per order: the real binary against the sandbox, crashed at chosen points.

use std::path::Path;
use std::process::Command;

use jlm::demo::day;
use jlm::sandbox::{Sandbox, SandboxConfig};

/// Writes a configuration for the binary pointing at `sandbox`, with a store in `dir`.
fn write_config(dir: &Path, sandbox: &Sandbox) -> std::path::PathBuf {
    let path = dir.join("jlm.toml");
    let text = format!(
        "[mirakl]\nbase_url = \"{}\"\norders_poll_interval = \"10ms\"\ncall_interval = \"2ms\"\nexport_poll_interval = \"5ms\"\n\
         [stock_sync]\ninterval = \"10ms\"\nstatus_interval = \"5ms\"\n\
         [fulfil]\nbase_url = \"{}\"\nchannel_id = 1\ncall_interval = \"2ms\"\n\
         [store]\npath = \"{}\"\n\
         [retry]\nbase_delay = \"5ms\"\nmax_delay = \"20ms\"\nretry_after_cap = \"20ms\"\ntimeout = \"2s\"\n",
        sandbox.mirakl_url,
        sandbox.fulfil_url,
        dir.join("jlm.sqlite").display()
    );
    std::fs::write(&path, text).expect("write config");
    path
}

/// Runs `jlm run --once`, optionally crashing at `crash_at`; returns whether it exited cleanly.
async fn run_once(config: &Path, crash_at: Option<&str>) -> bool {
    let settings = SandboxConfig::default();
    let mut command = Command::new(env!("CARGO_BIN_EXE_jlm"));
    command
        .args(["run", "--once", "--config"])
        .arg(config)
        .env("JLM_MIRAKL_API_KEY", &settings.mirakl_api_key)
        .env("JLM_FULFIL_API_KEY", &settings.fulfil_api_key)
        .env(
            "XDG_CACHE_HOME",
            config.parent().expect("dir").join("cache"),
        );
    match crash_at {
        Some(point) => command.env("JLM_CRASH_AT", point),
        None => command.env_remove("JLM_CRASH_AT"),
    };
    let status = tokio::task::spawn_blocking(move || command.status())
        .await
        .expect("join")
        .expect("run jlm");
    status.success()
}

async fn sandbox() -> Sandbox {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    sandbox.seed_products(day::products().expect("products"));
    sandbox.seed_orders(day::orders().expect("orders"));
    sandbox
}

fn assert_exactly_once(sandbox: &Sandbox) {
    let stats = sandbox.stats();
    assert!(!stats.or21_applied.is_empty());
    assert!(
        stats.or21_applied.values().all(|n| *n == 1),
        "one OR21 per order: {:?}",
        stats.or21_applied
    );
    let sales = sandbox.sales();
    let mut ids: Vec<&str> = sales
        .iter()
        .filter_map(|s| s["channel_identifier"].as_str())
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "one sale per order");
    assert_eq!(
        total,
        stats.or21_applied.len(),
        "every accepted order became one sale"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_create_order_before_recording_it() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &sandbox);
    assert!(run_once(&config, None).await, "first cycle accepts");
    assert!(
        !run_once(&config, Some("create_order.sent")).await,
        "the process is killed"
    );
    assert_eq!(
        sandbox.sales().len(),
        1,
        "Fulfil applied the create before the kill"
    );
    for _ in 0..3 {
        assert!(run_once(&config, None).await);
    }
    assert_exactly_once(&sandbox);
    let calls = sandbox.stats().create_order_calls;
    assert!(
        calls.values().all(|n| *n == 1),
        "the unrecorded sale was found by re-reading Fulfil, not sent again: {calls:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_sending_or21() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &sandbox);
    assert!(
        !run_once(&config, Some("or21.sending")).await,
        "the process is killed"
    );
    assert!(sandbox.stats().or21_applied.is_empty());
    for _ in 0..3 {
        assert!(run_once(&config, None).await);
    }
    assert_exactly_once(&sandbox);
    sandbox.shutdown().await;
}

/// Adds the day's carrier table to a configuration written by [`write_config`].
fn with_carriers(config: &Path) {
    let mut text = std::fs::read_to_string(config).expect("config");
    text.push_str(include_str!("../fixtures/sandbox/carriers.toml"));
    std::fs::write(config, text).expect("write config");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_or24_before_recording_it() {
    let sandbox = sandbox().await;
    sandbox.seed_carriers(day::carriers().expect("carriers"));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &sandbox);
    with_carriers(&config);
    assert!(run_once(&config, None).await, "accepts");
    assert!(run_once(&config, None).await, "creates the sales");
    for shipment in day::shipments(chrono::Utc::now()).expect("shipments") {
        sandbox.add_shipment(shipment).expect("shipment");
    }
    assert!(
        !run_once(&config, Some("or24.sent")).await,
        "killed right after John Lewis applied an OR24"
    );
    assert_eq!(sandbox.stats().or24_applied.len(), 1);
    for _ in 0..2 {
        assert!(run_once(&config, None).await);
    }
    let stats = sandbox.stats();
    assert!(
        stats.or24_applied.len() >= 6,
        "the day's complete shipments are confirmed: {:?}",
        stats.or24_applied
    );
    assert!(
        stats.or24_applied.values().all(|n| *n == 1),
        "never twice: {:?}",
        stats.or24_applied
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_after_st01_before_recording_it() {
    let sandbox = sandbox().await;
    sandbox.seed_carriers(day::carriers().expect("carriers"));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &sandbox);
    with_carriers(&config);
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("\n[dispatch]\nmulti_shipment = true\n");
    std::fs::write(&config, text).expect("write config");
    assert!(run_once(&config, None).await, "accepts");
    assert!(run_once(&config, None).await, "creates the sales");
    let shipments = day::shipments(chrono::Utc::now()).expect("shipments");
    for shipment in shipments.clone() {
        sandbox.add_shipment(shipment).expect("shipment");
    }
    assert!(
        !run_once(&config, Some("st01.sent")).await,
        "killed right after John Lewis applied an ST01"
    );
    assert_eq!(sandbox.mirakl_shipments().len(), 1);
    for _ in 0..2 {
        assert!(run_once(&config, None).await);
    }
    let on_jl = sandbox.mirakl_shipments();
    let mut per_order = std::collections::BTreeMap::<String, usize>::new();
    for s in &on_jl {
        *per_order
            .entry(s["order_id"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    assert!(
        on_jl.len() >= 6,
        "the day's shipments are created: {per_order:?}"
    );
    for (order, count) in &per_order {
        let in_fulfil = shipments.iter().filter(|s| &s.order_id == order).count();
        assert_eq!(*count, in_fulfil, "never twice for {order}");
    }
    assert_eq!(
        sandbox.stats().requests.get("ST01").copied(),
        Some(on_jl.len() as u64),
        "the ST01 in doubt was read back, not sent again"
    );
    sandbox.shutdown().await;
}

/// base64 of the webhook secret the stock-webhook crash test runs with.
const WEBHOOK_SECRET: &str = "Y3Jhc2gtdGVzdC13ZWJob29rLXNlY3JldA==";

/// A loopback port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A `jlm run` child process, killed (SIGKILL) when dropped.
struct Running(std::process::Child);

impl Running {
    /// Kills the process at once and reaps it.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `jlm run` (all jobs, webhooks on) as a child process.
fn spawn_run(config: &Path) -> Running {
    let settings = SandboxConfig::default();
    let child = Command::new(env!("CARGO_BIN_EXE_jlm"))
        .args(["run", "--config"])
        .arg(config)
        .env("JLM_MIRAKL_API_KEY", &settings.mirakl_api_key)
        .env("JLM_FULFIL_API_KEY", &settings.fulfil_api_key)
        .env("JLM_FULFIL_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env(
            "XDG_CACHE_HOME",
            config.parent().expect("dir").join("cache"),
        )
        .env_remove("JLM_CRASH_AT")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start jlm run");
    Running(child)
}

/// Waits (bounded) until `ready` holds, checking every 20 ms.
async fn wait_for(what: &str, mut ready: impl AsyncFnMut() -> bool) {
    for _ in 0..3000 {
        if ready().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stock_webhook_acknowledged_just_before_a_kill_is_kept_and_its_replay_refused() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    sandbox.seed_products(day::products().expect("products"));
    sandbox.seed_offers(day::sandbox_offers().expect("offers"));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(dir.path(), &sandbox);
    let port = free_port();
    // Uploads an hour apart: after the start-up reconciliation's, the webhook's change waits.
    let text = std::fs::read_to_string(&config).expect("config").replace(
        "[stock_sync]\ninterval = \"10ms\"",
        "[stock_sync]\ninterval = \"1h\"",
    ) + &format!("[web]\nbind = \"127.0.0.1:{port}\"\n");
    std::fs::write(&config, text).expect("write config");
    let mut child = spawn_run(&config);
    wait_for("the start-up reconciliation's upload", async || {
        sandbox.stats().requests.get("STO01").copied().unwrap_or(0) >= 1
    })
    .await;
    sandbox.set_webhook_target(
        format!("http://127.0.0.1:{port}/webhooks/fulfil"),
        WEBHOOK_SECRET.into(),
    );
    let status = sandbox
        .change_stock(&[("JL-MUG-001".into(), 18.0)], true)
        .await
        .expect("delivered");
    assert_eq!(status, 200, "acknowledged");
    child.kill();

    let store = jlm::store::Store::open(&dir.path().join("jlm.sqlite")).expect("store");
    let queued = store.queued_stock_changes().expect("queued");
    assert!(
        queued
            .iter()
            .any(|c| c.sku == "JL-MUG-001" && c.available == 18.0),
        "the acknowledged change is pending after the kill: {queued:?}"
    );
    drop(store);

    let mut child = spawn_run(&config);
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/health");
    wait_for("the restarted connector", async || {
        client.get(&health).send().await.is_ok()
    })
    .await;
    let (body, signature) = sandbox.last_webhook().expect("delivered webhook");
    let answer: serde_json::Value = client
        .post(format!("http://127.0.0.1:{port}/webhooks/fulfil"))
        .header("Content-Type", "application/json")
        .header("X-Fulfil-Event", "product.product.inventory_level_changed")
        .header("X-Fulfil-Hmac-SHA256", signature)
        .body(body)
        .send()
        .await
        .expect("replay")
        .json()
        .await
        .expect("json");
    child.kill();
    assert_eq!(answer["accepted"], 0, "{answer}");
    assert_eq!(
        answer["stale"], 1,
        "the replay after the restart is refused: {answer}"
    );
    sandbox.shutdown().await;
}
