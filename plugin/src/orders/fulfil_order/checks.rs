//! Warnings about a Fulfil sale that is built anyway: taxes Fulfil may not know
//! (`tax_unmapped`) and Mirakl totals that differ from the sum of the parts
//! (`order_total_mismatch`).

use crate::common::exception::{Exception, Severity, Team};
use crate::common::money::format_minor;
use crate::orders::inputs::OrderPolicy;

/// The taxes of an order that need finance's attention, in order of appearance.
#[derive(Default)]
pub struct TaxUse {
    /// Mirakl tax codes `[orders] tax_names` does not map.
    unmapped: Vec<String>,
    /// (tax code, order line id) of taxes Mirakl sent without a rate.
    rateless: Vec<(String, String)>,
}

impl TaxUse {
    /// Notes one tax of `line`.
    pub fn note(&mut self, policy: &OrderPolicy, code: &str, has_rate: bool, line: &str) {
        if policy.mapped_tax_name(code).is_none() && !self.unmapped.iter().any(|c| c == code) {
            self.unmapped.push(code.to_string());
        }
        if !has_rate && !self.rateless.iter().any(|(c, l)| c == code && l == line) {
            self.rateless.push((code.to_string(), line.to_string()));
        }
    }

    /// The `tax_unmapped` warning, when a tax has no Fulfil name or no rate.
    pub fn exception(&self, oid: &str) -> Option<Exception> {
        let mut message = format!("Order {oid}:");
        if !self.unmapped.is_empty() {
            let codes: Vec<String> = self.unmapped.iter().map(|c| format!("{c:?}")).collect();
            let example = &self.unmapped[0];
            message.push_str(&format!(
                " the Mirakl tax code {} has no Fulfil tax name in [orders] tax_names, so Fulfil receives the code as the tax name and may not match it to one of its taxes. Add it, e.g. {example:?} = \"<Fulfil tax name>\" under [orders.tax_names], or set [orders] tax_pass_through = true if Fulfil's taxes are named like the Mirakl codes.",
                codes.join(", ")
            ));
        }
        if !self.rateless.is_empty() {
            let taxes: Vec<String> = self
                .rateless
                .iter()
                .map(|(code, line)| format!("{code:?} on line {line}"))
                .collect();
            message.push_str(&format!(
                " John Lewis sent the tax {} without a rate, so its Fulfil tax line has none; check the rate of that tax in Fulfil (or set [orders] tax_pass_through = true if this is expected).",
                taxes.join(", ")
            ));
        }
        (!self.unmapped.is_empty() || !self.rateless.is_empty()).then(|| {
            Exception::new(
                "tax_unmapped",
                Team::Finance,
                Severity::Warning,
                oid,
                message,
            )
        })
    }
}

/// The totals of one order, in minor units.
pub struct Figures<'a> {
    /// The sum of the lines' `total_price` (plus their taxes when prices exclude tax); `None`
    /// when a line has none.
    pub lines: Option<i64>,
    /// The order's `total_price` (plus taxes when prices exclude tax), when given.
    pub order: Option<i64>,
    /// Prices, shipping and taxes added up: what Fulfil receives.
    pub parts: i64,
    /// Decimals of the currency.
    pub exp: u32,
    /// ISO 4217 currency.
    pub currency: &'a str,
}

/// `order_total_mismatch` when the lines' total or the order's total differs from the parts;
/// the message gives each figure under its own name.
pub fn total_mismatch(oid: &str, f: &Figures) -> Option<Exception> {
    let differs = |t: Option<i64>| t.is_some_and(|t| t != f.parts);
    if !differs(f.lines) && !differs(f.order) {
        return None;
    }
    let money = |minor: i64| format!("{} {}", format_minor(minor, f.exp), f.currency);
    let mut figures = Vec::new();
    if let Some(lines) = f.lines {
        figures.push(format!(
            "the sum of its lines' total_price is {}",
            money(lines)
        ));
    }
    if let Some(order) = f.order {
        figures.push(format!("the order's total_price is {}", money(order)));
    }
    Some(Exception::new(
        "order_total_mismatch",
        Team::Finance,
        Severity::Warning,
        oid,
        format!(
            "Order {oid}: {} (taxes included), but its prices, shipping and taxes add up to {}, which is what Fulfil receives. Check the order's fees, order-level shipping and promotions on John Lewis.",
            figures.join(" and "),
            money(f.parts)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(lines: Option<i64>, order: Option<i64>) -> Figures<'static> {
        Figures {
            lines,
            order,
            parts: 4995,
            exp: 2,
            currency: "GBP",
        }
    }

    #[test]
    fn names_each_total_by_what_it_is() {
        assert!(total_mismatch("O", &figures(Some(4995), Some(4995))).is_none());
        assert!(total_mismatch("O", &figures(None, None)).is_none());
        let e = total_mismatch("O", &figures(Some(4995), Some(4495))).expect("warning");
        assert!(
            e.message
                .contains("the sum of its lines' total_price is 49.95 GBP")
                && e.message.contains("the order's total_price is 44.95 GBP")
                && e.message.contains("add up to 49.95 GBP"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("John Lewis' total"), "{}", e.message);
    }

    #[test]
    fn unmapped_and_rateless_taxes_name_the_code_and_the_key() {
        let policy = OrderPolicy {
            tax_names: vec![("GB-VAT-STANDARD".into(), "UK Standard VAT".into())],
            ..OrderPolicy::default()
        };
        let mut taxes = TaxUse::default();
        taxes.note(&policy, "GB-VAT-STANDARD", true, "L-1");
        assert!(taxes.exception("O").is_none(), "mapped, with a rate");
        taxes.note(&policy, "GB-VAT-REDUCED", false, "L-2");
        taxes.note(&policy, "GB-VAT-REDUCED", false, "L-2");
        let e = taxes.exception("O").expect("warning");
        assert_eq!((e.code.as_str(), e.team), ("tax_unmapped", Team::Finance));
        assert!(e.message.contains("\"GB-VAT-REDUCED\""), "{}", e.message);
        assert!(e.message.contains("[orders.tax_names]"), "{}", e.message);
        assert!(e.message.contains("tax_pass_through"), "{}", e.message);
        assert!(
            e.message.contains("on line L-2 without a rate"),
            "{}",
            e.message
        );
        assert_eq!(e.message.matches("L-2").count(), 1, "{}", e.message);
    }
}
