//! `PUT /api/v2/model/sale.channel/create_order` with body `[channel_id, order]`.
//!
//! Idempotent on the order's `channel_identifier`: a repeat returns the existing sale record
//! and creates nothing. A new order is validated (see `order_check`) and stored as a confirmed
//! sale; a return sale (every line negative) is also checked against its origin sale (see
//! `return_sale`) and gets a `waiting` return shipment (see `returns`).

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{FulfilState, UserError, models, order_check, return_sale, tagged};
use crate::sandbox::state::SandboxState;

/// Handles one `create_order` call (under the state lock).
pub(super) fn create_order(state: &mut SandboxState, body: &[u8]) -> Response {
    match run(state, body) {
        Ok(record) => axum::Json(record).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Validates, deduplicates and creates; returns the sale record as answered.
fn run(state: &mut SandboxState, body: &[u8]) -> Result<Value, UserError> {
    let args: Value = serde_json::from_slice(body)
        .map_err(|e| UserError::new("invalid_json", format!("Invalid JSON body: {e}"), "body"))?;
    let [channel, order] = args.as_array().map(Vec::as_slice).unwrap_or_default() else {
        return Err(UserError::new(
            "invalid_arguments",
            "create_order expects the arguments [channel_id, order]",
            "body",
        ));
    };
    let channel_id = channel.as_i64().ok_or_else(|| {
        UserError::new(
            "invalid_arguments",
            "The channel id must be an integer",
            "channel",
        )
    })?;
    if channel_id != state.fulfil.channel_id {
        return Err(UserError::new(
            "unknown_channel",
            format!("Sale channel {channel_id} does not exist"),
            "channel",
        ));
    }
    let Some(identifier) = order
        .get("channel_identifier")
        .and_then(Value::as_str)
        .filter(|i| !i.trim().is_empty())
    else {
        return Err(UserError::new(
            "missing_field",
            "Missing required field 'channel_identifier'",
            "channel_identifier",
        ));
    };
    *state
        .stats
        .create_order_calls
        .entry(identifier.to_string())
        .or_insert(0) += 1;
    if let Some(existing) = existing_sale(&state.fulfil, identifier) {
        return Ok(answer(existing));
    }
    let checked = order_check::check(order, &state.fulfil.products)?;
    if checked.is_return {
        return_sale::check(&state.fulfil, order)?;
    }
    let now = chrono::Utc::now();
    let record = state.fulfil.insert_sale(order, &checked, now).clone();
    if checked.is_return
        && let Some(id) = record["id"].as_i64()
    {
        state.fulfil.create_return_shipment(id, now);
    }
    Ok(answer(&record))
}

/// The sale already created for `identifier`, if any.
fn existing_sale<'a>(fulfil: &'a FulfilState, identifier: &str) -> Option<&'a Value> {
    fulfil
        .sales
        .values()
        .find(|sale| sale.get("channel_identifier").and_then(Value::as_str) == Some(identifier))
}

/// The record as answered: the stored one without the submitted order.
fn answer(record: &Value) -> Value {
    let mut shown = record.clone();
    if let Some(map) = shown.as_object_mut() {
        map.remove("order");
    }
    shown
}

impl FulfilState {
    /// Stores a confirmed sale for a validated `order`, and a `sale.line` record per line
    /// (`channel_identifier` as sent); returns the stored sale (written at `now`).
    fn insert_sale(
        &mut self,
        order: &Value,
        checked: &order_check::Checked,
        now: chrono::DateTime<chrono::Utc>,
    ) -> &Value {
        let id = self.next_sale_id;
        self.next_sale_id += 1;
        let order_lines: &[Value] = order
            .get("sale_lines")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        let mut lines = Vec::with_capacity(checked.lines);
        for line in order_lines.iter().take(checked.lines) {
            let line_id = self.next_line_id;
            self.next_line_id += 1;
            let record = models::sale_line_record(self, line_id, id, line);
            self.sale_lines.insert(line_id, record);
            lines.push(line_id);
        }
        let record = json!({
            "id": id,
            "channel": self.channel_id,
            "channel_identifier": order.get("channel_identifier"),
            "reference": order.get("reference"),
            "state": "confirmed",
            "total_amount": checked.total.to_string_min_scale(2),
            "currency_code": order.get("currency_code"),
            "lines": lines,
            "origin": order.get("origin").cloned().unwrap_or(Value::Null),
            "create_date": tagged::datetime(now),
            "write_date": tagged::datetime(now),
            "order": order,
        });
        self.sales.entry(id).or_insert(record)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::sandbox::Sandbox;
    use crate::sandbox::test_support::{fulfil_client, fulfil_order, start};

    async fn create(sandbox: &Sandbox, body: &Value) -> (u16, Value) {
        let response = fulfil_client(sandbox)
            .put(format!(
                "{}/api/v2/model/sale.channel/create_order",
                sandbox.fulfil_url
            ))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn creates_a_confirmed_sale() {
        let sandbox = start().await;
        let (status, record) = create(&sandbox, &json!([1, fulfil_order("O-1")])).await;
        assert_eq!(status, 200, "{record}");
        assert_eq!(record["channel_identifier"], "O-1");
        assert_eq!(record["reference"], "O-1");
        assert_eq!(record["state"], "confirmed");
        assert_eq!(record["total_amount"], "84.52");
        assert_eq!(record["currency_code"], "GBP");
        assert_eq!(record["lines"].as_array().unwrap().len(), 2);
        assert!(record.get("order").is_none());
        let sales = sandbox.sales();
        assert_eq!(sales.len(), 1);
        assert_eq!(sales[0]["order"], fulfil_order("O-1"));
        assert_eq!(sales[0]["id"], record["id"]);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn a_repeat_returns_the_same_sale_and_creates_nothing() {
        let sandbox = start().await;
        let body = json!([1, fulfil_order("O-1")]);
        let (_, first) = create(&sandbox, &body).await;
        let (status, second) = create(&sandbox, &body).await;
        assert_eq!(status, 200);
        assert_eq!(first, second);
        let (_, other) = create(&sandbox, &json!([1, fulfil_order("O-2")])).await;
        assert_ne!(other["id"], first["id"]);
        assert_eq!(sandbox.sales().len(), 2);
        let stats = sandbox.stats();
        assert_eq!(stats.create_order_calls["O-1"], 2);
        assert_eq!(stats.create_order_calls["O-2"], 1);
        assert_eq!(stats.requests["create_order"], 3);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn rejections_are_user_errors_and_create_nothing() {
        let sandbox = start().await;
        let mut unknown_field = fulfil_order("O-1");
        unknown_field["sale_lines"][0]["discount"] = json!("1.00");
        let mut float_amount = fulfil_order("O-1");
        float_amount["amount"] = json!(84.52);
        let mut mismatch = fulfil_order("O-1");
        mismatch["amount"] = json!("80.00");
        let cases = [
            (json!([1, unknown_field]), "unknown_field"),
            (json!([1, float_amount]), "invalid_value"),
            (json!([1, mismatch]), "total_mismatch"),
            (json!([2, fulfil_order("O-1")]), "unknown_channel"),
            (json!([1]), "invalid_arguments"),
            (json!({"channel": 1}), "invalid_arguments"),
            (json!([1, {"reference": "x"}]), "missing_field"),
        ];
        for (body, code) in cases {
            let (status, error) = create(&sandbox, &body).await;
            assert_eq!(status, 400, "{body}");
            assert_eq!(error["type"], "UserError");
            assert_eq!(error["code"], code, "{error}");
            assert!(error["message"].is_string());
        }
        let response = fulfil_client(&sandbox)
            .put(format!(
                "{}/api/v2/model/sale.channel/create_order",
                sandbox.fulfil_url
            ))
            .body("[1, {")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert!(sandbox.sales().is_empty());
        assert_eq!(sandbox.stats().rejected, 8);
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn a_hung_create_order_was_applied_and_its_retry_is_idempotent() {
        let sandbox = start().await;
        sandbox.set_faults(crate::sandbox::Faults {
            hang_after_apply: vec!["create_order".into()],
            ..crate::sandbox::Faults::default()
        });
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_millis(200))
            .build()
            .unwrap();
        let url = format!(
            "{}/api/v2/model/sale.channel/create_order",
            sandbox.fulfil_url
        );
        let body = json!([1, fulfil_order("O-1")]);
        let error = client
            .put(&url)
            .header("X-API-KEY", "sandbox-fulfil-key")
            .json(&body)
            .send()
            .await
            .unwrap_err();
        assert!(error.is_timeout());
        assert_eq!(sandbox.sales().len(), 1);
        let response = client
            .put(&url)
            .header("X-API-KEY", "sandbox-fulfil-key")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(sandbox.sales().len(), 1);
        sandbox.shutdown().await;
    }
}
