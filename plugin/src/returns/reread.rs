//! Whether a returns request whose outcome was unknown took effect, judged from the return
//! John Lewis shows when read again (RT11): RT21, RT25 and RT26. (OR28 refunds are found on
//! their lines: [`crate::common::mirakl_order::all_listed`].)

use serde_json::Value;

/// Return states from which the return has been received.
const RECEIVED_STATES: &[&str] = &["RECEIVED", "CLOSED"];

/// True when the RT11 `shown` return shows the RT21, RT25 or RT26 (`api`) `body` applied.
pub fn return_request_applied(api: &str, shown: &Value, body: &Value) -> bool {
    let Some(item) = body
        .get("returns")
        .and_then(Value::as_array)
        .and_then(|items| items.first())
    else {
        return false;
    };
    let state = shown
        .get("state")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if shown.get("id") != item.get("id") {
        return false;
    }
    match api {
        "RT21" => match item.get("accepted").and_then(Value::as_bool) {
            Some(true) => !matches!(state, "WAITING_ACCEPTANCE" | "REFUSED" | ""),
            Some(false) => state == "REFUSED",
            None => false,
        },
        "RT25" => RECEIVED_STATES.contains(&state),
        "RT26" => {
            let lines = shown.get("return_lines").and_then(Value::as_array);
            let inspected = |id: &Value| {
                lines.into_iter().flatten().any(|l| {
                    l.get("order_line_id") == Some(id)
                        && l.get("compliance")
                            .and_then(Value::as_array)
                            .is_some_and(|c| !c.is_empty())
                })
            };
            item.get("return_lines")
                .and_then(Value::as_array)
                .is_some_and(|asked| {
                    asked
                        .iter()
                        .filter_map(|l| l.get("order_line_id"))
                        .all(inspected)
                })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn return_requests_are_judged_from_the_return_state_and_lines() {
        let accept = json!({"returns": [{"id": "R-1", "accepted": true}]});
        let refuse = json!({"returns": [{"id": "R-1", "accepted": false}]});
        let shown = |state: &str| json!({"id": "R-1", "state": state, "return_lines": []});
        assert!(return_request_applied(
            "RT21",
            &shown("IN_PROGRESS"),
            &accept
        ));
        assert!(!return_request_applied(
            "RT21",
            &shown("WAITING_ACCEPTANCE"),
            &accept
        ));
        assert!(return_request_applied("RT21", &shown("REFUSED"), &refuse));
        assert!(!return_request_applied(
            "RT21",
            &shown("IN_PROGRESS"),
            &refuse
        ));
        let receive = json!({"returns": [{"id": "R-1"}]});
        assert!(return_request_applied("RT25", &shown("RECEIVED"), &receive));
        assert!(!return_request_applied(
            "RT25",
            &shown("IN_PROGRESS"),
            &receive
        ));
        let other = json!({"id": "R-2", "state": "RECEIVED"});
        assert!(!return_request_applied("RT25", &other, &receive));

        let comply = json!({"returns": [{"id": "R-1", "return_lines": [
            {"order_line_id": "L-1", "compliant": true}]}]});
        let inspected = json!({"id": "R-1", "state": "RECEIVED", "return_lines": [
            {"order_line_id": "L-1", "quantity": 1, "compliance": [{"compliant": true}]}]});
        assert!(return_request_applied("RT26", &inspected, &comply));
        assert!(!return_request_applied("RT26", &shown("RECEIVED"), &comply));
    }
}
