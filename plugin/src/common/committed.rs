//! Stock John Lewis holds for orders Fulfil does not have yet.
//!
//! When a customer orders, John Lewis takes the units off the offer at once; Fulfil's
//! availability shows them only once the sale is created there, after acceptance and payment.
//! Until then those units must be neither published again nor promised to another order. The
//! orders flow works out what each order holds (`orders::commitments`); both the order and the
//! stock plans take the sum off what Fulfil shows.

use std::collections::BTreeMap;

/// Units of one offer SKU held on John Lewis.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Committed {
    /// Offer SKU.
    pub sku: String,
    /// Units held.
    pub quantity: i64,
}

/// Units held per offer SKU, as the plans take them off what Fulfil shows.
#[derive(Debug, Default)]
pub struct Held<'a>(BTreeMap<&'a str, i64>);

impl<'a> Held<'a> {
    /// The sum of `committed` per SKU (a SKU may appear more than once).
    pub fn new(committed: &'a [Committed]) -> Held<'a> {
        let mut held = BTreeMap::new();
        for c in committed {
            let units: &mut i64 = held.entry(c.sku.as_str()).or_insert(0);
            *units = units.saturating_add(c.quantity);
        }
        Held(held)
    }

    /// Units held for `sku`.
    pub fn of(&self, sku: &str) -> i64 {
        self.0.get(sku).copied().unwrap_or(0)
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed(sku: &str, quantity: i64) -> Committed {
        Committed {
            sku: sku.into(),
            quantity,
        }
    }

    #[test]
    fn held_sums_the_units_per_sku() {
        let holds = [
            committed("MUG", 2),
            committed("LAMP", 1),
            committed("MUG", 3),
        ];
        let held = Held::new(&holds);
        assert_eq!(
            (held.of("MUG"), held.of("LAMP"), held.of("VASE")),
            (5, 1, 0)
        );
        assert!(Held::new(&[]).is_empty());
    }
}
