//! A misbehaving component never takes the host down. The deliberately faulty test component
//! (`tests/components/faulty/`, built with the host) panics, loops forever or allocates
//! without bound on the records that ask for it; the host reports each as its typed kind,
//! records `plugin_fault` naming the export and the record, starts a new instance, and the
//! rest of the batch goes through — in process, and in the real `jlm` binary.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jlm::demo::{day, sandbox_config};
use jlm::jobs::{OrdersJob, Services, StockJob};
use jlm::runtime::{FaultKind, Limits, OrderInput, Plugin, PluginFault, Runtime};
use jlm::sandbox::{Sandbox, SandboxConfig, SandboxOffer, SandboxProduct};
use jlm::stock::events::{StockChange, StockEvents};
use jlm::store::Store;
use jlm::web::metrics::Metrics;
use serde_json::Value;

/// The faulty component the build made.
const FAULTY: &str = env!("JLM_FAULTY_COMPONENT");
/// Short limits, so the loop and the hoard end quickly.
const LIMITS: Limits = Limits {
    memory: 32 << 20,
    deadline: Some(Duration::from_millis(300)),
};
/// The batch: a well-behaved order after each faulty one.
const BATCH: &[&str] = &[
    "ok-1",
    "fault-panic-1",
    "ok-2",
    "fault-loop-1",
    "ok-3",
    "fault-alloc-1",
    "ok-4",
];

fn faulty_runtime() -> Runtime {
    let wasm = std::fs::read(FAULTY).expect("the build made the faulty component");
    Runtime::with_limits(&wasm, None, LIMITS).expect("the faulty component loads")
}

/// The day's first order (awaiting acceptance) as order `JL-{name}`.
fn order(name: &str) -> Value {
    let mut order = day::orders()
        .expect("orders")
        .into_iter()
        .find(|o| o["order_state"] == "WAITING_ACCEPTANCE")
        .expect("an order awaiting acceptance");
    let id = format!("JL-{name}");
    order["commercial_id"] = format!("C-{name}").into();
    for (i, line) in order["order_lines"]
        .as_array_mut()
        .expect("lines")
        .iter_mut()
        .enumerate()
    {
        line["order_line_id"] = format!("{id}-{}", i + 1).into();
    }
    order["order_id"] = id.into();
    order
}

#[test]
fn each_fault_arrives_as_its_kind_and_a_new_instance_carries_on() {
    let runtime = faulty_runtime();
    let policy = jlm::config::Config::default().orders.policy();
    let input = OrderInput {
        catalogue: &[],
        offers: &[],
        committed: &[],
        policy: &policy,
        now: "2026-11-27T12:00:00Z",
    };
    let plan = |name: &str| {
        let mut session = runtime.session().expect("instantiate");
        let started = Instant::now();
        let result = session.plan_order(&order(name).to_string(), &input);
        (
            result.map(|r| r.expect("a plan")),
            started.elapsed(),
            session,
        )
    };

    let (panicked, _, session) = plan("fault-panic-1");
    let fault: PluginFault = panicked.expect_err("a panic is a fault");
    assert_eq!((fault.kind, fault.export), (FaultKind::Trap, "plan-order"));
    assert!(session.is_poisoned(), "a trapped instance is not reused");

    let (looped, took, _) = plan("fault-loop-1");
    let fault = looped.expect_err("an endless loop is a fault");
    assert_eq!(
        (fault.kind, fault.export),
        (FaultKind::Deadline, "plan-order")
    );
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_millis(1500),
        "stopped at the configured 300 ms deadline, not plan-order's 2 s: {took:?}"
    );

    let (hoarded, _, _) = plan("fault-alloc-1");
    let fault = hoarded.expect_err("unbounded allocation is a fault");
    assert_eq!(
        (fault.kind, fault.export),
        (FaultKind::Memory, "plan-order")
    );
    assert!(
        fault.detail.contains(&(32u64 << 20).to_string()),
        "names the 32 MiB cap: {}",
        fault.detail
    );

    let (fine, _, session) = plan("ok-1");
    let plan = fine.expect("a well-behaved order is planned");
    assert_eq!(plan.order_id, "JL-ok-1");
    assert!(!session.is_poisoned());
}

#[test]
fn other_exports_fault_as_their_kind_too() {
    let runtime = faulty_runtime();
    let mut session = runtime.session().expect("instantiate");
    let fault = session
        .sku_keys(&["fault-alloc-SKU".into()])
        .expect_err("unbounded allocation is a fault");
    assert_eq!((fault.kind, fault.export), (FaultKind::Memory, "sku-keys"));
    let mut session = runtime.session().expect("instantiate");
    assert_eq!(
        session.sku_keys(&[" ABC ".into()]).expect("no fault"),
        ["abc"]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_running_component_call_leaves_the_async_worker_free() {
    let mut plugin = Plugin::new(Arc::new(faulty_runtime()));
    let call = tokio::spawn(async move {
        let result = plugin
            .call("the SKU fault-loop-SKU", |session| {
                session.sku_keys(&["fault-loop-SKU".into()])
            })
            .await
            .expect("instantiated");
        (plugin, result)
    });
    // The runtime's only worker runs other tasks while the component loops.
    let other = tokio::spawn(async { "done" });
    assert_eq!(other.await.expect("join"), "done");
    assert!(
        !call.is_finished(),
        "the call is still running on its own thread"
    );
    let (mut plugin, result) = call.await.expect("join");
    let fault = result.expect_err("the endless loop hits its deadline");
    assert_eq!(fault.kind, FaultKind::Deadline);
    assert_eq!(fault.record, "the SKU fault-loop-SKU");
    let key = plugin
        .call("the SKU ABC", |session| session.sku_keys(&["ABC".into()]))
        .await
        .expect("re-instantiated");
    assert_eq!(key.expect("no fault"), ["abc"]);
}

/// The sandbox with `BATCH` awaiting acceptance.
async fn sandbox() -> Sandbox {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    sandbox.seed_products(day::products().expect("products"));
    sandbox.seed_orders(BATCH.iter().map(|name| order(name)).collect());
    sandbox
}

/// What a user sees after a cycle over `BATCH`: every well-behaved order accepted on John
/// Lewis once, and one `plugin_fault` per faulty order naming the export, the order and what
/// went wrong.
fn assert_batch_outcome(sandbox: &Sandbox, store: &Store) {
    let stats = sandbox.stats();
    for name in BATCH.iter().filter(|n| n.starts_with("ok")) {
        assert_eq!(
            stats.or21_applied.get(&format!("JL-{name}")).copied(),
            Some(1),
            "JL-{name} is accepted despite the faults around it: {:?}",
            stats.or21_applied
        );
    }
    let faults: Vec<_> = store
        .exceptions(false)
        .expect("exceptions")
        .into_iter()
        .filter(|e| e.code == "plugin_fault")
        .collect();
    for (name, what) in [
        ("fault-panic-1", "crashed"),
        ("fault-loop-1", "ran past its deadline"),
        ("fault-alloc-1", "exceeded its memory limit"),
    ] {
        let id = format!("JL-{name}");
        let fault = faults
            .iter()
            .find(|e| e.subject == id)
            .unwrap_or_else(|| panic!("plugin_fault for {id}: {faults:?}"));
        assert!(
            fault.message.contains("`plan-order`")
                && fault.message.contains(&format!("on order {id}"))
                && fault.message.contains(what),
            "{}",
            fault.message
        );
        assert!(!stats.or21_applied.contains_key(&id), "{id} is not decided");
    }
    assert_eq!(faults.len(), 3, "{faults:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_orders_job_records_each_fault_and_plans_the_rest_of_the_batch() {
    let sandbox = sandbox().await;
    let (config, keys) = sandbox_config(&sandbox, &SandboxConfig::default());
    let store = Store::in_memory().expect("store");
    let services =
        Services::new(config, &keys, store.clone(), Arc::new(faulty_runtime())).expect("services");
    let mut job = OrdersJob::new(services);
    let report = job.run_cycle().await.expect("the cycle completes");
    assert_eq!(report.accepted, 4, "{report:?}");
    assert_batch_outcome(&sandbox, &store);
}

/// Runs the real binary with `args`, the sandbox's keys and a private cache.
async fn jlm(dir: &Path, args: Vec<String>) -> Output {
    let settings = SandboxConfig::default();
    let mut command = Command::new(env!("CARGO_BIN_EXE_jlm"));
    command
        .args(args)
        .env("JLM_MIRAKL_API_KEY", &settings.mirakl_api_key)
        .env("JLM_FULFIL_API_KEY", &settings.fulfil_api_key)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env_remove("JLM_CRASH_AT");
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run jlm")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_survives_the_faulty_component_and_runs_the_rest_of_the_batch() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("jlm.toml");
    let store_path = dir.path().join("jlm.sqlite");
    std::fs::write(
        &config,
        format!(
            "[mirakl]\nbase_url = \"{}\"\ncall_interval = \"2ms\"\nexport_poll_interval = \"5ms\"\n\
             [stock_sync]\ninterval = \"10ms\"\nstatus_interval = \"5ms\"\n\
             [fulfil]\nbase_url = \"{}\"\nchannel_id = 1\ncall_interval = \"2ms\"\n\
             [store]\npath = \"{}\"\n\
             [retry]\nbase_delay = \"5ms\"\nmax_delay = \"20ms\"\nretry_after_cap = \"20ms\"\ntimeout = \"2s\"\n\
             [component]\nmemory_limit_mb = 32\ncall_deadline = \"300ms\"\n",
            sandbox.mirakl_url,
            sandbox.fulfil_url,
            store_path.display()
        ),
    )
    .expect("write config");
    let args = ["run", "--once", "--config"]
        .into_iter()
        .map(String::from)
        .chain([
            config.display().to_string(),
            "--plugin".into(),
            FAULTY.into(),
        ])
        .collect();
    let output = jlm(dir.path(), args).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "jlm run survives the faults: {:?}\n{stderr}",
        output.status
    );
    assert!(
        !stderr.contains("Cannot start a runtime"),
        "the component's stderr never blocks an async worker:\n{stderr}"
    );
    assert_batch_outcome(&sandbox, &Store::open(&store_path).expect("store"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_order_reports_a_panicking_component_instead_of_dying() {
    let dir = tempfile::tempdir().expect("tempdir");
    let order_path = dir.path().join("order.json");
    std::fs::write(&order_path, order("fault-panic-1").to_string()).expect("order");
    let catalogue = dir.path().join("catalogue.json");
    std::fs::write(&catalogue, "[]").expect("catalogue");
    let args = vec![
        "plan".into(),
        "order".into(),
        "--catalogue".into(),
        catalogue.display().to_string(),
        "--plugin".into(),
        FAULTY.into(),
        order_path.display().to_string(),
    ];
    let output = jlm(dir.path(), args).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`plan-order` crashed") && !stderr.contains("Cannot start a runtime"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulting_stock_plan_is_recorded_and_the_next_plan_is_published() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let skus = ["JL-GOOD-1", "fault-panic-SKU"];
    sandbox.seed_products(
        skus.iter()
            .enumerate()
            .map(|(i, sku)| SandboxProduct {
                id: i as i64 + 1,
                code: sku.to_string(),
                upc: None,
                quantity_available: 10.0,
                quantity_on_hand: 10.0,
                store_available: 0.0,
            })
            .collect(),
    );
    sandbox.seed_offers(
        skus.iter()
            .map(|sku| SandboxOffer {
                sku: sku.to_string(),
                ean: None,
                quantity: 3,
                active: true,
            })
            .collect(),
    );
    let (config, keys) = sandbox_config(&sandbox, &SandboxConfig::default());
    let store = Store::in_memory().expect("store");
    let events = StockEvents::new(Vec::new());
    let services =
        Services::new(config, &keys, store.clone(), Arc::new(faulty_runtime())).expect("services");
    let mut job = StockJob::new(services, events.clone(), Metrics::new());

    // The start-up reconciliation plans every Fulfil SKU, and the component panics on one.
    let tick = job.tick().await.expect("the job carries on");
    assert_eq!(tick.reconciled, None, "the reconciliation failed");
    let open = |code: &str| -> Vec<_> {
        store
            .exceptions(false)
            .expect("exceptions")
            .into_iter()
            .filter(|e| e.code == code && e.subject == "stock")
            .collect()
    };
    let faults = open("plugin_fault");
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert!(
        faults[0]
            .message
            .contains("crashed on the stock plan of 2 SKUs (export `reconcile-stock`, trap: "),
        "{}",
        faults[0].message
    );
    assert_eq!(
        sandbox.stats().requests.get("STO01"),
        None,
        "nothing published"
    );

    // A webhook change is planned by a new instance and published.
    events.push(StockChange {
        sku: "JL-GOOD-1".into(),
        available: 7.0,
        event_time: chrono::Utc::now(),
        received: tokio::time::Instant::now(),
    });
    let tick = job.tick().await.expect("tick");
    assert_eq!(tick.uploaded, Some(1), "{tick:?}");
    assert_eq!(sandbox.stats().requests.get("STO01"), Some(&1));
    assert!(
        open("plugin_fault").is_empty(),
        "cleared by a plan that worked"
    );
}
