//! OR29 `PUT /api/orders/{order_id}/cancel`: cancels a whole order, no body, 204.
//!
//! Allowed only while the order's `can_cancel` is true and none of its lines has shipped
//! (`SHIPPED` or later); otherwise 400 (`ORDER_INVALID_STATE`), and 404 for an unknown order.
//! Every line still open (not `REFUSED` nor already `CANCELED`) gets a `cancelations[]` entry
//! for what is left of it (units, amount, shipping and taxes, no reason code: OR29 takes none)
//! and becomes `CANCELED`; the order becomes `CANCELED` with `can_cancel` false, stamped now.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::put;

use super::line_money::{self, SHIPPED_OR_LATER};
use super::{MiraklError, MiraklState, bad_request, error, now_string, touch};
use crate::sandbox::state::{Api, Ctx, handle};

/// OR29's routes.
pub(super) fn routes() -> Router<Ctx> {
    Router::new().route("/api/orders/{order_id}/cancel", put(cancel))
}

/// The OR29 handler.
async fn cancel(
    State(ctx): State<Ctx>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    handle(&ctx, Api::Mirakl, "OR29", &headers, |state| {
        match apply(&mut state.mirakl, &order_id) {
            Ok(()) => StatusCode::NO_CONTENT.into_response(),
            Err(error) => error.into_response(),
        }
    })
    .await
}

/// Cancels the order.
fn apply(mirakl: &mut MiraklState, order_id: &str) -> Result<(), MiraklError> {
    let Some(order) = mirakl.orders.get(order_id) else {
        return Err(error(
            StatusCode::NOT_FOUND,
            &format!("Order '{order_id}' not found"),
            Some("ORDER_NOT_FOUND"),
        ));
    };
    if order["can_cancel"] != true {
        return Err(bad_request(
            &format!("Order '{order_id}' cannot be canceled (can_cancel is false)"),
            "ORDER_INVALID_STATE",
        ));
    }
    let shipped = order["order_lines"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| {
            l["order_line_state"]
                .as_str()
                .is_some_and(|s| SHIPPED_OR_LATER.contains(&s))
        });
    if let Some(line) = shipped {
        return Err(bad_request(
            &format!(
                "Order '{order_id}' cannot be canceled: its line '{}' is {}",
                line["order_line_id"].as_str().unwrap_or_default(),
                line["order_line_state"].as_str().unwrap_or_default()
            ),
            "ORDER_INVALID_STATE",
        ));
    }
    cancel_open_lines(mirakl, order_id, None);
    Ok(())
}

/// Cancels what is left of every open line of `order_id` (with `reason_code`) and the order.
pub(super) fn cancel_open_lines(mirakl: &mut MiraklState, order_id: &str, reason: Option<&str>) {
    let now = now_string();
    let count = mirakl.orders[order_id]["order_lines"]
        .as_array()
        .map_or(0, Vec::len);
    for index in 0..count {
        let Some(line) = mirakl
            .orders
            .get(order_id)
            .map(|o| &o["order_lines"][index])
        else {
            return;
        };
        let state = line["order_line_state"].as_str().unwrap_or_default();
        if state == "REFUSED" || state == "CANCELED" {
            continue;
        }
        let open = line_money::line_total(line).quantity
            - line_money::taken(line, "cancelations").quantity;
        let portion = line_money::remaining_portion(line, open.max(0));
        let id = mirakl.money_ids.cancelation();
        if let Some(order) = mirakl.orders.get_mut(order_id) {
            let line = &mut order["order_lines"][index];
            line_money::record_cancelation(line, id, &portion, reason, &now);
            line["order_line_state"] = "CANCELED".into();
        }
    }
    if let Some(order) = mirakl.orders.get_mut(order_id) {
        if let Some(map) = order.as_object_mut() {
            map.insert("order_state".into(), "CANCELED".into());
            map.insert("can_cancel".into(), false.into());
            map.insert("can_shop_ship".into(), false.into());
        }
        touch(order, &now);
    }
}
