//! Dispatch end to end: the day's orders imported, then Fulfil shipments confirmed to John
//! Lewis through the real dispatch job and component against the sandbox; rejections and
//! clocks included.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use jlm::demo::{day, run_until_quiet, sandbox_config};
use jlm::jobs::{DispatchJob, OrdersJob, Services};
use jlm::runtime::Runtime;
use jlm::sandbox::{Faults, Sandbox, SandboxConfig, SandboxShipment};
use jlm::store::Store;

fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Arc::new(Runtime::new(jlm::runtime::EMBEDDED_COMPONENT, None).expect("component loads"))
        })
        .clone()
}

fn id(n: &str) -> String {
    format!("JL-20261127-{n}-A")
}

/// Orders that reach John Lewis as shipped: complete shipments with a mapped, approved carrier.
const SHIPPED: &[&str] = &["0001", "0002", "0003", "0006", "0007", "0012"];

/// Every order of [`SHIPPED`] is SHIPPED on John Lewis.
fn assert_shipped(sandbox: &Sandbox) {
    for n in SHIPPED {
        assert_eq!(
            sandbox.order(&id(n)).expect("order")["order_state"],
            "SHIPPED",
            "{}",
            id(n)
        );
    }
}

struct Day {
    sandbox: Sandbox,
    store: Store,
    services: Services,
}

async fn day_with(faults: Faults) -> Day {
    let (day, held) = day_holding(faults, None).await;
    assert!(held.is_empty());
    day
}

/// The day, with the shipments of order `held` (`JL-20261127-<held>-A`), if any, kept back
/// and returned rather than added to Fulfil.
async fn day_holding(faults: Faults, held: Option<&str>) -> (Day, Vec<SandboxShipment>) {
    day_configured(faults, held, false).await
}

/// [`day_holding`], with John Lewis' multi-shipment (ST01) on or off.
async fn day_configured(
    faults: Faults,
    held: Option<&str>,
    multi_shipment: bool,
) -> (Day, Vec<SandboxShipment>) {
    let settings = SandboxConfig::default();
    let sandbox = Sandbox::start(settings.clone()).await.expect("sandbox");
    sandbox.seed_products(day::products().expect("products"));
    sandbox.seed_orders(day::orders().expect("orders"));
    sandbox.seed_carriers(day::carriers().expect("carriers"));
    let (mut config, keys) = sandbox_config(&sandbox, &settings);
    config.carriers = day::carrier_table().expect("carrier table");
    config.dispatch.multi_shipment = multi_shipment;
    config.retry.timeout = jlm::config::ConfigDuration(std::time::Duration::from_millis(500));
    let store = Store::in_memory().expect("store");
    store
        .replace_offers(&day::offers().expect("offers"))
        .expect("offers");
    let services = Services::new(config, &keys, store.clone(), runtime()).expect("services");
    let mut orders = OrdersJob::new(services.clone());
    run_until_quiet(&mut orders, 8)
        .await
        .expect("orders imported");
    let (kept, shipped): (Vec<_>, Vec<_>) = day::shipments(Utc::now())
        .expect("shipments")
        .into_iter()
        .partition(|s| held.is_some_and(|n| s.order_id == id(n)));
    for shipment in shipped {
        sandbox.add_shipment(shipment).expect("shipment");
    }
    sandbox.set_faults(faults);
    let day = Day {
        sandbox,
        store,
        services,
    };
    (day, kept)
}

async fn cycles(job: &mut DispatchJob, n: usize) {
    for _ in 0..n {
        if let Err(e) = job.run_cycle().await {
            eprintln!("dispatch cycle: {e:#}");
        }
    }
}

fn open(store: &Store, code: &str) -> Vec<jlm::store::ExceptionRecord> {
    store
        .exceptions(false)
        .expect("exceptions")
        .into_iter()
        .filter(|e| e.code == code)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_shipments_is_confirmed_exactly_once() {
    let day = day_with(Faults::default()).await;
    let mut job = DispatchJob::new(day.services.clone());
    cycles(&mut job, 3).await;
    assert_shipped(&day.sandbox);
    let stats = day.sandbox.stats();
    for n in SHIPPED {
        assert_eq!(
            stats.or24_applied.get(&id(n)).copied(),
            Some(1),
            "one OR24 for {}",
            id(n)
        );
    }
    // The partly shipped order got its tracking twice (two parcels) and one OR24.
    assert_eq!(stats.or23_applied.get(&id("0006")).copied(), Some(2));
    // Problems stop the shipment, with an exception naming the fix.
    for (code, order) in [
        ("unmapped_carrier", "0008"),
        ("carrier_not_approved", "0009"),
        ("tracking_invalid", "0011"),
    ] {
        assert_eq!(
            day.sandbox.order(&id(order)).expect("order")["order_state"],
            "SHIPPING",
            "{code}"
        );
        assert!(
            !stats.or23_applied.contains_key(&id(order)),
            "nothing sent for {code}"
        );
        assert_eq!(open(&day.store, code).len(), 1, "{code}");
    }
    // The unregistered courier went by name with its tracking URL.
    let avc = day.sandbox.order(&id("0012")).expect("order");
    assert_eq!(avc["shipping_company"], "Aire Valley Couriers");

    // A restart (a new job over the same store) and more cycles send nothing again.
    let mut restarted = DispatchJob::new(day.services.clone());
    cycles(&mut restarted, 2).await;
    let again = day.sandbox.stats();
    assert_eq!(stats.or24_applied, again.or24_applied);
    assert_eq!(stats.or23_applied, again.or23_applied);
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shipment_committed_late_is_still_confirmed() {
    // Fulfil stamps a shipment with the start of the transaction that wrote it, so one
    // committed after others were read carries a write_date before the dispatch cursor.
    let (day, late) = day_holding(Faults::default(), Some("0001")).await;
    assert_eq!(late.len(), 1);
    let mut job = DispatchJob::new(day.services.clone());
    cycles(&mut job, 2).await;
    let order = || day.sandbox.order(&id("0001")).expect("order")["order_state"].clone();
    assert_eq!(order(), "SHIPPING");
    for mut shipment in late {
        shipment.write_date -= chrono::Duration::minutes(3);
        day.sandbox.add_shipment(shipment).expect("shipment");
    }
    cycles(&mut job, 1).await;
    assert_eq!(order(), "SHIPPED");
    assert_eq!(
        day.sandbox.stats().or24_applied.get(&id("0001")).copied(),
        Some(1)
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_or24_response_is_confirmed_by_rereading() {
    let day = day_with(Faults {
        hang_after_apply: vec!["OR24".into()],
        ..Faults::default()
    })
    .await;
    let mut job = DispatchJob::new(day.services.clone());
    cycles(&mut job, 3).await;
    let stats = day.sandbox.stats();
    for n in SHIPPED {
        assert_eq!(
            stats.or24_applied.get(&id(n)).copied(),
            Some(1),
            "exactly one OR24 for {}",
            id(n)
        );
    }
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_carries_mirakls_message() {
    let day = day_with(Faults::default()).await;
    let mut job = DispatchJob::new(day.services.clone());
    // The carrier list is cached, then John Lewis withdraws DPD: OR23 for order 0002 is refused.
    job.carriers(true).await.expect("SH21");
    day.sandbox.seed_carriers(
        day::carriers()
            .expect("carriers")
            .into_iter()
            .filter(|c| c["code"] != "DPD-UK")
            .collect(),
    );
    cycles(&mut job, 2).await;
    let rejected = open(&day.store, "dispatch_rejected");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(
        rejected[0].message.contains("OR23"),
        "{}",
        rejected[0].message
    );
    assert!(
        rejected[0].message.contains("DPD-UK"),
        "Mirakl's message is shown: {}",
        rejected[0].message
    );
    assert_eq!(
        day.sandbox.order(&id("0002")).expect("order")["order_state"],
        "SHIPPING"
    );
    // Not sent again every cycle while nothing changed ...
    let or23_calls = || day.sandbox.stats().requests.get("OR23").copied();
    let before = or23_calls();
    cycles(&mut job, 3).await;
    assert_eq!(or23_calls(), before, "the rejected request is not repeated");
    // ... but once a person resolves the exception.
    assert!(
        day.store
            .resolve_exception(rejected[0].id)
            .expect("resolve")
    );
    cycles(&mut job, 1).await;
    assert_eq!(or23_calls(), before.map(|n| n + 1));
    assert_eq!(
        open(&day.store, "dispatch_rejected").len(),
        1,
        "rejected again"
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clocks_fire_at_the_right_simulated_times() {
    let day = day_with(Faults::default()).await;
    let mut job = DispatchJob::new(day.services.clone());
    let at = |t: &str| -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t)
            .expect("time")
            .with_timezone(&Utc)
    };
    // Before any shipment: held orders wait for acceptance (deadline created + 48 h, margin 6 h).
    job.check_clocks(at("2026-11-28T12:00:00Z"))
        .await
        .expect("clocks");
    assert!(open(&day.store, "acceptance_overdue").is_empty());
    assert!(
        open(&day.store, "dispatch_overdue").is_empty(),
        "shipping deadline 2026-11-28T23:59Z is 12 h away"
    );
    job.check_clocks(at("2026-11-29T04:00:00Z"))
        .await
        .expect("clocks");
    let overdue: Vec<String> = open(&day.store, "acceptance_overdue")
        .into_iter()
        .map(|e| e.subject)
        .collect();
    assert_eq!(
        overdue,
        vec![id("0004")],
        "only 0004 (created 09:58) is within 6 h of its deadline"
    );
    let dispatch_overdue = open(&day.store, "dispatch_overdue");
    assert_eq!(
        dispatch_overdue.len(),
        9,
        "every accepted order is unshipped 4 h before its deadline"
    );
    assert!(
        dispatch_overdue[0].message.contains("2026-11-28T23:59:59Z"),
        "names the deadline"
    );

    // Shipping clears dispatch_overdue for the shipped orders; the blocked ones stay overdue.
    cycles(&mut job, 2).await;
    job.check_clocks(at("2026-11-28T21:00:00Z"))
        .await
        .expect("clocks");
    let mut still: Vec<String> = open(&day.store, "dispatch_overdue")
        .into_iter()
        .map(|e| e.subject)
        .collect();
    still.sort();
    assert_eq!(still, vec![id("0008"), id("0009"), id("0011")]);
    day.sandbox.shutdown().await;
}

/// The day's configuration for a dispatch job on `day`'s sandbox, reading no shipment again
/// before its cursor (`[dispatch] overlap = 0`).
fn no_overlap_config(day: &Day) -> (jlm::config::Config, jlm::config::ApiKeys) {
    let (mut config, keys) = sandbox_config(&day.sandbox, &SandboxConfig::default());
    config.carriers = day::carrier_table().expect("carrier table");
    config.dispatch.overlap = jlm::config::ConfigDuration(std::time::Duration::ZERO);
    (config, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipments_read_while_john_lewis_was_unreachable_are_confirmed_once_it_is_back() {
    let (day, later) = day_holding(Faults::default(), Some("0012")).await;
    // Fulfil is read, but John Lewis cannot be reached: every shipment is put off. A later
    // shipment moves the cursor past them all before John Lewis is back.
    let (mut config, keys) = no_overlap_config(&day);
    config.mirakl.base_url = "http://127.0.0.1:9".into();
    config.retry.max_attempts = 1;
    let cut_off = Services::new(config, &keys, day.store.clone(), runtime()).expect("services");
    let mut cut_off = DispatchJob::new(cut_off);
    cycles(&mut cut_off, 1).await;
    for mut shipment in later {
        shipment.write_date += chrono::Duration::minutes(1);
        day.sandbox.add_shipment(shipment).expect("shipment");
    }
    cycles(&mut cut_off, 1).await;
    assert!(day.sandbox.stats().or24_applied.is_empty(), "nothing sent");
    // John Lewis is back; the earlier shipments are behind the cursor.
    let (config, keys) = no_overlap_config(&day);
    let back = Services::new(config, &keys, day.store.clone(), runtime()).expect("services");
    cycles(&mut DispatchJob::new(back), 3).await;
    assert_shipped(&day.sandbox);
    day.sandbox.shutdown().await;
}

/// How many shipments John Lewis holds for order `n`.
fn shipments_on_jl(sandbox: &Sandbox, n: &str) -> usize {
    sandbox
        .mirakl_shipments()
        .iter()
        .filter(|s| s["order_id"] == id(n).as_str())
        .count()
}

/// How many Fulfil shipments the day has for order `n`.
fn shipments_in_fulfil(n: &str) -> usize {
    day::shipments(Utc::now())
        .expect("shipments")
        .iter()
        .filter(|s| s.order_id == id(n))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_multi_shipment_a_lost_st01_answer_is_read_back_not_sent_again() {
    let faults = Faults {
        hang_after_apply: vec!["ST01".into()],
        ..Faults::default()
    };
    let (day, _) = day_configured(faults, None, true).await;
    let mut job = DispatchJob::new(day.services.clone());
    cycles(&mut job, 4).await;
    assert_shipped(&day.sandbox);
    let mut sent = 0;
    for n in SHIPPED {
        assert_eq!(
            shipments_on_jl(&day.sandbox, n),
            shipments_in_fulfil(n),
            "one John Lewis shipment per Fulfil shipment of {}",
            id(n)
        );
        sent += shipments_in_fulfil(n) as u64;
    }
    let stats = day.sandbox.stats();
    assert_eq!(
        stats.requests.get("ST01").copied(),
        Some(sent),
        "the ST01 whose answer was lost was read back (ST11), not sent again"
    );
    assert!(stats.requests.get("ST11").copied().unwrap_or(0) >= 1);
    let counts = day.store.outbox_counts().expect("outbox");
    assert!(
        counts.iter().all(|(state, _)| state == "done"),
        "nothing left in doubt or unsent: {counts:?}"
    );
    day.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_multi_shipment_a_shipment_john_lewis_refuses_in_a_2xx_is_not_marked_sent() {
    let (day, _) = day_configured(Faults::default(), None, true).await;
    let mut job = DispatchJob::new(day.services.clone());
    // The carrier list is cached, then John Lewis withdraws DPD: ST01 answers 201 with the
    // shipment of order 0002 in shipment_errors.
    job.carriers(true).await.expect("SH21");
    day.sandbox.seed_carriers(
        day::carriers()
            .expect("carriers")
            .into_iter()
            .filter(|c| c["code"] != "DPD-UK")
            .collect(),
    );
    cycles(&mut job, 2).await;
    assert_eq!(shipments_on_jl(&day.sandbox, "0002"), 0);
    assert_eq!(
        day.sandbox.order(&id("0002")).expect("order")["order_state"],
        "SHIPPING"
    );
    let rejected = open(&day.store, "dispatch_rejected");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(
        rejected[0].message.contains("ST01"),
        "{}",
        rejected[0].message
    );
    assert!(
        rejected[0].message.contains("DPD-UK"),
        "{}",
        rejected[0].message
    );
    let record = day
        .store
        .shipments_of(&id("0002"))
        .expect("shipments")
        .into_iter()
        .next()
        .expect("recorded");
    assert_eq!(record.state, jlm::store::ShipmentState::Blocked);
    day.sandbox.shutdown().await;
}
