//! Tests of the shipment reads: assembling done shipments from their four `search_read`s,
//! paging, recent carrier services and the datetime helpers.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::*;
use crate::fulfil::client::tests::test_client;
use crate::http::test_server::{json_body, serve};

/// (model, body) of each request.
type Log = Arc<Mutex<Vec<(String, Value)>>>;

/// Serves `reply(model, body)` for `PUT /api/v2/model/{model}/search_read`, logging
/// every request; anything else is a 404.
async fn by_model(
    log: Log,
    reply: impl Fn(&str, &Value) -> Response + Send + Sync + 'static,
) -> String {
    let reply = Arc::new(reply);
    serve(move |request| {
        let log = log.clone();
        let reply = reply.clone();
        async move {
            let path = request.uri().path().to_owned();
            let ok_key = request
                .headers()
                .get("x-api-key")
                .is_some_and(|v| v == "fulfil-key");
            let put = request.method() == "PUT";
            let body = json_body(request).await;
            let model = path
                .strip_prefix("/api/v2/model/")
                .and_then(|rest| rest.strip_suffix("/search_read"))
                .map(str::to_owned);
            let Some(model) = model.filter(|_| ok_key && put) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            log.lock().expect("log").push((model.clone(), body.clone()));
            reply(&model, &body)
        }
    })
    .await
}

fn requests(log: &Log, model: &str) -> Vec<Value> {
    log.lock()
        .expect("log")
        .iter()
        .filter(|(m, _)| m == model)
        .map(|(_, b)| b.clone())
        .collect()
}

/// The ids of an `[["id","in",[…]]]` domain.
fn wanted_ids(body: &Value) -> Vec<i64> {
    body[0][0][2]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// The records of `all` whose id is asked for by `body`.
fn pick(all: &[Value], body: &Value) -> Response {
    let ids = wanted_ids(body);
    let records: Vec<&Value> = all
        .iter()
        .filter(|r| r["id"].as_i64().is_some_and(|id| ids.contains(&id)))
        .collect();
    axum::Json(records).into_response()
}

#[tokio::test]
async fn done_shipments_are_assembled_from_four_reads() {
    let shipments = json!([
        {
            "id": 30201,
            "write_date": {"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                           "hour": 14, "minute": 3, "second": 7, "microsecond": 120000,
                           "iso_string": "2026-11-26T14:03:07.120000"},
            "state": "done",
            "carrier.rec_name": "Royal Mail",
            "carrier_service.name": "Tracked 24",
            "tracking_number.tracking_number": " TT482019412GB ",
            "carrier": 4, "carrier_service": 9, "tracking_number": 77,
            "sales": [501],
            "outgoing_moves": [9001, 9002, 9003, 9004]
        },
        {
            "id": 30202,
            "write_date": "2026-11-26 15:00:00",
            "state": "done",
            "carrier.rec_name": false,
            "carrier_service.name": null,
            "tracking_number.tracking_number": false,
            "sales": [502, 501],
            "outgoing_moves": [9005]
        },
        {
            "id": 30203,
            "write_date": null,
            "create_date": {"__class__": "datetime", "year": 2026, "month": 11, "day": 27,
                            "hour": 1, "minute": 2, "second": 3, "microsecond": 0},
            "state": "done",
            "sales": [503],
            "outgoing_moves": []
        },
        {"id": 30204, "write_date": false, "state": "done", "sales": [], "outgoing_moves": []}
    ]);
    let sales = vec![
        json!({"id": 501, "channel_identifier": "JL-20261126-0012-A", "channel": 3}),
        json!({"id": 502, "channel_identifier": "SHOPIFY-1", "channel": 1}),
        json!({"id": 503, "channel_identifier": false, "channel": 3}),
    ];
    let moves = vec![
        json!({"id": 9001, "product.code": "JL-MUG-002", "state": "done",
               "quantity": {"__class__": "Decimal", "decimal": "2.0"},
               "origin": "sale.line,701"}),
        json!({"id": 9002, "product.code": "JL-BOARD-004", "quantity": 1.0,
               "state": "done",
               "origin": {"__class__": "Model", "model_name": "sale.line", "id": 702}}),
        json!({"id": 9003, "product.code": "JL-MUG-002", "quantity": 5,
               "state": "cancelled", "origin": "sale.line,701"}),
        json!({"id": 9004, "product.code": false, "quantity": "1",
               "state": "done", "origin": "stock.shipment.out.return,3"}),
        json!({"id": 9005, "product.code": "X-1", "quantity": 1, "state": "done",
               "origin": null}),
    ];
    let lines = vec![
        json!({"id": 701, "channel_identifier": "JL-20261126-0012-A-1"}),
        json!({"id": 702, "channel_identifier": "JL-20261126-0012-A-2"}),
    ];
    let log: Log = Arc::default();
    let base = by_model(log.clone(), move |model, body| match model {
        "stock.shipment.out" => axum::Json(shipments.clone()).into_response(),
        "sale.sale" => pick(&sales, body),
        "stock.move" => pick(&moves, body),
        "sale.line" => pick(&lines, body),
        _ => StatusCode::NOT_FOUND.into_response(),
    })
    .await;
    let found = test_client(&base)
        .shipments_done_since(Some("2026-11-26T14:00:00+01:00"))
        .await
        .expect("shipments");
    assert_eq!(found.len(), 3, "the shipment without a date is skipped");
    assert_eq!(
        found[0],
        FulfilShipment {
            id: 30201,
            write_date: "2026-11-26T14:03:07.120Z".into(),
            state: "done".into(),
            order: Some("JL-20261126-0012-A".into()),
            carrier: Some("Royal Mail".into()),
            service: Some("Tracked 24".into()),
            tracking_number: Some("TT482019412GB".into()),
            lines: vec![
                FulfilShipmentLine {
                    line_id: Some("JL-20261126-0012-A-1".into()),
                    sku: "JL-MUG-002".into(),
                    quantity: 2.0
                },
                FulfilShipmentLine {
                    line_id: Some("JL-20261126-0012-A-2".into()),
                    sku: "JL-BOARD-004".into(),
                    quantity: 1.0
                },
                FulfilShipmentLine {
                    line_id: None,
                    sku: String::new(),
                    quantity: 1.0
                },
            ],
        }
    );
    // The other channel's sale is passed over for the John Lewis one.
    assert_eq!(found[1].order.as_deref(), Some("JL-20261126-0012-A"));
    assert_eq!(found[1].write_date, "2026-11-26T15:00:00Z");
    assert_eq!(
        (
            &found[1].carrier,
            &found[1].service,
            &found[1].tracking_number
        ),
        (&None, &None, &None)
    );
    assert_eq!(
        found[1].lines,
        [FulfilShipmentLine {
            line_id: None,
            sku: "X-1".into(),
            quantity: 1.0
        }]
    );
    assert_eq!(found[2].write_date, "2026-11-27T01:02:03Z");
    assert_eq!(found[2].order, None);
    assert!(found[2].lines.is_empty());

    let shipment_reads = requests(&log, "stock.shipment.out");
    assert_eq!(shipment_reads.len(), 1);
    let body = &shipment_reads[0];
    assert_eq!(body[0][0], json!(["state", "=", "done"]));
    assert_eq!(body[0][1][0], "write_date");
    assert_eq!(body[0][1][1], ">=");
    let since = &body[0][1][2];
    assert_eq!(since["__class__"], "datetime");
    assert_eq!(since["iso_string"], "2026-11-26T13:00:00.000000");
    assert_eq!(
        (&since["year"], &since["hour"], &since["microsecond"]),
        (&json!(2026), &json!(13), &json!(0))
    );
    assert_eq!((&body[1], &body[2]), (&json!(0), &json!(500)));
    assert_eq!(body[3], json!([["id", "ASC"]]));
    let fields = body[4].as_array().expect("fields");
    for field in [
        "id",
        "write_date",
        "state",
        "carrier.rec_name",
        "carrier_service.name",
        "tracking_number.tracking_number",
        "sales",
        "outgoing_moves",
    ] {
        assert!(fields.contains(&json!(field)), "{field}");
    }
    let sale_reads = requests(&log, "sale.sale");
    assert_eq!(sale_reads.len(), 1);
    assert_eq!(wanted_ids(&sale_reads[0]), [501, 502, 503]);
    assert_eq!(sale_reads[0][0][0][1], "in");
    assert!(
        sale_reads[0][4]
            .as_array()
            .expect("fields")
            .contains(&json!("channel_identifier"))
    );
    let move_reads = requests(&log, "stock.move");
    assert_eq!(move_reads.len(), 1);
    assert_eq!(wanted_ids(&move_reads[0]), [9001, 9002, 9003, 9004, 9005]);
    for field in ["id", "product.code", "quantity", "origin"] {
        assert!(
            move_reads[0][4]
                .as_array()
                .expect("fields")
                .contains(&json!(field)),
            "{field}"
        );
    }
    let line_reads = requests(&log, "sale.line");
    assert_eq!(line_reads.len(), 1);
    assert_eq!(wanted_ids(&line_reads[0]), [701, 702]);
}

/// `total` done shipments with ids 1.., each with its own sale, honouring `id >` clauses
/// and offset/limit; the shipments `cancelled` after the first request have left the
/// `done` domain in later ones.
fn done_shipments(
    total: usize,
    cancelled: &'static [usize],
) -> impl Fn(&str, &Value) -> Response + Send + Sync + 'static {
    let requests = std::sync::atomic::AtomicUsize::new(0);
    move |model, body| match model {
        "stock.shipment.out" => {
            let gone: &[usize] = match requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                0 => &[],
                _ => cancelled,
            };
            let above = body[0]
                .as_array()
                .and_then(|clauses| clauses.iter().find(|c| c[0] == "id" && c[1] == ">"))
                .and_then(|c| c[2].as_u64())
                .unwrap_or(0) as usize;
            let offset = body[1].as_u64().unwrap_or(0) as usize;
            let limit = body[2].as_u64().unwrap_or(0) as usize;
            let page: Vec<Value> = (1..=total)
                .filter(|id| *id > above && !gone.contains(id))
                .skip(offset)
                .take(limit)
                .map(|id| {
                    json!({"id": id, "write_date": "2026-11-26T10:00:00Z",
                           "state": "done", "sales": [10_000 + id], "outgoing_moves": []})
                })
                .collect();
            axum::Json(page).into_response()
        }
        _ => axum::Json(json!([])).into_response(),
    }
}

#[tokio::test]
async fn shipments_page_at_500_by_id_and_lookups_batch_by_100() {
    let total = 503usize;
    let log: Log = Arc::default();
    let base = by_model(log.clone(), done_shipments(total, &[])).await;
    let found = test_client(&base)
        .shipments_done_since(None)
        .await
        .expect("shipments");
    assert_eq!(found.len(), total);
    assert_eq!(found[502].id, 503);
    let pages: Vec<(Value, Value, Value)> = requests(&log, "stock.shipment.out")
        .iter()
        .map(|b| (b[0].clone(), b[1].clone(), b[2].clone()))
        .collect();
    assert_eq!(
        pages,
        [
            (json!([["state", "=", "done"]]), json!(0), json!(500)),
            (
                json!([["state", "=", "done"], ["id", ">", 500]]),
                json!(0),
                json!(500)
            )
        ],
        "no date bound without since; the second page starts after the first's last id \
         and is the last, being short"
    );
    let sale_batches: Vec<(usize, Value)> = requests(&log, "sale.sale")
        .iter()
        .map(|b| (wanted_ids(b).len(), b[2].clone()))
        .collect();
    assert_eq!(
        sale_batches,
        [
            (100, json!(100)),
            (100, json!(100)),
            (100, json!(100)),
            (100, json!(100)),
            (100, json!(100)),
            (3, json!(3))
        ]
    );
    assert!(requests(&log, "stock.move").is_empty(), "no moves to read");
    assert!(requests(&log, "sale.line").is_empty());
}

#[tokio::test]
async fn a_shipment_leaving_the_domain_while_paging_hides_no_other() {
    // Shipments 3 and 40 are read on the first page, then cancelled: offset paging would
    // skip shipments 501 and 502, which slide onto the first page, and the cursor would
    // pass them for good.
    let log: Log = Arc::default();
    let base = by_model(log, done_shipments(1_100, &[3, 40])).await;
    let found = test_client(&base)
        .shipments_done_since(None)
        .await
        .expect("shipments");
    let ids: Vec<i64> = found.iter().map(|s| s.id).collect();
    assert_eq!(ids, (1..=1_100).collect::<Vec<i64>>());
}

#[tokio::test]
async fn a_bad_since_is_refused_before_sending() {
    let log: Log = Arc::default();
    let base = by_model(log.clone(), |_, _| axum::Json(json!([])).into_response()).await;
    let client = test_client(&base);
    let err = client
        .shipments_done_since(Some("yesterday"))
        .await
        .expect_err("bad since");
    assert_eq!(err.status(), Some(0));
    let err = client
        .recent_carrier_services("2026-13-01")
        .await
        .expect_err("bad since");
    assert_eq!(err.status(), Some(0));
    assert!(log.lock().expect("log").is_empty());
}

#[tokio::test]
async fn recent_carrier_services_are_distinct_and_sorted() {
    let log: Log = Arc::default();
    let base = by_model(log.clone(), |_, _| {
        axum::Json(json!([
            {"id": 1, "carrier.rec_name": "Royal Mail", "carrier_service.name": "Tracked 24"},
            {"id": 2, "carrier.rec_name": "DPD", "carrier_service.name": false},
            {"id": 3, "carrier.rec_name": "Royal Mail ", "carrier_service.name": "Tracked 24"},
            {"id": 4, "carrier.rec_name": false, "carrier_service.name": "Next Day"},
            {"id": 5, "carrier.rec_name": "DPD", "carrier_service.name": "Next Day"}
        ]))
        .into_response()
    })
    .await;
    let pairs = test_client(&base)
        .recent_carrier_services("2026-10-27T00:00:00Z")
        .await
        .expect("pairs");
    assert_eq!(
        pairs,
        [
            ("DPD".to_owned(), None),
            ("DPD".to_owned(), Some("Next Day".to_owned())),
            ("Royal Mail".to_owned(), Some("Tracked 24".to_owned())),
        ]
    );
    let reads = requests(&log, "stock.shipment.out");
    assert_eq!(reads.len(), 1);
    assert_eq!(
        reads[0][0][0],
        json!(["state", "not in", ["cancel", "cancelled"]])
    );
    assert_eq!(
        reads[0][0][1][2]["iso_string"],
        "2026-10-27T00:00:00.000000"
    );
    assert_eq!(
        reads[0][4],
        json!(["id", "carrier.rec_name", "carrier_service.name"])
    );
}

#[test]
fn datetimes_plain_and_tagged() {
    let tagged = json!({"__class__": "datetime", "year": 2026, "month": 11, "day": 26,
                        "hour": 9, "minute": 5, "second": 0, "microsecond": 250,
                        "iso_string": "2026-11-26T09:05:00.000250"});
    assert_eq!(
        datetime_utc(&tagged).as_deref(),
        Some("2026-11-26T09:05:00.000250Z")
    );
    let parts_only = json!({"__class__": "datetime", "year": 2026, "month": 1, "day": 2,
                            "hour": 3, "minute": 4, "second": 5, "microsecond": 0});
    assert_eq!(
        datetime_utc(&parts_only).as_deref(),
        Some("2026-01-02T03:04:05Z")
    );
    let space_iso = json!({"__class__": "datetime", "iso_string": "2026-01-02 03:04:05"});
    assert_eq!(
        datetime_utc(&space_iso).as_deref(),
        Some("2026-01-02T03:04:05Z")
    );
    for (text, expected) in [
        ("2026-11-26T14:03:07Z", "2026-11-26T14:03:07Z"),
        ("2026-11-26T14:03:07.5+01:00", "2026-11-26T13:03:07.500Z"),
        ("2026-11-26 14:03:07", "2026-11-26T14:03:07Z"),
        ("2026-11-26T14:03:07.123456", "2026-11-26T14:03:07.123456Z"),
        ("2026-11-26 14:03:07+00:00", "2026-11-26T14:03:07Z"),
    ] {
        assert_eq!(
            datetime_utc(&json!(text)).as_deref(),
            Some(expected),
            "{text}"
        );
    }
    for bad in [
        json!(false),
        json!(null),
        json!(1764165787),
        json!("2026-11-26"),
        json!("soon"),
        json!({"__class__": "date", "iso_string": "2026-11-26"}),
        json!({"__class__": "datetime", "year": 2026, "month": 13, "day": 1}),
        json!({"iso_string": "2026-11-26T14:03:07"}),
    ] {
        assert_eq!(datetime_utc(&bad), None, "{bad}");
    }
}

#[test]
fn tagged_since_round_trips() {
    let tagged = tagged_since("2026-11-26T14:03:07.123456Z").expect("since");
    assert_eq!(tagged["iso_string"], "2026-11-26T14:03:07.123456");
    assert_eq!(tagged["microsecond"], 123_456);
    assert_eq!(
        datetime_utc(&tagged).as_deref(),
        Some("2026-11-26T14:03:07.123456Z")
    );
}

#[test]
fn move_origins() {
    assert_eq!(sale_line_origin(&json!("sale.line,42")), Some(42));
    assert_eq!(sale_line_origin(&json!("sale.line, 7")), Some(7));
    assert_eq!(sale_line_origin(&json!("stock.move,42")), None);
    assert_eq!(sale_line_origin(&json!("sale.line,x")), None);
    assert_eq!(
        sale_line_origin(&json!({"__class__": "Model", "model_name": "sale.line", "id": 9})),
        Some(9)
    );
    assert_eq!(sale_line_origin(&json!(null)), None);
}
