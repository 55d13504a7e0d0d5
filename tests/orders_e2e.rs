//! Order import end to end: the real orders job and the real component against the
//! sandbox's Mirakl and Fulfil servers.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use jlm::demo::{day, run_until_quiet, sandbox_config};
use jlm::domain::orders::Product;
use jlm::jobs::{OrdersJob, Services};
use jlm::runtime::{OrderInput, Runtime};
use jlm::sandbox::{Faults, Sandbox, SandboxConfig, SandboxProduct};
use jlm::store::{NewException, OrderStage, OutboxState, Store};
use serde_json::Value;

/// One compiled component for every test in this file.
fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Arc::new(Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads"))
        })
        .clone()
}

const ACCEPTED: &[&str] = &[
    "0001", "0002", "0003", "0006", "0008", "0009", "0011", "0012",
];
const REFUSED: &[&str] = &["0007"];
const HELD: &[&str] = &["0004", "0005", "0010"];

fn id(n: &str) -> String {
    format!("JL-20261127-{n}-A")
}

struct Day {
    sandbox: Sandbox,
    store: Store,
    job: OrdersJob,
}

async fn day_with(faults: Faults, extra_orders: Vec<Value>) -> Day {
    day_counting(faults, extra_orders, &[]).await
}

/// [`day_with`] counting only `warehouses` (`[stock_sync] warehouses`).
async fn day_counting(faults: Faults, extra_orders: Vec<Value>, warehouses: &[&str]) -> Day {
    let warehouses: Vec<String> = warehouses.iter().map(|w| w.to_string()).collect();
    day_tuned(faults, extra_orders, |config| {
        config.stock_sync.warehouses = warehouses
    })
    .await
}

/// [`day_with`] whose configuration `tune` adjusts.
async fn day_tuned(
    faults: Faults,
    extra_orders: Vec<Value>,
    tune: impl FnOnce(&mut jlm::config::Config),
) -> Day {
    let settings = SandboxConfig {
        faults,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(settings.clone()).await.expect("sandbox");
    sandbox.seed_products(day::products().expect("products"));
    let mut orders = day::orders().expect("orders");
    orders.extend(extra_orders);
    sandbox.seed_orders(orders);
    let (mut config, keys) = sandbox_config(&sandbox, &settings);
    tune(&mut config);
    let store = Store::in_memory().expect("store");
    store
        .replace_offers(&day::offers().expect("offers"))
        .expect("offers");
    let services = Services::new(config, &keys, store.clone(), runtime()).expect("services");
    Day {
        sandbox,
        store,
        job: OrdersJob::new(services),
    }
}

/// Every decided order was decided exactly once and every paid order is exactly one sale.
fn assert_day_outcome(day: &Day) {
    let stats = day.sandbox.stats();
    for n in ACCEPTED.iter().chain(REFUSED) {
        assert_eq!(
            stats.or21_applied.get(&id(n)).copied(),
            Some(1),
            "one OR21 for {}",
            id(n)
        );
        assert_eq!(
            day.sandbox.order(&id(n)).expect("order")["order_state"],
            "SHIPPING",
            "{}",
            id(n)
        );
    }
    for n in HELD {
        assert_eq!(
            stats.or21_applied.get(&id(n)),
            None,
            "no OR21 for held {}",
            id(n)
        );
        assert_eq!(
            day.sandbox.order(&id(n)).expect("order")["order_state"],
            "WAITING_ACCEPTANCE"
        );
    }
    let sales = day.sandbox.sales();
    let ids: Vec<String> = sales
        .iter()
        .filter_map(|s| s["channel_identifier"].as_str().map(str::to_string))
        .collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "no duplicate sales: {ids:?}");
    let expected: BTreeSet<String> = ACCEPTED.iter().chain(REFUSED).map(|n| id(n)).collect();
    assert_eq!(
        unique.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
    // The refused line is not sold: order 0007 reaches Fulfil with its accepted line only.
    let partial = sales
        .iter()
        .find(|s| s["channel_identifier"] == id("0007").as_str())
        .expect("0007 sale");
    assert_eq!(
        partial["order"]["sale_lines"].as_array().map(Vec::len),
        Some(1)
    );
}

fn open_codes(store: &Store) -> Vec<(String, String)> {
    store
        .exceptions(false)
        .expect("exceptions")
        .into_iter()
        .map(|e| (e.code, e.subject))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_orders_is_imported_once() {
    let mut day = day_with(Faults::default(), Vec::new()).await;
    let report = run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert_eq!(report.accepted, ACCEPTED.len());
    assert_eq!(report.refused, REFUSED.len());
    assert_eq!(report.held, HELD.len());
    assert_eq!(report.created, ACCEPTED.len() + REFUSED.len());
    assert_day_outcome(&day);

    // The awkward-VAT order reaches Fulfil adding up to the penny, with the mapped tax name.
    let sale = day
        .sandbox
        .sales()
        .into_iter()
        .find(|s| s["channel_identifier"] == id("0009").as_str())
        .expect("sale");
    assert_eq!(sale["order"]["amount"], "29.97");
    assert_eq!(
        sale["order"]["sale_lines"][0]["tax_lines"][0]["name"],
        "UK Standard VAT"
    );
    // The gift message is carried.
    let gift = day
        .sandbox
        .sales()
        .into_iter()
        .find(|s| s["channel_identifier"] == id("0003").as_str())
        .expect("sale");
    assert_eq!(
        gift["order"]["gift_message"],
        "Happy birthday Sam! Love, Jo"
    );

    let codes = open_codes(&day.store);
    for (code, subject) in [
        ("unknown_sku", "JL-APRON-006".to_string()),
        ("sku_format_mismatch", "JL-MUG-001 ".to_string()),
        ("ean_mismatch", "JL-BOARD-004".to_string()),
        ("ean_invalid", "JL-TEA-003".to_string()),
        ("insufficient_stock", id("0007")),
        ("order_held", id("0004")),
        ("order_held", id("0005")),
        ("order_held", id("0010")),
    ] {
        assert!(
            codes.contains(&(code.to_string(), subject.clone())),
            "missing {code} {subject}: {codes:?}"
        );
    }

    // More polls change nothing: no second OR21, no second sale.
    let before = day.sandbox.stats();
    for _ in 0..3 {
        day.job.run_cycle().await.expect("cycle");
    }
    let after = day.sandbox.stats();
    assert_eq!(before.or21_applied, after.or21_applied);
    assert_eq!(day.sandbox.sales().len(), ACCEPTED.len() + REFUSED.len());
    assert_eq!(
        after.create_order_calls.values().max().copied(),
        Some(1),
        "each sale created with one call"
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storms_of_429_and_5xx_are_ridden_out() {
    let faults = Faults {
        seed: 11,
        rate_429: 0.3,
        rate_5xx: 0.3,
        retry_after_secs: 1,
        ..Faults::default()
    };
    let mut day = day_with(faults, Vec::new()).await;
    run_until_quiet(&mut day.job, 20).await.expect("cycles");
    assert!(
        day.sandbox.stats().faults_injected > 10,
        "the storm happened"
    );
    assert_day_outcome(&day);
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_in_doubt_that_fulfil_made_is_confirmed_by_rereading_not_resent() {
    // The run stopped after Fulfil made the sale for order 0001, before it was recorded.
    let mut day = day_with(Faults::default(), Vec::new()).await;
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    let order = id("0001");
    let entry = day
        .store
        .outbox_entry(&format!("create_order:{order}"))
        .expect("outbox")
        .expect("entry");
    day.store
        .outbox_set(entry.id, OutboxState::Sending, None)
        .expect("sending");
    day.store
        .set_order_stage(&order, OrderStage::Accepted)
        .expect("stage");
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert_eq!(day.sandbox.stats().create_order_calls.get(&order), Some(&1));
    assert_eq!(
        day.store.order(&order).expect("order").map(|o| o.stage),
        Some(OrderStage::Created)
    );
    let audit: Vec<String> = day
        .store
        .audit_for(&order)
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(
        audit.contains(&"create_order.confirmed_by_reread".to_string()),
        "{audit:?}"
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_cancelled_while_its_sale_was_in_doubt_is_not_created() {
    // The run stopped while create_order was on its way, and it never reached Fulfil; the
    // customer cancelled meanwhile.
    let paid = paid_order("0013");
    let cancelled = cancelled(&paid);
    let mut day = day_with(Faults::default(), vec![cancelled.clone()]).await;
    leave_pending_sale(&day, &cancelled, &paid);
    let key = format!("create_order:{}", id("0013"));
    let entry = day
        .store
        .outbox_entry(&key)
        .expect("outbox")
        .expect("entry");
    assert!(day.store.outbox_claim(&entry).expect("claim"));
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert!(sale_of(&day.sandbox.sales(), &id("0013")).is_none());
    assert!(
        day.store.outbox_entry(&key).expect("outbox").is_none(),
        "withdrawn"
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_or21_response_is_confirmed_by_rereading_not_resent() {
    let faults = Faults {
        hang_after_apply: vec!["OR21".into()],
        ..Faults::default()
    };
    let settings = SandboxConfig {
        faults,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(settings.clone()).await.expect("sandbox");
    sandbox.seed_products(day::products().expect("products"));
    sandbox.seed_orders(day::orders().expect("orders"));
    let (mut config, keys) = sandbox_config(&sandbox, &settings);
    config.retry.timeout = jlm::config::ConfigDuration(std::time::Duration::from_millis(300));
    let store = Store::in_memory().expect("store");
    let services = Services::new(config, &keys, store.clone(), runtime()).expect("services");
    let mut job = OrdersJob::new(services);
    run_until_quiet(&mut job, 8).await.expect("cycles");
    let stats = sandbox.stats();
    assert!(
        stats.or21_applied.values().all(|n| *n == 1),
        "{:?}",
        stats.or21_applied
    );
    let first = id("0001");
    let audit: Vec<String> = store
        .audit_for(&first)
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(
        audit.contains(&"or21.confirmed_by_reread".to_string()),
        "{audit:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_orders_become_exceptions_and_the_run_continues() {
    let mut orders = day::orders().expect("orders");
    let mut unknown_state = orders[0].clone();
    unknown_state["order_id"] = "JL-BAD-0001-A".into();
    unknown_state["order_state"] = "TELEPORTED".into();
    let mut wrong_type = orders.remove(1);
    wrong_type["order_id"] = "JL-BAD-0002-A".into();
    wrong_type["order_lines"][0]["quantity"] = "two".into();
    let mut day = day_with(Faults::default(), vec![unknown_state, wrong_type]).await;
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert_day_outcome(&day);
    let codes = open_codes(&day.store);
    // A state Mirakl added is noted for operations, not an unreadable order.
    assert!(
        codes.contains(&("unknown_order_state".into(), "JL-BAD-0001-A".into())),
        "{codes:?}"
    );
    assert!(
        !codes.contains(&("order_invalid".into(), "JL-BAD-0001-A".into())),
        "{codes:?}"
    );
    assert!(
        day.store.order("JL-BAD-0001-A").expect("store").is_some(),
        "the order in an unknown state is kept"
    );
    assert!(
        codes.contains(&("order_invalid".into(), "JL-BAD-0002-A".into())),
        "{codes:?}"
    );
    assert!(
        day.store.order("JL-BAD-0002-A").expect("store").is_some(),
        "the bad order is kept, not lost"
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stock_only_in_a_warehouse_john_lewis_does_not_sell_from_does_not_accept_an_order() {
    // Order 0007 wants a lamp: none in MAIN, 3 in the shop.
    let lamp_in_the_shop = || {
        let mut lamp = day_product("JL-LAMP-002");
        lamp.store_available = 3.0;
        vec![lamp]
    };
    let lamp_line = |day: &Day| {
        day.sandbox.order(&id("0007")).expect("order")["order_lines"]
            .as_array()
            .expect("lines")
            .iter()
            .find(|l| l["offer_sku"] == "JL-LAMP-002")
            .map(|l| l["order_line_state"].clone())
    };

    let mut main_only = day_counting(Faults::default(), Vec::new(), &["MAIN"]).await;
    main_only.sandbox.seed_products(lamp_in_the_shop());
    let report = run_until_quiet(&mut main_only.job, 8)
        .await
        .expect("cycles");
    assert_eq!(report.refused, 1);
    assert_eq!(lamp_line(&main_only), Some("REFUSED".into()));
    assert!(open_codes(&main_only.store).contains(&("insufficient_stock".into(), id("0007"))));
    main_only.sandbox.shutdown().await;

    // Counting every warehouse, the shop's lamps make the order acceptable.
    let mut everywhere = day_with(Faults::default(), Vec::new()).await;
    everywhere.sandbox.seed_products(lamp_in_the_shop());
    let report = run_until_quiet(&mut everywhere.job, 8)
        .await
        .expect("cycles");
    assert_eq!(report.refused, 0);
    assert_ne!(lamp_line(&everywhere), Some("REFUSED".into()));
    everywhere.sandbox.shutdown().await;
}

/// The day's Fulfil product `code`.
fn day_product(code: &str) -> SandboxProduct {
    day::products()
        .expect("products")
        .into_iter()
        .find(|p| p.code == code)
        .expect("a product of the day")
}

/// Day order `template` again as order `n`: its id, customer order number and line ids
/// renamed.
fn day_order_as(template: &str, n: &str) -> Value {
    let mut order = day::orders()
        .expect("orders")
        .into_iter()
        .find(|o| o["order_id"] == id(template).as_str())
        .expect("an order of the day");
    order["order_id"] = id(n).into();
    order["commercial_id"] = format!("JL-20261127-{n}").into();
    for (i, line) in order["order_lines"]
        .as_array_mut()
        .expect("lines")
        .iter_mut()
        .enumerate()
    {
        line["order_line_id"] = format!("{}-{}", id(n), i + 1).into();
    }
    order
}

/// Order 0002 (one throw) again as order `n`, for `quantity` throws, placed at `created`.
fn another_throw_order(n: &str, quantity: i64, created: &str) -> Value {
    let mut order = day_order_as("0002", n);
    order["created_date"] = created.into();
    order["order_lines"][0]["quantity"] = quantity.into();
    order
}

/// A day whose Fulfil has a single throw, with `extra` orders.
async fn day_with_one_throw(extra: Vec<Value>) -> Day {
    let day = day_with(Faults::default(), extra).await;
    let mut throw = day_product("JL-THROW-014");
    throw.quantity_available = 1.0;
    throw.quantity_on_hand = 1.0;
    day.sandbox.seed_products(vec![throw]);
    day
}

/// The state of the (only) line of order `n`.
fn line_state(day: &Day, n: &str) -> String {
    day.sandbox.order(&id(n)).expect("order")["order_lines"][0]["order_line_state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_unit_is_promised_to_one_order_only() {
    // Fulfil has one throw; two customers order one each, before either sale reaches Fulfil.
    let mut day =
        day_with_one_throw(vec![another_throw_order("0013", 1, "2026-11-27T20:00:00Z")]).await;
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    let states: Vec<String> = ["0002", "0013"]
        .iter()
        .map(|n| line_state(&day, n))
        .collect();
    assert_eq!(
        states.iter().filter(|s| *s == "REFUSED").count(),
        1,
        "one throw, one acceptance: {states:?}"
    );
    let refused = if states[0] == "REFUSED" {
        "0002"
    } else {
        "0013"
    };
    assert!(open_codes(&day.store).contains(&("insufficient_stock".into(), id(refused))));
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_order_does_not_keep_the_unit_from_the_next_one() {
    // One throw: first an order for two (refused), then order 0002 for one (accepted), while
    // John Lewis may still show the first as waiting.
    let mut day =
        day_with_one_throw(vec![another_throw_order("0013", 2, "2026-11-27T08:30:00Z")]).await;
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert_eq!(line_state(&day, "0013"), "REFUSED");
    assert_ne!(line_state(&day, "0002"), "REFUSED");
    assert_eq!(day.sandbox.stats().or21_applied.get(&id("0002")), Some(&1));
    day.sandbox.shutdown().await;
}

/// Order 0006 (three lines) again as order `n`, accepted and paid: `SHIPPING`.
fn paid_order(n: &str) -> Value {
    let mut order = day_order_as("0006", n);
    order["order_state"] = "SHIPPING".into();
    for line in order["order_lines"].as_array_mut().expect("lines") {
        line["order_line_state"] = "SHIPPING".into();
    }
    order
}

/// The `create_order` payload the orders job's component plans for `order` against the
/// day's Fulfil.
fn planned_payload(sandbox: &Sandbox, order: &Value) -> String {
    let catalogue: Vec<Product> = day::products()
        .expect("products")
        .into_iter()
        .map(|p| Product {
            sku: p.code,
            ean: p.upc,
            available: p.quantity_available as i64,
        })
        .collect();
    let policy = sandbox_config(sandbox, &SandboxConfig::default())
        .0
        .orders
        .policy();
    let input = OrderInput {
        catalogue: &catalogue,
        offers: &[],
        committed: &[],
        policy: &policy,
        now: "2026-11-27T12:00:00Z",
    };
    let plan = runtime()
        .session()
        .expect("session")
        .plan_order(&order.to_string(), &input)
        .expect("no trap")
        .expect("a plan");
    plan.fulfil_order.expect("a paid order makes a sale")
}

/// What a Fulfil outage leaves behind: order `order` as last read from John Lewis, accepted,
/// with the sale planned from `earlier` (an earlier version of it) still waiting to be sent.
fn leave_pending_sale(day: &Day, order: &Value, earlier: &Value) {
    let store = &day.store;
    let order_id = order["order_id"].as_str().expect("id");
    store
        .upsert_order(
            order_id,
            order["commercial_id"].as_str().expect("commercial id"),
            order["order_state"].as_str().expect("state"),
            None,
            &order.to_string(),
        )
        .expect("order");
    store
        .set_order_stage(order_id, OrderStage::Accepted)
        .expect("stage");
    store
        .enqueue(
            "create_order",
            order_id,
            &format!("create_order:{order_id}"),
            &planned_payload(&day.sandbox, earlier),
        )
        .expect("outbox");
}

/// `order` cancelled by the customer: the order and every line `CANCELED`.
fn cancelled(order: &Value) -> Value {
    let mut order = order.clone();
    order["order_state"] = "CANCELED".into();
    for line in order["order_lines"].as_array_mut().expect("lines") {
        line["order_line_state"] = "CANCELED".into();
    }
    order
}

/// The sale Fulfil's sandbox made for `order_id`, if any.
fn sale_of<'a>(sales: &'a [Value], order_id: &str) -> Option<&'a Value> {
    sales
        .iter()
        .find(|s| s["order"]["channel_identifier"] == order_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_cancelled_before_its_waiting_sale_went_out_is_not_created() {
    let paid = paid_order("0013");
    let cancelled = cancelled(&paid);
    let mut day = day_with(Faults::default(), vec![cancelled.clone()]).await;
    leave_pending_sale(&day, &cancelled, &paid);
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert!(sale_of(&day.sandbox.sales(), &id("0013")).is_none());
    assert!(
        day.store
            .outbox_entry(&format!("create_order:{}", id("0013")))
            .expect("outbox")
            .is_none(),
        "withdrawn"
    );
    assert_day_outcome(&day);
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_sale_goes_out_as_the_order_now_is() {
    let paid = paid_order("0013");
    let mut one_line_cancelled = paid.clone();
    one_line_cancelled["order_lines"][2]["order_line_state"] = "CANCELED".into();
    let mut day = day_with(Faults::default(), vec![one_line_cancelled.clone()]).await;
    leave_pending_sale(&day, &one_line_cancelled, &paid);
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    let sales = day.sandbox.sales();
    let sale = sale_of(&sales, &id("0013")).expect("the sale");
    let lines: Vec<&str> = sale["order"]["sale_lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["channel_identifier"].as_str())
        .collect();
    assert_eq!(
        lines,
        [format!("{}-1", id("0013")), format!("{}-2", id("0013"))]
    );
    day.sandbox.shutdown().await;
}

/// What a Fulfil rejection leaves behind for `order_id`: its sale given up on, held by the
/// open `fulfil_rejected` exception.
fn record_rejection(store: &Store, order_id: &str) {
    let key = format!("create_order:{order_id}");
    let entry = store.outbox_entry(&key).expect("outbox").expect("entry");
    store
        .outbox_set(entry.id, OutboxState::Failed, Some("400 from Fulfil"))
        .expect("failed");
    store
        .outbox_hold(entry.id, "fulfil_rejected")
        .expect("held by its exception");
    store
        .raise(&NewException {
            code: "fulfil_rejected".into(),
            team: "operations".into(),
            severity: "blocking".into(),
            subject: order_id.into(),
            message: "Fulfil refused to create the order.".into(),
        })
        .expect("exception");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_fulfil_rejected_is_sent_again_as_the_order_changed() {
    // Fulfil rejected the sale; John Lewis then changed the order.
    let paid = paid_order("0013");
    let mut changed = paid.clone();
    changed["order_lines"][2]["order_line_state"] = "CANCELED".into();
    let mut day = day_with(Faults::default(), vec![changed.clone()]).await;
    leave_pending_sale(&day, &paid, &paid);
    record_rejection(&day.store, &id("0013"));
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    let sales = day.sandbox.sales();
    let sale = sale_of(&sales, &id("0013")).expect("the changed order was sent");
    assert_eq!(
        sale["order"]["sale_lines"].as_array().map(Vec::len),
        Some(2)
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_fulfil_rejected_is_sent_again_once_its_exception_is_resolved() {
    // The cause was in Fulfil (set-up): the order is unchanged, a person fixed Fulfil and
    // resolved the exception.
    let paid = paid_order("0013");
    let mut day = day_with(Faults::default(), vec![paid.clone()]).await;
    leave_pending_sale(&day, &paid, &paid);
    record_rejection(&day.store, &id("0013"));
    run_until_quiet(&mut day.job, 4).await.expect("cycles");
    assert!(
        sale_of(&day.sandbox.sales(), &id("0013")).is_none(),
        "not retried while the exception is open"
    );
    let rejection = day
        .store
        .exceptions(false)
        .expect("exceptions")
        .into_iter()
        .find(|e| e.code == "fulfil_rejected")
        .expect("open");
    assert!(day.store.resolve_exception(rejection.id).expect("resolve"));
    run_until_quiet(&mut day.job, 4).await.expect("cycles");
    assert!(sale_of(&day.sandbox.sales(), &id("0013")).is_some());
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_order_blocked_by_missing_data_is_created_once_it_is_fixed() {
    // A person accepted the order on John Lewis before the connector saw it; one of its SKUs
    // is not in Fulfil yet.
    let mut paid = paid_order("0013");
    paid["order_lines"][0]["offer_sku"] = "JL-BOWL-020".into();
    let mut day = day_with(Faults::default(), vec![paid]).await;
    run_until_quiet(&mut day.job, 4).await.expect("cycles");
    assert!(sale_of(&day.sandbox.sales(), &id("0013")).is_none());
    assert!(open_codes(&day.store).contains(&("unknown_sku".into(), "JL-BOWL-020".into())));
    // Ecommerce creates the product in Fulfil; John Lewis' order does not change.
    let mut bowl = day_product("JL-PLATE-016");
    bowl.id = 9020;
    bowl.code = "JL-BOWL-020".into();
    day.sandbox.seed_products(vec![bowl]);
    run_until_quiet(&mut day.job, 4).await.expect("cycles");
    assert!(sale_of(&day.sandbox.sales(), &id("0013")).is_some());
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_that_arrived_while_fulfil_was_unreachable_are_decided_once_it_is_back() {
    let mut day = day_with(Faults::default(), Vec::new()).await;
    // The first poll reads John Lewis, but Fulfil (products and stock) cannot be reached.
    let (mut config, keys) = sandbox_config(&day.sandbox, &SandboxConfig::default());
    config.fulfil.base_url = "http://127.0.0.1:9".into();
    config.retry.max_attempts = 1;
    let unreachable = Services::new(config, &keys, day.store.clone(), runtime()).expect("services");
    let mut cut_off = OrdersJob::new(unreachable);
    run_until_quiet(&mut cut_off, 1).await.expect("cycle");
    assert!(
        day.sandbox.stats().or21_applied.is_empty(),
        "nothing decided"
    );
    // Fulfil is back; John Lewis' orders have not changed since they were read.
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert_day_outcome(&day);
    day.sandbox.shutdown().await;
}

/// Runs cycles (at most five) until a `create_order` is left `sending` (its outcome
/// unknown); returns its order.
async fn sale_in_doubt(day: &mut Day) -> Option<String> {
    for _ in 0..5 {
        day.job.run_cycle().await.expect("cycle");
        let doubt = day
            .store
            .outbox_open(&["create_order"])
            .expect("outbox")
            .into_iter()
            .find(|e| e.state == OutboxState::Sending);
        if let Some(entry) = doubt {
            return Some(entry.subject);
        }
    }
    None
}

/// The open exception `code` of `subject`, if any.
fn open_exception(store: &Store, code: &str, subject: &str) -> Option<jlm::store::ExceptionRecord> {
    store
        .exceptions(false)
        .expect("exceptions")
        .into_iter()
        .find(|e| e.code == code && e.subject == subject)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_whose_answer_was_lost_is_read_back_and_its_cancellation_is_not_dropped() {
    // Fulfil made the first sale of the day but its answer never came back (timed out, no
    // retries left); the customer then cancelled the order on John Lewis.
    let faults = Faults {
        hang_after_apply: vec!["create_order".into()],
        ..Faults::default()
    };
    let mut day = day_tuned(faults, Vec::new(), |config| {
        config.retry.timeout = jlm::config::ConfigDuration(std::time::Duration::from_millis(300));
        config.retry.max_attempts = 1;
    })
    .await;
    let order = sale_in_doubt(&mut day)
        .await
        .expect("the lost answer leaves the sale in doubt");
    let paid = day.sandbox.order(&order).expect("order");
    day.sandbox.seed_orders(vec![cancelled(&paid)]);
    run_until_quiet(&mut day.job, 8).await.expect("cycles");

    assert_eq!(
        day.sandbox.stats().create_order_calls.get(&order),
        Some(&1),
        "read back, never sent again"
    );
    assert!(sale_of(&day.sandbox.sales(), &order).is_some());
    assert_eq!(
        day.store.order(&order).expect("order").map(|o| o.stage),
        Some(OrderStage::Created)
    );
    let exception = open_exception(&day.store, "cancelled_after_import", &order)
        .expect("the cancelled order with a Fulfil sale is raised");
    assert_eq!(
        (exception.team.as_str(), exception.severity.as_str()),
        ("operations", "blocking")
    );
    assert!(
        exception.message.contains("Cancel sale"),
        "{}",
        exception.message
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sale_answered_with_an_unreadable_body_is_read_back_once_not_sent_again() {
    let faults = Faults {
        truncate_after_apply: vec!["create_order".into()],
        ..Faults::default()
    };
    let mut day = day_with(faults, Vec::new()).await;
    let order = sale_in_doubt(&mut day)
        .await
        .expect("an unreadable answer leaves the sale in doubt");
    let exception = open_exception(&day.store, "fulfil_response_unreadable", &order)
        .expect("the unreadable answer is raised");
    assert_eq!(exception.count, 1);
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert_eq!(day.sandbox.stats().create_order_calls.get(&order), Some(&1));
    assert_eq!(
        day.store.order(&order).expect("order").map(|o| o.stage),
        Some(OrderStage::Created)
    );
    assert_day_outcome(&day);
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_sale_that_cannot_be_read_is_raised_once_and_not_retried_every_cycle() {
    let mut day = day_with(Faults::default(), Vec::new()).await;
    let entry = day
        .store
        .enqueue(
            "create_order",
            "JL-LOST",
            "create_order:JL-LOST",
            "{not json",
        )
        .expect("outbox");
    for _ in 0..3 {
        day.job.run_cycle().await.expect("cycle");
    }
    let exception =
        open_exception(&day.store, "outbox_body_unreadable", "JL-LOST").expect("raised");
    assert_eq!(exception.count, 1, "raised once, not every cycle");
    assert_eq!(
        day.store
            .outbox_entry(&entry.idempotency_key)
            .expect("outbox")
            .map(|e| (e.state, e.attempts)),
        Some((OutboxState::Failed, 0)),
        "never sent"
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_or21_in_doubt_counts_as_applied_only_when_the_lines_match_the_decision() {
    // The run stopped mid-OR21 for order 0001; a person then refused the order on John Lewis
    // (no longer awaiting acceptance, but not as decided): the decision did not take effect.
    let mut day = day_with(Faults::default(), Vec::new()).await;
    let order = id("0001");
    let mut refused = day.sandbox.order(&order).expect("order");
    refused["order_state"] = "REFUSED".into();
    for line in refused["order_lines"].as_array_mut().expect("lines") {
        line["order_line_state"] = "REFUSED".into();
    }
    let body = serde_json::json!({"order_lines": refused["order_lines"].as_array().expect("lines").iter()
        .map(|l| serde_json::json!({"id": l["order_line_id"], "accepted": true})).collect::<Vec<_>>()});
    day.sandbox.seed_orders(vec![refused.clone()]);
    day.store
        .upsert_order(&order, "JL-20261127-0001", "WAITING_ACCEPTANCE", None, "{}")
        .expect("order");
    day.store
        .set_order_stage(&order, OrderStage::Accepted)
        .expect("stage");
    let entry = day
        .store
        .enqueue("or21", &order, &format!("or21:{order}"), &body.to_string())
        .expect("outbox");
    assert!(day.store.outbox_claim(&entry).expect("claim"));
    day.job.run_cycle().await.expect("cycle");
    let audit: Vec<String> = day
        .store
        .audit_for(&order)
        .expect("audit")
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(
        !audit.contains(&"or21.confirmed_by_reread".to_string()),
        "a refused order is not an applied acceptance: {audit:?}"
    );
    assert!(open_exception(&day.store, "acceptance_rejected", &order).is_some());
    day.sandbox.shutdown().await;
}

/// A new store knows no offer EANs: until John Lewis' listing (OF21) is read, no order is
/// decided, so the EAN check is never skipped. Order 0010's chopping board has another EAN on
/// John Lewis than in Fulfil; decided without the listing it would have been accepted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_order_is_decided_before_john_lewis_offer_eans_are_known() {
    let settings = SandboxConfig {
        faults: Faults {
            truncate_after_apply: vec!["OF21".into()],
            ..Faults::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(settings.clone()).await.expect("sandbox");
    sandbox.seed_products(day::products().expect("products"));
    sandbox.seed_orders(day::orders().expect("orders"));
    sandbox.seed_offers(day::sandbox_offers().expect("offers"));
    let (config, keys) = sandbox_config(&sandbox, &settings);
    let store = Store::in_memory().expect("store");
    let services = Services::new(config, &keys, store.clone(), runtime()).expect("services");
    let mut job = OrdersJob::new(services);

    let first = job.run_cycle().await.expect("cycle");
    assert!(first.fetched > 0, "{first:?}");
    assert_eq!(
        (first.accepted, first.refused, first.held),
        (0, 0, 0),
        "nothing decided while the listing is unreadable: {first:?}"
    );
    assert!(sandbox.stats().or21_applied.is_empty());

    let mut day = Day {
        sandbox,
        store,
        job,
    };
    run_until_quiet(&mut day.job, 8).await.expect("cycles");
    assert_day_outcome(&day);
    assert!(
        open_codes(&day.store).contains(&("ean_mismatch".into(), "JL-BOARD-004".into())),
        "{:?}",
        open_codes(&day.store)
    );
}
