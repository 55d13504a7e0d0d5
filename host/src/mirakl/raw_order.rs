//! [`RawOrder`]: one OR11 order object kept as the exact text Mirakl sent, with the few
//! fields the host routes on read once (the host's only parse of it). The component is handed
//! the text unchanged, and the store keeps it byte for byte.

use serde::Deserialize;
use serde_json::Value;

/// One OR11 order object, as sent.
#[derive(Debug)]
pub struct RawOrder {
    text: String,
    head: Head,
}

/// The fields the host routes on, read leniently: a field of an unexpected type is absent,
/// and an order that is not an object has none (the component reports what is wrong).
#[derive(Debug, Default)]
struct Head {
    order_id: Option<String>,
    commercial_id: Option<String>,
    order_state: Option<String>,
    last_updated_date: Option<String>,
    offer_skus: Vec<String>,
}

/// The wire shape of [`Head`], any JSON value per field.
#[derive(Deserialize)]
struct WireHead {
    #[serde(default)]
    order_id: Option<Value>,
    #[serde(default)]
    commercial_id: Option<Value>,
    #[serde(default)]
    order_state: Option<Value>,
    #[serde(default)]
    last_updated_date: Option<Value>,
    #[serde(default)]
    order_lines: Option<Value>,
}

impl RawOrder {
    /// Reads the routing fields of `text`; text that is not a JSON object has none.
    pub fn new(text: String) -> RawOrder {
        let head = serde_json::from_str::<WireHead>(&text)
            .map(|w| Head {
                // Mirakl ids are strings; a numeric one is kept as its digits.
                order_id: w.order_id.and_then(|v| match v {
                    Value::String(s) => Some(s),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }),
                commercial_id: text_of(w.commercial_id),
                order_state: text_of(w.order_state),
                last_updated_date: text_of(w.last_updated_date),
                offer_skus: match w.order_lines {
                    Some(Value::Array(lines)) => lines
                        .into_iter()
                        .filter_map(|mut l| text_of(l.get_mut("offer_sku").map(Value::take)))
                        .collect(),
                    _ => Vec::new(),
                },
            })
            .unwrap_or_default();
        RawOrder { text, head }
    }

    /// The order object's JSON text exactly as Mirakl sent it.
    pub fn json(&self) -> &str {
        &self.text
    }

    /// Mirakl `order_id`, if the order has one.
    pub fn id(&self) -> Option<&str> {
        self.head.order_id.as_deref()
    }

    /// Mirakl `commercial_id` (the customer's order number), if given.
    pub fn commercial_id(&self) -> Option<&str> {
        self.head.commercial_id.as_deref()
    }

    /// Mirakl `order_state`, if given.
    pub fn state(&self) -> Option<&str> {
        self.head.order_state.as_deref()
    }

    /// Mirakl `last_updated_date`, if given.
    pub fn last_updated(&self) -> Option<&str> {
        self.head.last_updated_date.as_deref()
    }

    /// The `offer_sku` of each order line, in order (lines without one skipped).
    pub fn offer_skus(&self) -> &[String] {
        &self.head.offer_skus
    }
}

/// The text of a JSON string value.
fn text_of(value: Option<Value>) -> Option<String> {
    match value {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawOrder {
        RawOrder::new(text.to_string())
    }

    #[test]
    fn keeps_the_text_and_reads_the_head() {
        let text = r#"{"order_state":"SHIPPING", "order_id":"JL-1","commercial_id":"C1","last_updated_date":"2026-11-27T10:00:00Z","x":[1.50],"order_lines":[{"offer_sku":"A"},{"price":1},{"offer_sku":"B"}]}"#;
        let order = raw(text);
        assert_eq!(order.json(), text, "byte for byte");
        assert_eq!(order.id(), Some("JL-1"));
        assert_eq!(order.commercial_id(), Some("C1"));
        assert_eq!(order.state(), Some("SHIPPING"));
        assert_eq!(order.last_updated(), Some("2026-11-27T10:00:00Z"));
        assert_eq!(order.offer_skus(), ["A", "B"]);
    }

    #[test]
    fn odd_shapes_lose_nothing() {
        assert_eq!(raw(r#"{"order_id": 42}"#).id(), Some("42"));
        let odd = raw(r#"{"order_id": ["A"], "order_state": 3}"#);
        assert_eq!((odd.id(), odd.state()), (None, None));
        let not_object = raw(r#""JL-1""#);
        assert_eq!(not_object.id(), None);
        assert_eq!(not_object.json(), r#""JL-1""#);
        let odd_lines = raw(r#"{"order_id": "JL-1", "order_lines": ["x", {"offer_sku": 1}]}"#);
        assert_eq!(
            (odd_lines.id(), odd_lines.offer_skus().len()),
            (Some("JL-1"), 0)
        );
        let broken = raw(r#"{"order_id": "JL-1", "order_lines": "#);
        assert_eq!((broken.id(), broken.offer_skus().len()), (None, 0));
    }
}
