//! Loan rules as plain functions: due dates in the scheme's time zone (Europe/London, whatever the
//! clocks do), overdue days, which loan rule applies, and whether a renewal is allowed.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;

/// The scheme's calendar day for an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// Due back by the end of the day `days` after the day it was lent (both in London time).
pub fn due_on(lent_at: DateTime<Utc>, days: u32) -> NaiveDate {
    local_date(lent_at) + chrono::Days::new(u64::from(days))
}

/// The last instant of a London day, in UTC (23:59:59 GMT or BST as the day has it).
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let last = date.and_hms_opt(23, 59, 59).unwrap_or_default();
    London.from_local_datetime(&last).latest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| last.and_utc())
}

/// Whole days overdue on `today` (0 when not yet due).
pub fn days_overdue(due: NaiveDate, today: NaiveDate) -> i64 {
    (today - due).num_days().max(0)
}

/// Why a renewal is refused, if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalRefusal {
    MaximumReached { max: i32 },
    TooOverdue { days: i64, allowed: i32 },
    SomeoneWaiting,
}

impl std::fmt::Display for RenewalRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MaximumReached { max } => write!(f, "this loan has already been renewed the maximum {max} time(s)"),
            Self::TooOverdue { days, allowed } => {
                write!(f, "the loan is {days} day(s) overdue; renewals are allowed up to {allowed} day(s) overdue")
            }
            Self::SomeoneWaiting => {
                write!(f, "someone is waiting for this kind of device at this hub and no other is free")
            }
        }
    }
}

pub fn check_renewal(
    renewals: i32,
    max_renewals: i32,
    overdue_days: i64,
    renew_overdue_up_to_days: i32,
    someone_waiting_without_alternative: bool,
) -> Result<(), RenewalRefusal> {
    if renewals >= max_renewals {
        return Err(RenewalRefusal::MaximumReached { max: max_renewals });
    }
    if overdue_days > i64::from(renew_overdue_up_to_days) {
        return Err(RenewalRefusal::TooOverdue { days: overdue_days, allowed: renew_overdue_up_to_days });
    }
    if someone_waiting_without_alternative {
        return Err(RenewalRefusal::SomeoneWaiting);
    }
    Ok(())
}

/// How closely a rule fits a (hub, category): exact pair, hub-wide, category-wide, then default.
pub fn specificity(
    rule_hub: Option<uuid::Uuid>,
    rule_category: Option<&str>,
    hub: uuid::Uuid,
    category: &str,
) -> Option<u8> {
    match (rule_hub, rule_category) {
        (Some(h), Some(c)) if h == hub && c == category => Some(3),
        (Some(h), None) if h == hub => Some(2),
        (None, Some(c)) if c == category => Some(1),
        (None, None) => Some(0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("valid")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    #[test]
    fn due_dates_count_london_days_across_clock_changes() {
        // 23:30 UTC on a winter Saturday is still Saturday in London: 21 days from 28 March.
        assert_eq!(due_on(utc(2026, 3, 28, 23, 30), 21), date(2026, 4, 18));
        // 23:30 UTC on 24 October is 00:30 BST on the 25th in London: the loan began on the 25th.
        assert_eq!(due_on(utc(2026, 10, 24, 23, 30), 21), date(2026, 11, 15));
        // Lent across the spring change (clocks go forward 29 March 2026).
        assert_eq!(due_on(utc(2026, 3, 29, 0, 30), 1), date(2026, 3, 30));
        assert_eq!(due_on(utc(2026, 11, 25, 10, 0), 21), date(2026, 12, 16));
    }

    #[test]
    fn the_end_of_a_due_day_follows_the_clocks() {
        assert_eq!(end_of_day(date(2026, 7, 1)), utc(2026, 7, 1, 22, 59) + chrono::Duration::seconds(59), "BST");
        assert_eq!(end_of_day(date(2026, 12, 1)), utc(2026, 12, 1, 23, 59) + chrono::Duration::seconds(59), "GMT");
    }

    #[test]
    fn overdue_days_are_whole_days_after_the_due_day() {
        assert_eq!(days_overdue(date(2026, 11, 20), date(2026, 11, 20)), 0);
        assert_eq!(days_overdue(date(2026, 11, 20), date(2026, 11, 25)), 5);
        assert_eq!(days_overdue(date(2026, 11, 20), date(2026, 11, 1)), 0);
    }

    #[test]
    fn renewal_refusals_give_their_reason() {
        assert_eq!(check_renewal(0, 2, 0, 0, false), Ok(()));
        assert_eq!(check_renewal(2, 2, 0, 0, false), Err(RenewalRefusal::MaximumReached { max: 2 }));
        assert_eq!(check_renewal(0, 2, 3, 2, false), Err(RenewalRefusal::TooOverdue { days: 3, allowed: 2 }));
        assert_eq!(check_renewal(0, 2, 1, 2, true), Err(RenewalRefusal::SomeoneWaiting));
    }

    #[test]
    fn the_closest_rule_wins() {
        let hub = uuid::Uuid::now_v7();
        let other = uuid::Uuid::now_v7();
        assert_eq!(specificity(Some(hub), Some("laptop"), hub, "laptop"), Some(3));
        assert_eq!(specificity(Some(hub), None, hub, "laptop"), Some(2));
        assert_eq!(specificity(None, Some("laptop"), hub, "laptop"), Some(1));
        assert_eq!(specificity(None, None, hub, "laptop"), Some(0));
        assert_eq!(specificity(Some(other), None, hub, "laptop"), None);
        assert_eq!(specificity(None, Some("tablet"), hub, "laptop"), None);
    }
}
