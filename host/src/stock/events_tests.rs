//! Tests of the coalescing stock queue (`events`).

use super::*;
use chrono::TimeZone;
use serde_json::json;

/// A one-element webhook body for `sku` at `time` with per-warehouse available quantities.
fn payload(sku: &str, time: &str, quantities: &[(&str, Value)]) -> Vec<u8> {
    let warehouses: Vec<Value> = quantities
        .iter()
        .enumerate()
        .map(|(i, (code, qty))| {
            json!({"warehouse_id": i + 1, "warehouse_code": code,
                   "quantity_on_hand": qty, "quantity_available": qty})
        })
        .collect();
    serde_json::to_vec(&json!([{
        "timestamp": time, "product_code": sku, "product_id": 1,
        "warehouse_quantities": warehouses, "listing_quantities": []
    }]))
    .unwrap_or_default()
}

fn change(sku: &str, available: f64, second: u32, received: Instant) -> StockChange {
    StockChange {
        sku: sku.to_string(),
        available,
        event_time: Utc
            .with_ymd_and_hms(2024, 1, 1, 0, 0, second)
            .single()
            .unwrap_or_default(),
        received,
    }
}

#[test]
fn parses_the_documented_example() {
    let events = StockEvents::new(vec![]);
    let body = br#"[{"timestamp":"2019-03-19T21:34:49.296368","product_code":"SKU",
        "warehouse_quantities":[
          {"warehouse_id":4,"quantity_on_hand":0,"quantity_available":3,"warehouse_code":"WAREHOUSE-EAST"},
          {"warehouse_id":65,"quantity_on_hand":0,"quantity_available":{"__class__":"Decimal","decimal":"2.5"},"warehouse_code":"WAREHOUSE-WEST"}],
        "product_id":3697,"listing_quantities":[]}]"#;
    let outcome = events.push_payload(body);
    assert_eq!(
        outcome,
        Ok(PushOutcome {
            accepted: 1,
            stale: 0,
            skipped: Vec::new(),
        })
    );
    let drained = events.drain();
    assert_eq!(drained.len(), 1);
    assert_eq!(drained[0].sku, "SKU");
    assert_eq!(drained[0].available, 5.5);
    assert_eq!(
        drained[0].event_time.to_rfc3339(),
        "2019-03-19T21:34:49.296368+00:00"
    );
    assert_eq!(events.depth(), 0);
}

#[test]
fn timestamps_naive_rfc3339_and_tagged() {
    let t = |v: Value| parse_timestamp(&v).map(|t| t.to_rfc3339());
    assert_eq!(
        t(json!("2019-03-19T21:34:49")).as_deref(),
        Some("2019-03-19T21:34:49+00:00")
    );
    assert_eq!(
        t(json!("2019-03-19 21:34:49.5")).as_deref(),
        Some("2019-03-19T21:34:49.500+00:00")
    );
    assert_eq!(
        t(json!("2019-03-19T22:34:49+01:00")).as_deref(),
        Some("2019-03-19T21:34:49+00:00")
    );
    assert_eq!(
        t(json!({"__class__":"datetime","iso_string":"2019-03-19T21:34:49"})).as_deref(),
        Some("2019-03-19T21:34:49+00:00")
    );
    assert_eq!(t(json!("yesterday")), None);
    assert_eq!(t(json!(1553031289)), None);
}

#[test]
fn coalesces_a_thousand_events_over_ten_skus() {
    let events = StockEvents::new(vec![]);
    let base = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let first = Instant::now();
    for i in 0..1000u32 {
        let sku = format!("SKU-{}", i % 10);
        let accepted = events.push(StockChange {
            sku,
            available: f64::from(i),
            event_time: base + chrono::Duration::milliseconds(i64::from(i)),
            received: first + Duration::from_micros(u64::from(i)),
        });
        assert!(accepted);
    }
    assert_eq!(events.depth(), 10);
    let drained = events.drain();
    assert_eq!(drained.len(), 10);
    for (n, c) in drained.iter().enumerate() {
        // Latest quantity of SKU-n was pushed at i = 990 + n; received is the first one's.
        assert_eq!(c.sku, format!("SKU-{n}"));
        assert_eq!(c.available, f64::from(990 + n as u32));
        assert_eq!(c.received, first + Duration::from_micros(n as u64));
    }
    assert_eq!(events.depth(), 0);
    assert_eq!(events.oldest_age(), None);
}

#[test]
fn coalesces_within_one_payload_and_across_payloads() {
    let events = StockEvents::new(vec![]);
    let body = serde_json::to_vec(&json!([
        {"timestamp":"2024-01-01T00:00:01","product_code":"A","warehouse_quantities":[{"warehouse_code":"W","quantity_available":1}]},
        {"timestamp":"2024-01-01T00:00:02","product_code":"A","warehouse_quantities":[{"warehouse_code":"W","quantity_available":2}]},
        {"timestamp":"2024-01-01T00:00:01","product_code":"B","warehouse_quantities":[]}
    ]))
    .unwrap_or_default();
    assert_eq!(
        events.push_payload(&body),
        Ok(PushOutcome {
            accepted: 3,
            stale: 0,
            skipped: Vec::new(),
        })
    );
    assert_eq!(events.depth(), 2);
    let drained = events.drain();
    let a = drained.iter().find(|c| c.sku == "A").map(|c| c.available);
    let b = drained.iter().find(|c| c.sku == "B").map(|c| c.available);
    assert_eq!((a, b), (Some(2.0), Some(0.0)));
}

#[test]
fn stale_events_are_dropped_and_counted_even_after_drain() {
    let events = StockEvents::new(vec![]);
    let newer = payload("A", "2024-01-01T00:00:10", &[("W", json!(7))]);
    let older = payload("A", "2024-01-01T00:00:05", &[("W", json!(1))]);
    let equal = payload("A", "2024-01-01T00:00:10", &[("W", json!(2))]);
    assert_eq!(events.push_payload(&newer).map(|o| o.accepted), Ok(1));
    assert_eq!(
        events.push_payload(&older),
        Ok(PushOutcome {
            accepted: 0,
            stale: 1,
            skipped: Vec::new(),
        })
    );
    assert_eq!(events.drain().first().map(|c| c.available), Some(7.0));
    // Still stale after the queue was drained; equal timestamps are stale too.
    assert_eq!(events.push_payload(&older).map(|o| o.stale), Ok(1));
    assert_eq!(events.push_payload(&equal).map(|o| o.stale), Ok(1));
    assert_eq!(events.depth(), 0);
    assert!(!events.push(change("A", 3.0, 0, Instant::now())));
}

#[test]
fn replaying_a_payload_changes_nothing() {
    let events = StockEvents::new(vec![]);
    let body = payload("A", "2024-01-01T00:00:10", &[("W", json!(7))]);
    assert_eq!(events.push_payload(&body).map(|o| o.accepted), Ok(1));
    let replay = events.push_payload(&body);
    assert_eq!(
        replay,
        Ok(PushOutcome {
            accepted: 0,
            stale: 1,
            skipped: Vec::new(),
        })
    );
    assert_eq!(events.depth(), 1);
    events.drain();
    assert_eq!(events.push_payload(&body).map(|o| o.accepted), Ok(0));
    assert_eq!(events.depth(), 0);
}

#[test]
fn warehouse_filter_counts_only_configured_warehouses() {
    let body = payload(
        "A",
        "2024-01-01T00:00:10",
        &[
            ("EAST", json!(3)),
            ("WEST", json!({"__class__":"Decimal","decimal":"4"})),
            ("NORTH", json!(100.5)),
        ],
    );
    let all = StockEvents::new(vec![]);
    assert!(all.push_payload(&body).is_ok());
    assert_eq!(all.drain()[0].available, 107.5);

    let some = StockEvents::new(vec!["EAST".into(), " WEST ".into()]);
    assert!(some.push_payload(&body).is_ok());
    assert_eq!(some.drain()[0].available, 7.0);

    // Ids (as text) match too: NORTH is warehouse_id 3 in `payload`.
    let by_id = StockEvents::new(vec!["3".into()]);
    assert!(by_id.push_payload(&body).is_ok());
    assert_eq!(by_id.drain()[0].available, 100.5);

    // Decimal quantities add up as decimals, not as binary floats.
    let decimals = payload(
        "B",
        "2024-01-01T00:00:11",
        &[
            ("EAST", json!(0.2)),
            ("WEST", json!("0.7")),
            ("NORTH", json!(0.1)),
        ],
    );
    assert!(all.push_payload(&decimals).is_ok());
    assert_eq!(all.drain()[0].available, 1.0);

    // A product without any counted warehouse has nothing available there.
    let none = StockEvents::new(vec!["SOUTH".into()]);
    assert!(none.push_payload(&body).is_ok());
    assert_eq!(none.drain()[0].available, 0.0);

    // A bad quantity in an uncounted warehouse does not matter.
    let odd = payload(
        "B",
        "2024-01-01T00:00:10",
        &[("EAST", json!(1)), ("X", json!("n/a"))],
    );
    let east = StockEvents::new(vec!["EAST".into()]);
    assert_eq!(east.push_payload(&odd).map(|o| o.accepted), Ok(1));
}

#[test]
fn bodies_that_are_not_arrays_are_errors_and_queue_nothing() {
    let events = StockEvents::new(vec![]);
    for body in [
        b"not json".to_vec(),
        b"[{\"timestamp\":".to_vec(),
        b"{\"product_code\":\"A\"}".to_vec(),
    ] {
        let result = events.push_payload(&body);
        assert!(result.is_err(), "{}", String::from_utf8_lossy(&body));
        assert_eq!(events.depth(), 0);
    }
    // An empty array is valid and does nothing.
    assert_eq!(events.push_payload(b"[]"), Ok(PushOutcome::default()));
}

#[test]
fn unreadable_events_are_skipped_and_the_rest_queued() {
    let good = |sku: &str| {
        json!({"timestamp":"2024-01-01T00:00:01","product_code":sku,
               "warehouse_quantities":[{"warehouse_code":"W","quantity_available":1}]})
    };
    let bad = [
        (json!(5), "[1] is not an object"),
        (
            json!({"timestamp":"2024-01-01T00:00:01","warehouse_quantities":[]}),
            "[1].product_code",
        ),
        (
            json!({"timestamp":"never","product_code":"B","warehouse_quantities":[]}),
            "[1].timestamp",
        ),
        (
            json!({"timestamp":"2024-01-01T00:00:01","product_code":"B"}),
            "[1].warehouse_quantities",
        ),
        (
            json!({"timestamp":"2024-01-01T00:00:01","product_code":"B",
                   "warehouse_quantities":[{"warehouse_code":"W","quantity_available":"lots"}]}),
            "[1].warehouse_quantities[0].quantity_available",
        ),
    ];
    for (n, (item, named)) in bad.into_iter().enumerate() {
        let events = StockEvents::new(vec![]);
        let (before, after) = (format!("A-{n}"), format!("C-{n}"));
        let body =
            serde_json::to_vec(&json!([good(&before), item, good(&after)])).unwrap_or_default();
        let outcome = events.push_payload(&body).expect("an array");
        assert_eq!((outcome.accepted, outcome.stale), (2, 0), "{named}");
        assert_eq!(outcome.skipped.len(), 1, "{named}");
        assert!(
            outcome.skipped[0].starts_with(named),
            "{:?}",
            outcome.skipped
        );
        let mut queued: Vec<String> = events.drain().into_iter().map(|c| c.sku).collect();
        queued.sort();
        assert_eq!(queued, [before, after]);
    }
}

#[test]
fn requeue_puts_back_failed_uploads() {
    let events = StockEvents::new(vec![]);
    let t0 = Instant::now();
    assert!(events.push(change("A", 1.0, 1, t0)));
    assert!(events.push(change("B", 2.0, 1, t0)));
    let failed = events.drain();
    assert_eq!(events.depth(), 0);
    events.requeue(failed.clone());
    assert_eq!(events.depth(), 2);
    let mut again = events.drain();
    again.sort_by(|a, b| a.sku.cmp(&b.sku));
    assert_eq!(again, failed);
    // Requeued changes are not stale relative to themselves, and a replay stays stale.
    events.requeue(again);
    assert!(!events.push(change("A", 9.0, 1, Instant::now())));
}

#[test]
fn requeue_keeps_newer_pending_change_with_older_received() {
    let events = StockEvents::new(vec![]);
    let t0 = Instant::now();
    assert!(events.push(change("A", 1.0, 1, t0)));
    let failed = events.drain();
    // A newer change arrives while the upload of the first one is failing.
    let t1 = t0 + Duration::from_millis(50);
    assert!(events.push(change("A", 5.0, 2, t1)));
    events.requeue(failed);
    let pending = events.drain();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].available, 5.0);
    assert_eq!(pending[0].event_time.timestamp() % 60, 2);
    assert_eq!(pending[0].received, t0);
}

#[test]
fn requeue_drops_changes_superseded_by_an_already_drained_one() {
    let events = StockEvents::new(vec![]);
    let t0 = Instant::now();
    assert!(events.push(change("A", 1.0, 1, t0)));
    let failed = events.drain();
    assert!(events.push(change("A", 5.0, 2, t0)));
    let _published = events.drain();
    events.requeue(failed);
    assert_eq!(events.depth(), 0);
}

#[test]
fn oldest_age_tracks_first_received() {
    let events = StockEvents::new(vec![]);
    assert_eq!(events.oldest_age(), None);
    let long_ago = Instant::now()
        .checked_sub(Duration::from_secs(30))
        .unwrap_or_else(Instant::now);
    assert!(events.push(change("A", 1.0, 1, long_ago)));
    assert!(events.push(change("B", 1.0, 1, Instant::now())));
    let age = events.oldest_age().unwrap_or_default();
    assert!(age >= long_ago.elapsed().saturating_sub(Duration::from_secs(1)));
    assert!(age <= long_ago.elapsed());
}

#[test]
fn clones_share_the_queue_across_threads() {
    let events = StockEvents::new(vec![]);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let events = events.clone();
            std::thread::spawn(move || {
                for i in 0..100u32 {
                    events.push(change(
                        &format!("T{t}-{}", i % 5),
                        1.0,
                        i % 60,
                        Instant::now(),
                    ));
                }
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().is_ok());
    }
    assert_eq!(events.depth(), 20);
}

#[test]
fn whatever_arrives_out_of_order_replayed_or_failed_the_newest_quantity_is_published() {
    let mut rng = fastrand::Rng::with_seed(0x6a09_e667_f3bc_c909);
    for round in 0..200 {
        let queue = StockEvents::new(Vec::new());
        // The newest event per SKU (the first of equal timestamps wins: later ones are
        // replays), and what John Lewis holds.
        let mut newest: HashMap<String, (u32, f64)> = HashMap::new();
        let mut published: HashMap<String, f64> = HashMap::new();
        let mut in_flight: Vec<StockChange> = Vec::new();
        for step in 0..60 {
            match rng.usize(..6) {
                0..=2 => {
                    let sku = format!("SKU-{}", rng.usize(..4));
                    let second = rng.usize(..50) as u32;
                    let available = (round * 100 + step) as f64;
                    queue.push(change(&sku, available, second, Instant::now()));
                    if newest.get(&sku).is_none_or(|(at, _)| second > *at) {
                        newest.insert(sku, (second, available));
                    }
                }
                3 => in_flight.extend(queue.drain()),
                4 => {
                    // The upload in flight succeeds.
                    for c in in_flight.drain(..) {
                        published.insert(c.sku, c.available);
                    }
                }
                _ => queue.requeue(std::mem::take(&mut in_flight)),
            }
        }
        // Settle: the last upload succeeds, then everything still queued is sent.
        for c in in_flight.drain(..).chain(queue.drain()) {
            published.insert(c.sku, c.available);
        }
        assert_eq!(queue.depth(), 0);
        for (sku, (_, available)) in &newest {
            assert_eq!(published.get(sku), Some(available), "round {round}, {sku}");
        }
    }
}
