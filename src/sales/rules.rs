//! The sales rules as plain functions: subsidy, the household rule, the refund window, receipt
//! numbers and the scheme's estimates of what a refurbished device would cost on the open market.

use chrono::{DateTime, Datelike, Utc};

use crate::devices::models::Category;

/// Subsidy is what the resident did not have to pay: estimated value minus price, never negative.
pub fn subsidy(market_value_pence: i32, price_pence: i32) -> i32 {
    (market_value_pence - price_pence).max(0)
}

/// `S-2026-000123`: sequential within the year of sale.
pub fn receipt_number(year: i32, n: i32) -> String {
    format!("S-{year}-{n:06}")
}

pub fn receipt_year(at: DateTime<Utc>) -> i32 {
    at.year()
}

/// Whether an earlier purchase still blocks a new one under the household rule.
pub fn blocks(previous_sale: DateTime<Utc>, now: DateTime<Utc>, months: u32) -> bool {
    months > 0 && previous_sale + chrono::Months::new(months) > now
}

/// Whether a sale made at `sold_at` can still be refunded at `now`.
pub fn refundable(sold_at: DateTime<Utc>, now: DateTime<Utc>, window_days: u32) -> bool {
    now <= sold_at + chrono::Days::new(u64::from(window_days))
}

/// The scheme's estimate of a refurbished device's open-market price, in pence, when the seller
/// gives none. Set from typical refurbished retail prices; adjust with `market_value_pence` on a
/// sale when the device is worth more or less.
pub fn default_market_value(category: Category) -> i32 {
    use Category::*;
    match category {
        Laptop | LaptopLarge => 20_000,
        LaptopSmall => 16_000,
        Desktop => 15_000,
        Tablet => 12_000,
        Phone => 10_000,
        Monitor | MonitorSmall | MonitorLarge => 5_000,
        Router => 3_000,
        Printer => 4_000,
        Accessory => 1_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().expect("valid date")
    }

    #[test]
    fn subsidy_is_value_less_price_and_never_negative() {
        assert_eq!(subsidy(20_000, 6_000), 14_000);
        assert_eq!(subsidy(5_000, 6_000), 0);
    }

    #[test]
    fn receipts_count_within_the_year() {
        assert_eq!(receipt_number(2026, 123), "S-2026-000123");
        assert_eq!(receipt_number(2027, 1_234_567), "S-2027-1234567");
    }

    #[test]
    fn the_household_rule_spans_twelve_months() {
        assert!(blocks(at(2026, 1, 31), at(2026, 12, 31), 12));
        assert!(!blocks(at(2025, 11, 24), at(2026, 11, 25), 12));
        assert!(!blocks(at(2026, 11, 1), at(2026, 11, 25), 0), "0 months switches the rule off");
    }

    #[test]
    fn refunds_within_thirty_days() {
        assert!(refundable(at(2026, 11, 1), at(2026, 12, 1), 30));
        assert!(!refundable(at(2026, 11, 1), at(2026, 12, 2), 30));
    }
}
