//! Kill it, fault it, and it still loses nothing: the real `jlm run` binary against the
//! sandbox through a scripted day (orders of every kind, stock changes by signed webhook,
//! single and partial shipments, or multi-shipment, a cancellation), killed with SIGKILL
//! from outside at seeded random moments and restarted each time, or run under high rates of
//! every fault the sandbox injects. The end state is checked against what the day must give:
//! every order once in Fulfil, every OR21, OR23/OR24 and ST01 applied once, the last published
//! quantity of every SKU what the policy makes of Fulfil's final stock, nothing left unsent,
//! and a sound store.
//!
//! Reproduce a run with `JLM_SOAK_SEED=N` (and `JLM_SOAK_KILLS=N` for more kills); keep the
//! connector's log with `JLM_SOAK_LOGFILE=PATH` (filter: `JLM_SOAK_LOG`, default `error`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jlm::demo::day;
use jlm::sandbox::{Faults, Sandbox, SandboxConfig};

/// The webhook secret the sandbox signs with and the connector verifies (base64).
const SECRET: &str = "c29hay13ZWJob29rLXNlY3JldA==";
/// Orders the day accepts (wholly or in part): each becomes one Fulfil sale.
const SOLD: &[&str] = &[
    "0001", "0002", "0003", "0006", "0007", "0008", "0009", "0011", "0012",
];
/// Orders whose shipments reach John Lewis (a mapped, approved carrier and valid tracking).
const SHIPPED: &[&str] = &["0001", "0002", "0003", "0006", "0007", "0012"];
/// Held for a person (awaiting acceptance all day), their units promised to John Lewis.
const HELD: &[&str] = &["0005", "0010"];
/// Held, then cancelled by the customer during the day.
const CANCELLED: &str = "0004";

fn id(n: &str) -> String {
    format!("JL-20261127-{n}-A")
}

/// The seed of this run: `JLM_SOAK_SEED`, or `default`.
fn seed(default: u64) -> u64 {
    std::env::var("JLM_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The SKUs of the orders held (or cancelled while held) all day.
fn held_skus() -> BTreeSet<String> {
    let held: BTreeSet<String> = HELD.iter().chain([&CANCELLED]).map(|n| id(n)).collect();
    day::orders()
        .expect("orders")
        .iter()
        .filter(|o| o["order_id"].as_str().is_some_and(|i| held.contains(i)))
        .flat_map(|o| o["order_lines"].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l["offer_sku"].as_str().map(str::to_string))
        .collect()
}

/// A free loopback port for the connector's web server.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The world of one run: the sandbox, the connector's configuration and store.
struct World {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
    config: PathBuf,
    rng: fastrand::Rng,
    /// Fulfil's stock in its main warehouse, as the script last set it.
    stock: BTreeMap<String, f64>,
    /// Fulfil's stock in its other warehouse (never changed by the script; counted too).
    elsewhere: BTreeMap<String, f64>,
    shipments_added: bool,
    cancelled: bool,
    webhooks_sent: usize,
    webhooks_lost: usize,
}

impl World {
    async fn new(seed: u64, faults: Faults, multi_shipment: bool) -> World {
        let sandbox = Sandbox::start(SandboxConfig {
            faults,
            stock_import_min_interval: Duration::from_millis(90),
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox");
        let products = day::products().expect("products");
        let stock = products
            .iter()
            .map(|p| (p.code.clone(), p.quantity_available))
            .collect();
        let elsewhere = products
            .iter()
            .map(|p| (p.code.clone(), p.store_available))
            .collect();
        sandbox.seed_products(products);
        sandbox.seed_orders(day::orders().expect("orders"));
        sandbox.seed_carriers(day::carriers().expect("carriers"));
        sandbox.seed_offers(day::sandbox_offers().expect("offers"));
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        sandbox.set_webhook_target(
            format!("http://127.0.0.1:{port}/webhooks/fulfil"),
            SECRET.to_string(),
        );
        let config = dir.path().join("jlm.toml");
        let text = format!(
            "[mirakl]\nbase_url = \"{}\"\norders_poll_interval = \"50ms\"\ncall_interval = \"1ms\"\nexport_poll_interval = \"5ms\"\n\
             [stock_sync]\ninterval = \"100ms\"\nstatus_interval = \"10ms\"\nreconcile_every = \"1s\"\n\
             [fulfil]\nbase_url = \"{}\"\nchannel_id = 1\ncall_interval = \"1ms\"\n\
             [store]\npath = \"{}\"\n\
             [web]\nbind = \"127.0.0.1:{port}\"\n\
             [retry]\nbase_delay = \"5ms\"\nmax_delay = \"20ms\"\nretry_after_cap = \"20ms\"\ntimeout = \"400ms\"\n\
             [dispatch]\npoll_interval = \"100ms\"\nmulti_shipment = {multi_shipment}\n\
             {}",
            sandbox.mirakl_url,
            sandbox.fulfil_url,
            dir.path().join("jlm.sqlite").display(),
            include_str!("../fixtures/sandbox/carriers.toml"),
        );
        std::fs::write(&config, text).expect("write config");
        World {
            sandbox,
            dir,
            config,
            rng: fastrand::Rng::with_seed(seed),
            stock,
            elsewhere,
            shipments_added: false,
            cancelled: false,
            webhooks_sent: 0,
            webhooks_lost: 0,
        }
    }

    /// Starts `jlm run` (its output discarded).
    fn start(&self) -> Child {
        let settings = SandboxConfig::default();
        Command::new(env!("CARGO_BIN_EXE_jlm"))
            .args(["run", "--config"])
            .arg(&self.config)
            .env("JLM_MIRAKL_API_KEY", &settings.mirakl_api_key)
            .env("JLM_FULFIL_API_KEY", &settings.fulfil_api_key)
            .env("JLM_FULFIL_WEBHOOK_SECRET", SECRET)
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env(
                "RUST_LOG",
                std::env::var("JLM_SOAK_LOG").unwrap_or("error".into()),
            )
            .env_remove("JLM_CRASH_AT")
            .stdout(Stdio::null())
            .stderr(log_file())
            .spawn()
            .expect("start jlm run")
    }

    /// One step of the day's script: a stock change in Fulfil (sent as a signed webhook,
    /// which may find the connector down), the shipments once every sale is in Fulfil, and
    /// the customer's cancellation of a held order.
    async fn step(&mut self) {
        // Stock moves once the orders are decided: the day's acceptance decisions (and so
        // the sales expected) do not depend on when a kill fell.
        let decided = self.sandbox.stats().or21_applied.len() >= SOLD.len();
        if decided && self.rng.u8(..10) < 7 {
            // Not the SKUs of the held orders: more stock would let them be accepted.
            let held = held_skus();
            let skus: Vec<String> = self
                .stock
                .keys()
                .filter(|sku| !held.contains(*sku))
                .cloned()
                .collect();
            let sku = skus[self.rng.usize(..skus.len())].clone();
            let quantity = self.rng.u32(0..30) as f64;
            self.stock.insert(sku.clone(), quantity);
            self.webhooks_sent += 1;
            match self.sandbox.change_stock(&[(sku, quantity)], true).await {
                Ok(status) if (200..300).contains(&status) => {}
                _ => self.webhooks_lost += 1,
            }
        }
        let made: BTreeSet<String> = self.sales_made().into_iter().collect();
        if !self.shipments_added && SOLD.iter().all(|n| made.contains(&id(n))) {
            for shipment in day::shipments(chrono::Utc::now()).expect("shipments") {
                self.sandbox.add_shipment(shipment).expect("shipment");
            }
            self.shipments_added = true;
        }
        if !self.cancelled && self.rng.u8(..4) == 0 {
            let order = self.sandbox.order(&id(CANCELLED)).expect("order");
            if order["order_state"] == "WAITING_ACCEPTANCE" {
                let mut cancelled = order;
                cancelled["order_state"] = "CANCELED".into();
                for line in cancelled["order_lines"].as_array_mut().expect("lines") {
                    line["order_line_state"] = "CANCELED".into();
                }
                self.sandbox.seed_orders(vec![cancelled]);
                self.cancelled = true;
            }
        }
    }

    /// The `channel_identifier` of every Fulfil sale, with repeats.
    fn sales_made(&self) -> Vec<String> {
        self.sandbox
            .sales()
            .iter()
            .filter_map(|s| s["channel_identifier"].as_str().map(str::to_string))
            .collect()
    }

    /// What John Lewis should show for each SKU: Fulfil's available stock less the units
    /// promised to orders still awaiting acceptance (no other policy is configured).
    fn expected_stock(&self) -> BTreeMap<String, i64> {
        let mut promised: BTreeMap<String, i64> = BTreeMap::new();
        for n in HELD {
            let order = self.sandbox.order(&id(n)).expect("held order");
            for line in order["order_lines"].as_array().expect("lines") {
                *promised
                    .entry(line["offer_sku"].as_str().unwrap_or_default().to_string())
                    .or_default() += line["quantity"].as_i64().unwrap_or(0);
            }
        }
        let offered: BTreeSet<String> = self.published().into_keys().collect();
        self.stock
            .iter()
            .filter(|(sku, _)| offered.contains(*sku))
            .map(|(sku, available)| {
                let total = available + self.elsewhere.get(sku).copied().unwrap_or(0.0);
                let units = total.floor() as i64 - promised.get(sku).copied().unwrap_or(0);
                (sku.clone(), units.max(0))
            })
            .collect()
    }

    /// John Lewis' offer quantities now.
    fn published(&self) -> BTreeMap<String, i64> {
        self.sandbox
            .offers()
            .into_iter()
            .map(|o| (o.sku, o.quantity))
            .collect()
    }

    /// True once the day is over on both sides.
    fn settled(&self) -> bool {
        let shipped = SHIPPED.iter().all(|n| {
            self.sandbox
                .order(&id(n))
                .is_some_and(|o| o["order_state"] == "SHIPPED")
        });
        let quiet = outbox_counts(&self.store_path())
            .iter()
            .all(|(state, _)| state == "done");
        self.shipments_added && self.cancelled && shipped && quiet && {
            let expected = self.expected_stock();
            let published = self.published();
            expected
                .iter()
                .all(|(sku, units)| published.get(sku) == Some(units))
        }
    }

    fn store_path(&self) -> PathBuf {
        self.dir.path().join("jlm.sqlite")
    }
}

/// Where the connector's log goes: appended to `JLM_SOAK_LOGFILE` when set (with
/// `JLM_SOAK_LOG` as its filter), else nowhere.
fn log_file() -> Stdio {
    std::env::var("JLM_SOAK_LOGFILE")
        .ok()
        .and_then(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
        })
        .map_or_else(Stdio::null, Stdio::from)
}

/// Outbox entries per state, read straight from the store's file.
fn outbox_counts(path: &Path) -> Vec<(String, i64)> {
    let Ok(conn) = rusqlite::Connection::open(path) else {
        return vec![("unreadable".into(), 1)];
    };
    let Ok(mut stmt) = conn.prepare("SELECT state, COUNT(*) FROM outbox GROUP BY state") else {
        return vec![("unreadable".into(), 1)];
    };
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_else(|_| vec![("unreadable".into(), 1)])
}

/// `code subject` of each open exception, read straight from the store's file.
fn open_exceptions(path: &Path) -> Vec<String> {
    let Ok(conn) = rusqlite::Connection::open(path) else {
        return Vec::new();
    };
    let Ok(mut stmt) =
        conn.prepare("SELECT code || ' ' || subject FROM exceptions WHERE state = 'open'")
    else {
        return Vec::new();
    };
    stmt.query_map([], |r| r.get(0))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

/// `key state` of each outbox entry not done, read straight from the store's file.
fn unsent(path: &Path) -> Vec<String> {
    let Ok(conn) = rusqlite::Connection::open(path) else {
        return Vec::new();
    };
    let Ok(mut stmt) =
        conn.prepare("SELECT idempotency_key || ' ' || state FROM outbox WHERE state <> 'done'")
    else {
        return Vec::new();
    };
    stmt.query_map([], |r| r.get(0))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

/// Kills `child` from outside (SIGKILL) and reaps it.
fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs the connector with `kills` restarts at random moments, then once more until the day
/// has settled (at most `settle_for`); returns the number of kills made.
async fn play(world: &mut World, kills: usize, settle_for: Duration) -> usize {
    // The first start compiles the component into the cache; later starts take milliseconds,
    // so every kill below lands while the connector works.
    let child = world.start();
    let started = Instant::now();
    while world.sandbox.stats().requests.is_empty() && started.elapsed() < settle_for {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(child);
    for _ in 0..kills {
        let child = world.start();
        let alive = Duration::from_millis(world.rng.u64(80..700));
        let started = Instant::now();
        while started.elapsed() < alive {
            world.step().await;
            tokio::time::sleep(Duration::from_millis(world.rng.u64(10..80))).await;
        }
        kill(child);
    }
    // The last run finishes the script, then no more changes: the day must settle.
    let child = world.start();
    let started = Instant::now();
    while started.elapsed() < settle_for && !(world.cancelled && world.shipments_added) {
        world.step().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let quiet_from = Instant::now();
    while quiet_from.elapsed() < settle_for && !world.settled() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    kill(child);
    kills
}

/// Checks every invariant of the day and prints what was checked.
fn assert_nothing_lost(world: &World, label: &str) {
    println!(
        "{label}: open exceptions: {:?}",
        open_exceptions(&world.store_path())
    );
    let stats = world.sandbox.stats();
    // Every order exactly once in Fulfil.
    let sales = world.sales_made();
    let unique: BTreeSet<&String> = sales.iter().collect();
    assert_eq!(
        sales.len(),
        unique.len(),
        "{label}: a sale was duplicated: {sales:?}"
    );
    let expected: BTreeSet<String> = SOLD.iter().map(|n| id(n)).collect();
    assert_eq!(
        unique.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected,
        "{label}: the sold orders, each once in Fulfil"
    );
    assert!(
        !sales.contains(&id(CANCELLED)),
        "{label}: the cancelled order never reached Fulfil"
    );
    // Every acceptance decision exactly once.
    let decided: BTreeSet<String> = stats.or21_applied.keys().cloned().collect();
    assert_eq!(decided, expected, "{label}: OR21 for every decided order");
    assert!(
        stats.or21_applied.values().all(|n| *n == 1),
        "{label}: OR21 applied once each: {:?}",
        stats.or21_applied
    );
    // Every shipment confirmed exactly once.
    let shipments = day::shipments(chrono::Utc::now()).expect("shipments");
    let per_order = |n: &str| shipments.iter().filter(|s| s.order_id == id(n)).count();
    let on_jl = world.sandbox.mirakl_shipments();
    for n in SHIPPED {
        let state = world.sandbox.order(&id(n)).expect("order")["order_state"].clone();
        assert_eq!(state, "SHIPPED", "{label}: {} shipped", id(n));
        if on_jl.is_empty() {
            assert_eq!(
                stats.or24_applied.get(&id(n)),
                Some(&1),
                "{label}: one OR24 for {}",
                id(n)
            );
            assert_eq!(
                stats.or23_applied.get(&id(n)).copied(),
                Some(per_order(n) as u64),
                "{label}: one OR23 per parcel of {}",
                id(n)
            );
        } else {
            let created = on_jl
                .iter()
                .filter(|s| s["order_id"] == id(n).as_str())
                .count();
            assert_eq!(
                created,
                per_order(n),
                "{label}: one ST01 shipment per parcel of {}",
                id(n)
            );
        }
    }
    if !on_jl.is_empty() {
        assert_eq!(
            stats.requests.get("ST01").copied(),
            Some(on_jl.len() as u64),
            "{label}: no ST01 sent twice"
        );
    }
    // Stock: the last published quantity is the policy applied to Fulfil's final stock.
    let expected_stock = world.expected_stock();
    let published = world.published();
    for (sku, units) in &expected_stock {
        assert_eq!(
            published.get(sku),
            Some(units),
            "{label}: John Lewis shows {sku} as Fulfil's final stock under the policy"
        );
    }
    // No STO01 sooner than Mirakl allows.
    assert_eq!(
        stats.rate_limited.get("STO01"),
        None,
        "{label}: STO01 never faster than its interval"
    );
    // Nothing left unsent, and a sound store.
    let counts = outbox_counts(&world.store_path());
    assert!(
        counts.iter().all(|(state, _)| state == "done"),
        "{label}: every outbox entry sent: {counts:?}, unsent: {:?}",
        unsent(&world.store_path())
    );
    let conn = rusqlite::Connection::open(world.store_path()).expect("store");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check");
    assert_eq!(integrity, "ok", "{label}: store integrity");
    println!(
        "{label}: checked {} sales, {} OR21, {} shipments, {} SKUs, {} outbox entries, integrity ok; \
         {} stock webhooks sent ({} found the connector down); faults injected: {:?}",
        sales.len(),
        stats.or21_applied.len(),
        shipments.len(),
        expected_stock.len(),
        counts.iter().map(|(_, n)| n).sum::<i64>(),
        world.webhooks_sent,
        world.webhooks_lost,
        stats.faults_by_kind,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_fifty_times_through_a_day_it_loses_and_repeats_nothing() {
    let seed = seed(7);
    let kills = std::env::var("JLM_SOAK_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let mut world = World::new(seed, Faults::default(), false).await;
    let made = play(&mut world, kills, Duration::from_secs(60)).await;
    println!("seed {seed}: {made} kills survived");
    assert_nothing_lost(&world, &format!("seed {seed}, {made} kills"));
    world.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_multi_shipment_killed_through_a_day_it_loses_and_repeats_nothing() {
    let seed = seed(11);
    let mut world = World::new(seed, Faults::default(), true).await;
    let made = play(&mut world, 25, Duration::from_secs(60)).await;
    println!("seed {seed}: {made} kills survived (multi-shipment)");
    assert_nothing_lost(
        &world,
        &format!("seed {seed}, {made} kills, multi-shipment"),
    );
    world.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_every_fault_at_a_high_rate_it_loses_and_repeats_nothing() {
    let seed = seed(3);
    let faults = Faults {
        seed,
        rate_429: 0.1,
        retry_after_secs: 1,
        rate_5xx: 0.1,
        // Answered after the client's 400 ms timeout, though the request was applied.
        rate_slow: 0.08,
        slow: Duration::from_millis(600),
        rate_truncated: 0.05,
        rate_reset: 0.05,
        // Whatever the draws, every non-idempotent write is applied at least once with its
        // answer lost (withheld past the timeout, or cut short), so its re-read is exercised.
        hang_after_apply: ["create_order", "OR21", "OR23", "OR24"]
            .map(String::from)
            .into(),
        truncate_after_apply: ["create_order", "OR21", "OR23", "OR24"]
            .map(String::from)
            .into(),
    };
    let mut world = World::new(seed, faults, false).await;
    play(&mut world, 5, Duration::from_secs(90)).await;
    let injected = world.sandbox.stats().faults_by_kind;
    for kind in ["429", "5xx", "slow", "truncated", "reset"] {
        assert!(
            injected.get(kind).copied().unwrap_or(0) >= 5,
            "{kind} faults were injected: {injected:?}"
        );
    }
    assert_nothing_lost(&world, &format!("seed {seed}, faults"));
    world.sandbox.shutdown().await;
}
