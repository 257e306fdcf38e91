//! The sales rules as plain functions: what a sale must hold, where a device set aside for a pop-up
//! may be sold, subsidy, the household rule, the refund window, receipt numbers and the scheme's
//! estimates of what a refurbished device would cost on the open market.

use chrono::{DateTime, Datelike, Utc};

use crate::devices::models::Category;
use crate::http::{FieldError, Problems};
use crate::ids::SessionId;
use crate::sales::models::{NewSale, PaymentMethod, SaleRow};

/// Why a sale or a refund is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// Only an admin may sell despite the household rule.
    OverrideNeedsAdmin,
    /// The resident bought a device too recently.
    HouseholdRule {
        receipt_number: String,
        sold_at: DateTime<Utc>,
        months: u32,
    },
    /// The pop-up session named is closed.
    SessionClosed,
    /// The device is not set aside for the session named.
    NotSetAsideForSession,
    /// The device is set aside for a session, and no session was named.
    SetAsideForSession,
    /// The device has no verified wipe on record.
    WipeRequired,
    AlreadyRefunded,
    /// Past the refund window.
    TooLateToRefund {
        window_days: u32,
        sold_at: DateTime<Utc>,
    },
}

pub fn check_sale(input: &NewSale) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    let in_range = |v: Option<i32>| v.is_none_or(|p| (0..=10_000_000).contains(&p));
    problems.check(in_range(input.price_pence), "price_pence", "must be from 0 to 10000000 pence");
    problems.check(in_range(input.market_value_pence), "market_value_pence", "must be from 0 to 10000000 pence");
    if input.payment_method == PaymentMethod::Free {
        problems.check(input.price_pence.unwrap_or(0) == 0, "price_pence", "a free device has a price of 0");
    }
    if let Some(reason) = &input.override_reason {
        problems.length("override_reason", reason, 1, 500);
    }
    problems.into_errors()
}

/// A device set aside for a pop-up is sold at that pop-up, and only there.
pub fn session_fits(named: Option<(SessionId, bool)>, set_aside_for: Option<SessionId>) -> Result<(), Refusal> {
    match named {
        Some((_, true)) => Err(Refusal::SessionClosed),
        Some((session, false)) if set_aside_for != Some(session) => Err(Refusal::NotSetAsideForSession),
        Some(_) => Ok(()),
        None if set_aside_for.is_some() => Err(Refusal::SetAsideForSession),
        None => Ok(()),
    }
}

/// Whether the sale goes ahead under the household rule: `Ok(true)` when it does only because an
/// admin overrode the rule with a reason.
pub fn household_rule(
    last_kept: Option<&SaleRow>,
    now: DateTime<Utc>,
    months: u32,
    overriding: bool,
) -> Result<bool, Refusal> {
    match last_kept {
        Some(last) if blocks(last.sold_at, now, months) => {
            if overriding {
                Ok(true)
            } else {
                Err(Refusal::HouseholdRule {
                    receipt_number: last.receipt_number.clone(),
                    sold_at: last.sold_at,
                    months,
                })
            }
        }
        _ => Ok(false),
    }
}

/// The price asked: as given, else nothing for a free device, else the scheme's price.
pub fn price(input: &NewSale, scheme_price_pence: i32) -> i32 {
    input.price_pence.unwrap_or(if input.payment_method == PaymentMethod::Free { 0 } else { scheme_price_pence })
}

/// A sale may be refunded once, within the window.
pub fn may_refund(sale: &SaleRow, now: DateTime<Utc>, window_days: u32) -> Result<(), Refusal> {
    if sale.refunded_at.is_some() {
        return Err(Refusal::AlreadyRefunded);
    }
    if !refundable(sale.sold_at, now, window_days) {
        return Err(Refusal::TooLateToRefund { window_days, sold_at: sale.sold_at });
    }
    Ok(())
}

/// Subsidy is what the resident did not have to pay: estimated value minus price, never negative.
pub fn subsidy(market_value_pence: i32, price_pence: i32) -> i32 {
    (market_value_pence - price_pence).max(0)
}

/// `S-2026-000123` (the scheme's prefix, the year, the number): sequential within the scheme's
/// year of sale.
pub fn receipt_number(prefix: &str, year: i32, n: i32) -> String {
    format!("{prefix}-{year}-{n:06}")
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
        assert_eq!(receipt_number("S", 2026, 123), "S-2026-000123");
        assert_eq!(receipt_number("S", 2027, 1_234_567), "S-2027-1234567");
        assert_eq!(receipt_number("STO-S", 2026, 1), "STO-S-2026-000001");
    }

    #[test]
    fn the_household_rule_spans_twelve_months() {
        assert!(blocks(at(2026, 1, 31), at(2026, 12, 31), 12));
        assert!(!blocks(at(2025, 11, 24), at(2026, 11, 25), 12));
        assert!(!blocks(at(2026, 11, 1), at(2026, 11, 25), 0), "0 months switches the rule off");
    }

    #[test]
    fn a_device_set_aside_is_sold_at_its_session_only() {
        let (ours, theirs) = (SessionId::new(), SessionId::new());
        assert_eq!(session_fits(Some((ours, false)), Some(ours)), Ok(()));
        assert_eq!(session_fits(Some((ours, true)), Some(ours)), Err(Refusal::SessionClosed));
        assert_eq!(session_fits(Some((ours, false)), Some(theirs)), Err(Refusal::NotSetAsideForSession));
        assert_eq!(session_fits(None, Some(theirs)), Err(Refusal::SetAsideForSession));
        assert_eq!(session_fits(None, None), Ok(()));
    }

    #[test]
    fn refunds_within_thirty_days() {
        assert!(refundable(at(2026, 11, 1), at(2026, 12, 1), 30));
        assert!(!refundable(at(2026, 11, 1), at(2026, 12, 2), 30));
    }
}
