//! Which stored orders still wait for the connector and are planned again each cycle.

/// Where the connector has taken an order (the host's record of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStage {
    /// Seen, not decided yet (or not awaiting acceptance yet).
    New,
    /// Waiting for a person (blocking exception).
    Held,
    /// OR21 accepting every line is recorded.
    Accepted,
    /// OR21 refusing at least one line is recorded.
    Refused,
    /// The Fulfil sale exists.
    Created,
    /// Nothing more to do.
    Closed,
}

/// True when an order at `stage`, in Mirakl state `state`, still waits for the connector:
/// held for a person; awaiting acceptance but never decided (its planning could not finish);
/// or paid and not yet in Fulfil, however it was decided (here, in part, or on John Lewis by a
/// person).
pub fn still_waiting(stage: OrderStage, state: &str) -> bool {
    match stage {
        OrderStage::Held => true,
        OrderStage::New => matches!(state, "WAITING_ACCEPTANCE" | "SHIPPING"),
        OrderStage::Accepted | OrderStage::Refused => state == "SHIPPING",
        OrderStage::Created | OrderStage::Closed => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_wait_until_fulfil_has_them_or_nothing_is_left_to_do() {
        assert!(still_waiting(OrderStage::Held, "WAITING_ACCEPTANCE"));
        assert!(still_waiting(OrderStage::Held, "SHIPPING"));
        assert!(still_waiting(OrderStage::New, "WAITING_ACCEPTANCE"));
        assert!(still_waiting(OrderStage::New, "SHIPPING"));
        assert!(!still_waiting(OrderStage::New, "WAITING_DEBIT_PAYMENT"));
        assert!(!still_waiting(OrderStage::New, "CANCELED"));
        assert!(still_waiting(OrderStage::Accepted, "SHIPPING"));
        assert!(!still_waiting(OrderStage::Accepted, "WAITING_DEBIT"));
        assert!(still_waiting(OrderStage::Refused, "SHIPPING"));
        assert!(!still_waiting(OrderStage::Refused, "REFUSED"));
        assert!(!still_waiting(OrderStage::Created, "SHIPPING"));
        assert!(!still_waiting(OrderStage::Closed, "SHIPPING"));
    }
}
