//! Stock sync end to end: Fulfil stock changes (signed webhooks from the sandbox) through the
//! real web endpoint, queue, component and stock job to the sandbox's John Lewis offers.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jlm::config::{ApiKeys, Config, ConfigDuration};
use jlm::demo::sandbox_config;
use jlm::jobs::{Services, StockJob};
use jlm::runtime::Runtime;
use jlm::sandbox::{Faults, Sandbox, SandboxConfig, SandboxOffer, SandboxProduct};
use jlm::stock::events::{StockChange, StockEvents};
use jlm::store::Store;
use jlm::web::metrics::Metrics;
use jlm::web::{WebState, serve};
use tokio::sync::Notify;
use tokio::time::Instant;

/// The stock interval of these tests (Mirakl's is 60 s; pacing is configuration).
const INTERVAL: Duration = Duration::from_millis(300);
const SECRET: &str = "c2FuZGJveC13ZWJob29rLXNlY3JldA==";

fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Arc::new(Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads"))
        })
        .clone()
}

fn sku(i: usize) -> String {
    format!("JL-S{i:04}")
}

struct World {
    sandbox: Sandbox,
    store: Store,
    events: StockEvents,
    webhook_url: String,
    stop: Arc<Notify>,
    job: tokio::task::JoinHandle<StockJob>,
}

/// A sandbox with `skus` products and offers, our web endpoint, and the stock job running.
async fn world(skus: usize, policy: &str) -> World {
    world_with(skus, policy, 0.0).await
}

/// [`world`] whose products also hold `store_available` in the shop warehouse, `STORE`
/// (10 in `MAIN`); `policy` may set `[stock]` and `[stock_sync] warehouses`.
async fn world_with(skus: usize, policy: &str, store_available: f64) -> World {
    let settings = SandboxConfig {
        // A small margin under our interval: arrival gaps jitter by a few ms on loopback.
        stock_import_min_interval: INTERVAL.mul_f64(0.9),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(settings.clone()).await.expect("sandbox");
    sandbox.seed_products(
        (0..skus)
            .map(|i| SandboxProduct {
                id: i as i64 + 1,
                code: sku(i),
                upc: None,
                quantity_available: 10.0,
                quantity_on_hand: 10.0,
                store_available,
            })
            .collect(),
    );
    sandbox.seed_offers(
        (0..skus)
            .map(|i| SandboxOffer {
                sku: sku(i),
                ean: None,
                quantity: 10,
                active: true,
            })
            .collect(),
    );
    let (mut config, keys): (Config, ApiKeys) = sandbox_config(&sandbox, &settings);
    let parsed = Config::parse(policy).expect("policy");
    config.stock = parsed.stock;
    config.stock_sync.warehouses = parsed.stock_sync.warehouses;
    config.stock_sync.interval = ConfigDuration(INTERVAL);
    config.stock_sync.status_interval = ConfigDuration(INTERVAL / 10);
    config.stock_sync.reconcile_every = ConfigDuration(Duration::from_secs(3600));
    let store = Store::in_memory().expect("store");
    let events =
        StockEvents::durable(config.stock_sync.warehouses.clone(), store.clone()).expect("queue");
    let services = Services::new(config, &keys, store.clone(), runtime()).expect("services");
    let metrics = Metrics::new();
    let wake = Arc::new(Notify::new());
    let mut state = WebState::new(events.clone(), metrics.clone(), SECRET);
    state.wake = wake.clone();
    let (addr, _server) = serve("127.0.0.1:0".parse().expect("addr"), None, state)
        .await
        .expect("serve");
    let webhook_url = format!("http://{addr}/webhooks/fulfil");
    sandbox.set_webhook_target(webhook_url.clone(), SECRET.to_string());
    let mut job = StockJob::new(services, events.clone(), metrics);
    // The start-up reconciliation completes before the test changes anything.
    job.tick().await.expect("start-up reconciliation");
    let stop = Arc::new(Notify::new());
    let stopped = stop.clone();
    let job = tokio::spawn(async move {
        loop {
            if let Err(e) = job.tick().await {
                eprintln!("stock tick: {e:#}");
            }
            let due = job.next_due().max(Duration::from_millis(2));
            tokio::select! {
                _ = tokio::time::sleep(due) => {}
                _ = wake.notified() => {}
                _ = stopped.notified() => return job,
            }
        }
    });
    World {
        sandbox,
        store,
        events,
        webhook_url,
        stop,
        job,
    }
}

/// Waits until nothing is queued or in flight (every import recorded as finished), John
/// Lewis matches `expected` and the ledger matches John Lewis (bounded).
async fn settle(world: &World, expected: &dyn Fn(&str) -> i64, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        let offers = world.sandbox.offers();
        let imports_done = world
            .store
            .stock_imports(1000)
            .expect("imports")
            .iter()
            .all(|i| i.state != "submitted");
        // The ledger catches up last: an import John Lewis already applied may not be
        // recorded yet.
        let ledger = world.store.ledger().expect("ledger");
        let recorded = offers.iter().all(|o| {
            ledger
                .iter()
                .any(|e| e.sku == o.sku && e.quantity == o.quantity)
        });
        // Nothing published is left in the store's durable queue either.
        let durable_empty = world
            .store
            .queued_stock_changes()
            .expect("queued")
            .is_empty();
        if world.events.depth() == 0
            && durable_empty
            && imports_done
            && recorded
            && offers.iter().all(|o| o.quantity == expected(&o.sku))
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// Changes SKU `i` to `fulfil` units in Fulfil (its webhook delivered) and waits until John
/// Lewis shows `shown` for it and 10 for every other offer.
async fn change_and_settle(world: &World, i: usize, fulfil: f64, shown: i64) -> bool {
    world
        .sandbox
        .change_stock(&[(sku(i), fulfil)], true)
        .await
        .expect("change");
    settle(
        world,
        &|s| if s == sku(i) { shown } else { 10 },
        Duration::from_secs(5),
    )
    .await
}

/// Ticks a stopped job by hand until `done` holds (bounded).
async fn tick_until(job: &mut StockJob, done: impl Fn() -> bool) {
    for _ in 0..50 {
        job.tick().await.expect("tick");
        if done() {
            return;
        }
        tokio::time::sleep(job.next_due().max(Duration::from_millis(5))).await;
    }
}

async fn finish(world: World) -> StockJob {
    world.stop.notify_one();
    let job = world.job.await.expect("job task");
    world.sandbox.shutdown().await;
    job
}

#[tokio::test(start_paused = true)]
async fn an_event_storm_is_published_within_mirakl_pacing_and_ends_exact() {
    let world = world(
        1000,
        "[stock]\nbuffer = 1\npercent = 80\nmax = 40\nzero_below = 2\n",
    )
    .await;
    // 10,000 changes over 1,000 SKUs within a few intervals: 20 webhooks of 500 changes.
    let mut final_qty = vec![10.0f64; 1000];
    let start = Instant::now();
    for batch in 0..20 {
        let changes: Vec<(String, f64)> = (0..500)
            .map(|k| {
                let i = (batch * 500 + k * 7) % 1000;
                let qty =
                    ((batch * 31 + k * 13) % 60) as f64 - 5.0 + if k % 4 == 0 { 0.5 } else { 0.0 };
                final_qty[i] = qty;
                (sku(i), qty)
            })
            .collect();
        let status = world
            .sandbox
            .change_stock(&changes, true)
            .await
            .expect("deliver");
        assert_eq!(status, 200);
        tokio::time::sleep(INTERVAL / 6).await;
    }
    let policy = |available: f64| -> i64 {
        let q = (((available - 1.0) * 80.0 / 100.0).floor() as i64).clamp(0, 40);
        if q < 2 { 0 } else { q }
    };
    let expected = move |s: &str| -> i64 {
        let i: usize = s[4..].parse().expect("index");
        policy(final_qty[i])
    };
    assert!(
        settle(&world, &expected, Duration::from_secs(20)).await,
        "John Lewis never matched Fulfil"
    );
    let elapsed = start.elapsed();
    let stats = world.sandbox.stats();
    assert_eq!(
        stats.rate_limited.get("STO01").copied().unwrap_or(0),
        0,
        "no 429 caused by our own pacing"
    );
    let uploads = &stats.sto01_accepted;
    let allowed = (elapsed.as_secs_f64() / INTERVAL.as_secs_f64()).ceil() as usize + 2;
    assert!(
        uploads.len() <= allowed,
        "{} uploads in {elapsed:?}",
        uploads.len()
    );
    for pair in uploads.windows(2) {
        assert!(
            pair[1] - pair[0] >= INTERVAL.mul_f64(0.9),
            "uploads {:?} apart",
            pair[1] - pair[0]
        );
    }
    // The ledger agrees with John Lewis.
    let ledger = world.store.ledger().expect("ledger");
    for offer in world.sandbox.offers() {
        let entry = ledger.iter().find(|e| e.sku == offer.sku);
        assert_eq!(
            entry.map(|e| e.quantity),
            Some(offer.quantity),
            "{}",
            offer.sku
        );
    }
    finish(world).await;
}

#[tokio::test(start_paused = true)]
async fn lost_webhooks_and_drift_are_healed_by_reconciliation() {
    let world = world(50, "").await;
    assert!(settle(&world, &|_| 10, Duration::from_secs(5)).await);
    // Fulfil changes but the webhook never arrives; another system also writes to John Lewis.
    world
        .sandbox
        .change_stock(&[(sku(3), 2.0), (sku(4), 0.0)], false)
        .await
        .expect("change");
    world.sandbox.set_offer_quantity(&sku(7), 99);
    tokio::time::sleep(INTERVAL * 2).await;
    assert_eq!(
        world
            .sandbox
            .offers()
            .iter()
            .find(|o| o.sku == sku(3))
            .map(|o| o.quantity),
        Some(10),
        "not healed yet"
    );
    world.stop.notify_one();
    let mut job = world.job.await.expect("job");
    let differences = job.reconcile().await.expect("reconcile");
    assert_eq!(differences, 3);
    tick_until(&mut job, || {
        world.events.depth() == 0
            && world
                .sandbox
                .offers()
                .iter()
                .all(|o| o.quantity == expected_after_heal(&o.sku))
    })
    .await;
    for offer in world.sandbox.offers() {
        assert_eq!(
            offer.quantity,
            expected_after_heal(&offer.sku),
            "{}",
            offer.sku
        );
    }
    // John Lewis showed more than Fulfil allows for all three: the lost changes and the drift.
    let mut drift: Vec<String> = world
        .store
        .exceptions(false)
        .expect("exceptions")
        .into_iter()
        .filter(|e| e.code == "stock_drift")
        .map(|e| e.subject)
        .collect();
    drift.sort();
    assert_eq!(drift, vec![sku(3), sku(4), sku(7)]);
    world.sandbox.shutdown().await;
}

fn expected_after_heal(s: &str) -> i64 {
    if s == sku(3) {
        2
    } else if s == sku(4) {
        0
    } else {
        10
    }
}

#[tokio::test(start_paused = true)]
async fn forged_and_replayed_webhooks_change_nothing() {
    let world = world(20, "").await;
    assert!(settle(&world, &|_| 10, Duration::from_secs(5)).await);
    world
        .sandbox
        .change_stock(&[(sku(1), 4.0)], true)
        .await
        .expect("change");
    let (old_body, old_signature) = world.sandbox.last_webhook().expect("delivered");
    assert!(change_and_settle(&world, 1, 6.0, 6).await);

    let client = reqwest::Client::new();
    // Forged: a body claiming 0 units, signed with the wrong key.
    let forged = old_body.clone();
    let bad = jlm::web::hmac::sign("d3Jvbmcta2V5", &forged);
    let response = client
        .post(&world.webhook_url)
        .header("X-Fulfil-Hmac-SHA256", bad)
        .body(forged)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 401);
    let response = client
        .post(&world.webhook_url)
        .body(old_body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 401, "unsigned");
    // Replayed: a genuine but older delivery.
    let response = client
        .post(&world.webhook_url)
        .header("X-Fulfil-Hmac-SHA256", old_signature)
        .body(old_body)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
    let outcome: serde_json::Value = response.json().await.expect("json");
    assert_eq!(outcome["accepted"], 0);
    assert_eq!(world.events.depth(), 0);
    tokio::time::sleep(INTERVAL * 2).await;
    assert_eq!(
        world
            .sandbox
            .offers()
            .iter()
            .find(|o| o.sku == sku(1))
            .map(|o| o.quantity),
        Some(6)
    );
    finish(world).await;
}

#[tokio::test(start_paused = true)]
async fn refused_lines_become_exceptions_and_are_not_recorded_as_published() {
    let world = world(10, "").await;
    assert!(settle(&world, &|_| 10, Duration::from_secs(5)).await);
    // John Lewis deletes an offer our mirror still knows: its line fails in the import.
    world.sandbox.remove_offer(&sku(2));
    world
        .sandbox
        .change_stock(&[(sku(2), 3.0), (sku(5), 1.0)], true)
        .await
        .expect("change");
    assert!(
        settle(
            &world,
            &|s| if s == sku(5) { 1 } else { 10 },
            Duration::from_secs(5)
        )
        .await
    );
    tokio::time::sleep(INTERVAL).await;
    let exceptions = world.store.exceptions(false).expect("exceptions");
    assert!(
        exceptions
            .iter()
            .any(|e| e.code == "stock_import_errors" && e.subject == sku(2)),
        "{exceptions:?}"
    );
    let ledger = world.store.ledger().expect("ledger");
    assert_eq!(
        ledger.iter().find(|e| e.sku == sku(2)).map(|e| e.quantity),
        Some(10),
        "the failed line is not recorded"
    );
    assert_eq!(
        ledger.iter().find(|e| e.sku == sku(5)).map(|e| e.quantity),
        Some(1)
    );
    finish(world).await;
}

#[tokio::test(start_paused = true)]
async fn stock_in_a_warehouse_john_lewis_does_not_sell_from_is_never_published() {
    // Every product: 10 in MAIN, 4 in the shop; John Lewis shows 10.
    let world = world_with(5, "[stock_sync]\nwarehouses = [\"MAIN\"]\n", 4.0).await;
    assert!(change_and_settle(&world, 1, 6.0, 6).await);
    world.stop.notify_one();
    let mut job = world.job.await.expect("job");
    assert_eq!(job.reconcile().await.expect("reconcile"), 0, "MAIN only");
    let exceptions = world.store.exceptions(false).expect("exceptions");
    assert!(exceptions.is_empty(), "{exceptions:?}");
    world.sandbox.shutdown().await;

    // The same shop stock with every warehouse counted is published.
    let everywhere = world_with(5, "", 4.0).await;
    assert!(settle(&everywhere, &|_| 14, Duration::from_secs(5)).await);
    finish(everywhere).await;
}

#[tokio::test(start_paused = true)]
async fn a_warehouse_fulfil_does_not_know_holds_stock_back_and_tells_operations() {
    let world = world_with(3, "[stock_sync]\nwarehouses = [\"MAIN\", \"EAST\"]\n", 4.0).await;
    world
        .sandbox
        .change_stock(&[(sku(1), 0.0)], true)
        .await
        .expect("change");
    tokio::time::sleep(INTERVAL * 3).await;
    let unknown: Vec<_> = world
        .store
        .exceptions(false)
        .expect("exceptions")
        .into_iter()
        .filter(|e| e.code == "warehouse_unknown")
        .collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!(unknown[0].subject, "stock_sync.warehouses");
    assert_eq!(unknown[0].team, "operations");
    assert!(
        unknown[0].message.contains("EAST"),
        "{}",
        unknown[0].message
    );
    // Nothing was published: not the reconciliation, not the webhook's change.
    assert!(world.sandbox.offers().iter().all(|o| o.quantity == 10));
    assert_eq!(world.sandbox.stats().requests.get("STO01"), None);
    assert_eq!(world.events.depth(), 1, "the change is kept");
    finish(world).await;
}

#[tokio::test(start_paused = true)]
async fn units_john_lewis_holds_for_an_order_not_yet_in_fulfil_are_not_published_again() {
    let world = world(5, "").await;
    assert!(settle(&world, &|_| 10, Duration::from_secs(5)).await);
    // A customer ordered 3 of SKU 2; the order is paid for but not yet a Fulfil sale.
    let order = serde_json::json!({
        "order_id": "JL-PENDING-1-A",
        "order_state": "WAITING_DEBIT_PAYMENT",
        "order_lines": [{"order_line_id": "JL-PENDING-1-A-1", "offer_sku": sku(2),
                         "order_line_state": "WAITING_DEBIT_PAYMENT", "quantity": 3, "price": 12.5}]
    });
    world
        .store
        .upsert_order(
            "JL-PENDING-1-A",
            "JL-PENDING-1",
            "WAITING_DEBIT_PAYMENT",
            None,
            &order.to_string(),
        )
        .expect("order");
    assert!(
        change_and_settle(&world, 2, 8.0, 5).await,
        "8 in Fulfil, 3 of them sold on John Lewis"
    );
    world.stop.notify_one();
    let mut job = world.job.await.expect("job");
    assert_eq!(job.reconcile().await.expect("reconcile"), 0);
    assert_eq!(
        job.status()["held_for_orders"],
        serde_json::json!({ sku(2): 3 }),
        "shown by `jlm stock status`"
    );

    // Once the sale is in Fulfil, Fulfil's own quantity counts.
    world
        .store
        .set_order_sale("JL-PENDING-1-A", Some(1))
        .expect("sale");
    assert_eq!(job.reconcile().await.expect("reconcile"), 1);
    assert_eq!(job.status()["held_for_orders"], serde_json::json!({}));
    let shows_8 = || {
        world
            .sandbox
            .offers()
            .iter()
            .any(|o| o.sku == sku(2) && o.quantity == 8)
    };
    tick_until(&mut job, shows_8).await;
    assert!(shows_8());
    world.sandbox.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_offer_no_fulfil_product_backs_is_flagged_until_it_is_emptied() {
    let world = world(5, "").await;
    // John Lewis sells an offer whose product is not (or no longer) in Fulfil.
    world.sandbox.seed_offers(vec![SandboxOffer {
        sku: "JL-GONE-001".into(),
        ean: None,
        quantity: 4,
        active: true,
    }]);
    world.stop.notify_one();
    let mut job = world.job.await.expect("job");
    let flagged = |store: &Store| -> Vec<String> {
        store
            .exceptions(false)
            .expect("exceptions")
            .into_iter()
            .filter(|e| e.code == "offer_without_product")
            .map(|e| e.subject)
            .collect()
    };
    job.reconcile().await.expect("reconcile");
    assert_eq!(flagged(&world.store), ["JL-GONE-001"]);
    // Someone empties the offer on John Lewis: the next reconciliation clears it.
    world.sandbox.set_offer_quantity("JL-GONE-001", 0);
    job.reconcile().await.expect("reconcile");
    assert!(flagged(&world.store).is_empty());
    world.sandbox.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_change_during_a_slow_reconciliation_is_not_overridden_by_it() {
    let world = world(5, "").await;
    assert!(settle(&world, &|_| 10, Duration::from_secs(5)).await);
    world.stop.notify_one();
    let mut job = world.job.await.expect("job");
    // John Lewis drifted, so the reconciliation corrects sku 1 from the 10 it reads. Fulfil
    // changed sku 1 to 7 while the (slow) reading was under way: its webhook is queued.
    let changed_after = Duration::from_millis(200);
    world.sandbox.set_offer_quantity(&sku(1), 99);
    world.events.push(StockChange {
        sku: sku(1),
        available: 7.0,
        event_time: chrono::Utc::now() + changed_after,
        received: Instant::now(),
    });
    world.sandbox.set_faults(Faults {
        rate_slow: 1.0,
        slow: Duration::from_millis(100),
        ..Faults::default()
    });
    let started = Instant::now();
    job.reconcile().await.expect("reconcile");
    assert!(
        started.elapsed() > changed_after,
        "the change falls inside the reading"
    );
    let pending: Vec<(String, f64)> = world
        .events
        .drain()
        .into_iter()
        .map(|c| (c.sku, c.available))
        .collect();
    assert_eq!(pending, [(sku(1), 7.0)], "the newer webhook value stands");
    world.sandbox.shutdown().await;
}
