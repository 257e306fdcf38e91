//! The donations slice's decisions: what a donation's fields must hold (`mod`), how a donor's
//! manifest becomes checked devices (`manifest`), and what the sanitisation report says about
//! each device (`report`).

pub mod manifest;
pub mod report;

use chrono::NaiveDate;

use crate::http::Problems;

/// A donation cannot be received in the future (a day's grace for time zones), nor before the
/// scheme could have existed.
pub fn check(
    problems: &mut Problems,
    received_on: Option<NaiveDate>,
    today: NaiveDate,
    reference: Option<&str>,
    declared: Option<i32>,
    notes: Option<&str>,
) {
    if let Some(date) = received_on {
        let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN);
        problems.check(
            date <= today + chrono::Days::new(1) && date >= earliest,
            "received_on",
            "must be a date from 2000-01-01, not in the future",
        );
    }
    if let Some(r) = reference {
        problems.length("donor_reference", r, 0, 200);
    }
    if let Some(n) = declared {
        problems.check((0..=100_000).contains(&n), "declared_device_count", "must be from 0 to 100000");
    }
    if let Some(n) = notes {
        problems.length("collection_notes", n, 0, 2000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fails(date: NaiveDate, declared: Option<i32>) -> bool {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let mut p = Problems::new();
        check(&mut p, Some(date), today, None, declared, None);
        p.finish().is_err()
    }

    #[test]
    fn received_dates_and_counts_are_bounded() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert!(!fails(d(2026, 11, 25), Some(10)));
        assert!(!fails(d(2026, 11, 26), None), "a day's grace");
        assert!(fails(d(2026, 12, 1), None));
        assert!(fails(d(1999, 12, 31), None));
        assert!(fails(d(2026, 1, 1), Some(-1)));
    }
}
