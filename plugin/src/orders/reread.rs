//! Whether an OR21 decision whose outcome was unknown took effect, judged from the order as
//! John Lewis shows it when read again.

use serde_json::Value;

/// True when every line of the OR21 `body` is, on the OR11 `order`, in a state that shows the
/// decision applied: a refused line `REFUSED`; an accepted line neither awaiting acceptance nor
/// refused. An order no longer awaiting acceptance is not enough (a person may have decided
/// it differently). False when either cannot be read or the body decides no line.
pub fn decision_applied(order: &Value, body: &Value) -> bool {
    let decision: Vec<(&str, bool)> = body
        .get("order_lines")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|l| Some((l.get("id")?.as_str()?, l.get("accepted")?.as_bool()?)))
        .collect();
    let lines = order
        .get("order_lines")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let state_of = |id: &str| {
        lines
            .iter()
            .find(|l| l.get("order_line_id").and_then(Value::as_str) == Some(id))
            .and_then(|l| l.get("order_line_state").and_then(Value::as_str))
    };
    !decision.is_empty()
        && decision
            .iter()
            .all(|&(id, accepted)| match (state_of(id), accepted) {
                (None | Some("WAITING_ACCEPTANCE"), _) => false,
                (Some(state), true) => state != "REFUSED",
                (Some(state), false) => state == "REFUSED",
            })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order(states: &[(&str, &str)]) -> Value {
        let lines: Vec<Value> = states
            .iter()
            .map(|(id, state)| json!({"order_line_id": id, "order_line_state": state}))
            .collect();
        json!({"order_id": "JL-1", "order_lines": lines})
    }

    fn decision(lines: &[(&str, bool)]) -> Value {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(id, accepted)| json!({"id": id, "accepted": accepted}))
            .collect();
        json!({ "order_lines": lines })
    }

    #[test]
    fn applied_only_when_every_line_shows_its_decision() {
        let body = decision(&[("JL-1-1", true), ("JL-1-2", false)]);
        assert!(decision_applied(
            &order(&[("JL-1-1", "SHIPPING"), ("JL-1-2", "REFUSED")]),
            &body
        ));
        // Still waiting: the call did not arrive.
        assert!(!decision_applied(
            &order(&[
                ("JL-1-1", "WAITING_ACCEPTANCE"),
                ("JL-1-2", "WAITING_ACCEPTANCE")
            ]),
            &body
        ));
        // A person accepted the line we refused: not our decision.
        assert!(!decision_applied(
            &order(&[("JL-1-1", "SHIPPING"), ("JL-1-2", "SHIPPING")]),
            &body
        ));
        // The accepted line was refused (by a person, or by the deadline).
        assert!(!decision_applied(
            &order(&[("JL-1-1", "REFUSED"), ("JL-1-2", "REFUSED")]),
            &body
        ));
        // A line missing from the order, an empty or unreadable decision.
        assert!(!decision_applied(&order(&[("JL-1-1", "SHIPPING")]), &body));
        assert!(!decision_applied(
            &order(&[("JL-1-1", "SHIPPING")]),
            &decision(&[])
        ));
        assert!(!decision_applied(&order(&[]), &Value::Null));
    }
}
