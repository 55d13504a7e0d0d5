//! An order line's money in minor units (price, shipping and each tax code), the share of it
//! that some of its units carry, and the OR28 refund / OR30 cancellation item that sends a
//! share to Mirakl. Shares are cumulative (`units(from, to)` is `share(to) - share(from)`), so
//! taking a line's units back over several returns or cancellations adds up to the line's
//! amounts to the penny.

use serde::Serialize;

use crate::common::error::PlanError;
use crate::common::json_writer::JsonNumber;
use crate::common::mirakl_order::{LineAdjustment, OrderLine, Tax};
use crate::common::money::{Decimal, div_round_half_even, minor_units};

/// Money of a line, or of part of it, in minor units.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineMoney {
    /// On the price (`price`, or a refund's `amount`).
    pub price: i64,
    /// On shipping.
    pub shipping: i64,
    /// Tax on the price, per Mirakl tax code, in the order's order.
    pub taxes: Vec<(String, i64)>,
    /// Tax on shipping, per Mirakl tax code.
    pub shipping_taxes: Vec<(String, i64)>,
}

fn tax_minor(taxes: &[Tax], exp: u32, what: &str) -> Result<Vec<(String, i64)>, PlanError> {
    let mut out: Vec<(String, i64)> = Vec::with_capacity(taxes.len());
    for tax in taxes {
        let minor = minor_units(tax.amount, exp, || format!("{what} tax {}", tax.code))?;
        match out.iter_mut().find(|(code, _)| *code == *tax.code) {
            Some((_, sum)) => *sum += minor,
            None => out.push((tax.code.to_string(), minor)),
        }
    }
    Ok(out)
}

fn amount_of(list: &[(String, i64)], code: &str) -> i64 {
    list.iter()
        .find(|(c, _)| c == code)
        .map_or(0, |(_, amount)| *amount)
}

impl LineMoney {
    /// What the customer paid for `line` (all its units).
    pub fn of_line(line: &OrderLine, exp: u32) -> Result<LineMoney, PlanError> {
        let lid = &*line.order_line_id;
        Ok(LineMoney {
            price: minor_units(line.price, exp, || format!("line {lid} price"))?,
            shipping: line
                .shipping_price
                .map(|s| minor_units(s, exp, || format!("line {lid} shipping_price")))
                .transpose()?
                .unwrap_or(0),
            taxes: tax_minor(&line.taxes, exp, &format!("line {lid}"))?,
            shipping_taxes: tax_minor(&line.shipping_taxes, exp, &format!("line {lid} shipping"))?,
        })
    }

    /// The sum of refunds or cancellations already on a line.
    pub fn of_adjustments(list: &[LineAdjustment], exp: u32) -> Result<LineMoney, PlanError> {
        let mut sum = LineMoney::default();
        for adjustment in list {
            let what = adjustment.id.as_deref().unwrap_or("without id");
            sum.price += minor_units(adjustment.amount, exp, || format!("refund {what} amount"))?;
            if let Some(shipping) = adjustment.shipping_amount {
                sum.shipping += minor_units(shipping, exp, || format!("refund {what} shipping"))?;
            }
            sum.add_taxes(tax_minor(&adjustment.taxes, exp, what)?, false);
            sum.add_taxes(tax_minor(&adjustment.shipping_taxes, exp, what)?, true);
        }
        Ok(sum)
    }

    fn add_taxes(&mut self, taxes: Vec<(String, i64)>, shipping: bool) {
        let into = if shipping {
            &mut self.shipping_taxes
        } else {
            &mut self.taxes
        };
        for (code, amount) in taxes {
            match into.iter_mut().find(|(c, _)| *c == code) {
                Some((_, sum)) => *sum += amount,
                None => into.push((code, amount)),
            }
        }
    }

    /// The share of this money that units `from + 1 ..= to` of `of` carry.
    pub fn units(&self, from: i64, to: i64, of: i64) -> LineMoney {
        let share = |minor: i64| -> i64 {
            let of = i128::from(of.max(1));
            let at = |k: i64| div_round_half_even(i128::from(minor) * i128::from(k), of);
            i64::try_from(at(to) - at(from)).unwrap_or(i64::MAX)
        };
        LineMoney {
            price: share(self.price),
            shipping: share(self.shipping),
            taxes: self
                .taxes
                .iter()
                .map(|(c, a)| (c.clone(), share(*a)))
                .collect(),
            shipping_taxes: self
                .shipping_taxes
                .iter()
                .map(|(c, a)| (c.clone(), share(*a)))
                .collect(),
        }
    }

    /// What is left of this money once `taken` is off it (never below zero): the last units'
    /// share, whatever earlier takes rounded to.
    pub fn less(&self, taken: &LineMoney) -> LineMoney {
        let left = |list: &[(String, i64)], taken: &[(String, i64)]| {
            list.iter()
                .map(|(code, a)| (code.clone(), (a - amount_of(taken, code)).max(0)))
                .collect()
        };
        LineMoney {
            price: (self.price - taken.price).max(0),
            shipping: (self.shipping - taken.shipping).max(0),
            taxes: left(&self.taxes, &taken.taxes),
            shipping_taxes: left(&self.shipping_taxes, &taken.shipping_taxes),
        }
    }

    /// This money without shipping.
    pub fn without_shipping(mut self) -> LineMoney {
        self.shipping = 0;
        self.shipping_taxes.iter_mut().for_each(|(_, a)| *a = 0);
        self
    }

    /// The total (price, shipping and taxes; with `tax_excluded` the price excludes tax).
    pub fn total(&self, tax_excluded: bool) -> i64 {
        let taxes: i64 = self
            .taxes
            .iter()
            .chain(&self.shipping_taxes)
            .map(|t| t.1)
            .sum();
        self.price + self.shipping + if tax_excluded { taxes } else { 0 }
    }

    /// Where taking `self` off a line that was `paid` and already had `taken` off would take
    /// more than was paid: one phrase per part, amounts formatted with `exp` decimals.
    pub fn exceeding(&self, paid: &LineMoney, taken: &LineMoney, exp: u32) -> Vec<String> {
        let money = |m: i64| Decimal::of_minor(m, exp).to_string();
        let mut over = Vec::new();
        let mut check = |what: String, asked: i64, paid: i64, taken: i64| {
            if asked > 0 && asked + taken > paid {
                over.push(format!(
                    "{what} {} but {} was paid and {} already refunded or cancelled",
                    money(asked),
                    money(paid),
                    money(taken)
                ));
            }
        };
        check("price".into(), self.price, paid.price, taken.price);
        check(
            "shipping".into(),
            self.shipping,
            paid.shipping,
            taken.shipping,
        );
        for (code, asked) in &self.taxes {
            let (p, t) = (amount_of(&paid.taxes, code), amount_of(&taken.taxes, code));
            check(format!("tax {code}"), *asked, p, t);
        }
        for (code, asked) in &self.shipping_taxes {
            let (p, t) = (
                amount_of(&paid.shipping_taxes, code),
                amount_of(&taken.shipping_taxes, code),
            );
            check(format!("shipping tax {code}"), *asked, p, t);
        }
        over
    }
}

/// A tax amount in a Mirakl refund or cancellation.
#[derive(Debug, Serialize)]
pub struct TaxAmount {
    /// Mirakl tax code.
    pub code: String,
    /// Amount, a JSON number.
    pub amount: JsonNumber,
}

/// One item of an OR28 `refunds[]` or OR30 `cancelations[]` body.
#[derive(Debug, Serialize)]
pub struct AdjustmentItem {
    /// Order line id.
    pub order_line_id: String,
    /// Units (informative on OR28).
    pub quantity: i64,
    /// Amount off the price.
    pub amount: JsonNumber,
    /// Amount off shipping.
    pub shipping_amount: JsonNumber,
    /// Mirakl reason code (RE01).
    pub reason_code: String,
    /// Order currency.
    pub currency_iso_code: String,
    /// Tax off the price, per code (required when the order has taxes).
    pub taxes: Vec<TaxAmount>,
    /// Tax off shipping, per code.
    pub shipping_taxes: Vec<TaxAmount>,
}

impl AdjustmentItem {
    /// The item taking `money` (for `quantity` units) off line `line_id`.
    pub fn new(
        line_id: &str,
        quantity: i64,
        money: &LineMoney,
        reason_code: &str,
        currency: &str,
        exp: u32,
    ) -> AdjustmentItem {
        let number = |m: i64| JsonNumber(Decimal::of_minor(m, exp));
        let taxes = |list: &[(String, i64)]| {
            list.iter()
                .map(|(code, amount)| TaxAmount {
                    code: code.clone(),
                    amount: number(*amount),
                })
                .collect()
        };
        AdjustmentItem {
            order_line_id: line_id.to_string(),
            quantity,
            amount: number(money.price),
            shipping_amount: number(money.shipping),
            reason_code: reason_code.to_string(),
            currency_iso_code: currency.to_string(),
            taxes: taxes(&money.taxes),
            shipping_taxes: taxes(&money.shipping_taxes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(price: i64, shipping: i64, tax: i64) -> LineMoney {
        LineMoney {
            price,
            shipping,
            taxes: vec![("GB-VAT".into(), tax)],
            shipping_taxes: vec![("GB-VAT".into(), shipping / 6)],
        }
    }

    #[test]
    fn unit_shares_add_up_to_the_line_over_several_takes() {
        // 3 units for 10.00 (1.67 VAT): 3.33 + 3.34 + 3.33 and 0.56 + 0.55 + 0.56.
        let line = money(1000, 0, 167);
        let parts: Vec<LineMoney> = [(0, 1), (1, 2), (2, 3)]
            .iter()
            .map(|&(from, to)| line.units(from, to, 3))
            .collect();
        assert_eq!(
            parts.iter().map(|p| p.price).collect::<Vec<_>>(),
            [333, 334, 333]
        );
        assert_eq!(parts.iter().map(|p| p.taxes[0].1).sum::<i64>(), 167);
        assert_eq!(line.units(0, 3, 3), line);
    }

    #[test]
    fn exceeding_names_each_part_taken_twice() {
        let paid = money(2400, 600, 400);
        let taken = money(1200, 0, 200);
        let asked = money(1300, 0, 200);
        let over = asked.exceeding(&paid, &taken, 2);
        assert_eq!(
            over,
            ["price 13.00 but 24.00 was paid and 12.00 already refunded or cancelled"]
        );
        assert!(money(1200, 600, 200).exceeding(&paid, &taken, 2).is_empty());
    }

    #[test]
    fn items_carry_amounts_as_json_numbers_with_their_digits() {
        let item = AdjustmentItem::new("L-1", 1, &money(1250, 600, 208), "15", "GBP", 2);
        assert_eq!(
            serde_json::to_string(&item).unwrap(),
            r#"{"order_line_id":"L-1","quantity":1,"amount":12.50,"shipping_amount":6.00,"reason_code":"15","currency_iso_code":"GBP","taxes":[{"code":"GB-VAT","amount":2.08}],"shipping_taxes":[{"code":"GB-VAT","amount":1.00}]}"#
        );
    }
}
