//! The scheme's calendar. Days are days in Europe/London whatever the clocks do (a loan lent at
//! 23:30 UTC in summer was lent on the next day), due dates count those days, and a due day ends
//! at 23:59:59 local time. `Date` is a calendar day as the API writes it: an RFC 3339 `full-date`
//! (`2026-01-01`), parsed strictly — chrono alone also reads `2026-1-1`, which the contract's
//! `format: date` does not allow. Every date a request can carry (body fields and query
//! parameters) is a `Date`, so none can slip through laxly.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

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

/// The first instant of a London day, in UTC.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    let first = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    London.from_local_datetime(&first).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| first.and_utc())
}

/// Whole days overdue on `today` (0 when not yet due).
pub fn days_overdue(due: NaiveDate, today: NaiveDate) -> i64 {
    (today - due).num_days().max(0)
}

/// A calendar day written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::Date)]
pub struct Date(NaiveDate);

pub const DATE_MESSAGE: &str = "must be a date written YYYY-MM-DD";

impl Date {
    pub const fn new(day: NaiveDate) -> Self {
        Self(day)
    }

    pub const fn day(self) -> NaiveDate {
        self.0
    }

    /// Exactly four digits, a hyphen, two digits, a hyphen, two digits, naming a real day.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return None;
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Self)
    }
}

impl From<NaiveDate> for Date {
    fn from(day: NaiveDate) -> Self {
        Self(day)
    }
}

impl From<Date> for NaiveDate {
    fn from(date: Date) -> Self {
        date.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date written YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Date, E> {
                Date::parse(text).ok_or_else(|| E::custom(DATE_MESSAGE))
            }
        }
        d.deserialize_str(Visitor)
    }
}

impl ToSql<sql_types::Date, Pg> for Date {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <NaiveDate as ToSql<sql_types::Date, Pg>>::to_sql(&self.0, &mut out.reborrow())
    }
}

impl FromSql<sql_types::Date, Pg> for Date {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDate as FromSql<sql_types::Date, Pg>>::from_sql(bytes).map(Self)
    }
}

/// A day of the week, as hubs' opening hours name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub fn of(day: NaiveDate) -> Self {
        use chrono::Datelike;
        match day.weekday() {
            chrono::Weekday::Mon => Self::Monday,
            chrono::Weekday::Tue => Self::Tuesday,
            chrono::Weekday::Wed => Self::Wednesday,
            chrono::Weekday::Thu => Self::Thursday,
            chrono::Weekday::Fri => Self::Friday,
            chrono::Weekday::Sat => Self::Saturday,
            chrono::Weekday::Sun => Self::Sunday,
        }
    }
}

/// A time of day on the wall clock, written `HH:MM` (24-hour, `00:00` to `23:59`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

pub const CLOCK_TIME_MESSAGE: &str = "must be a time written HH:MM, from 00:00 to 23:59";

impl ClockTime {
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 5 || b[2] != b':' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
            return None;
        }
        let (h, m) = (
            u16::from(b[0] - b'0') * 10 + u16::from(b[1] - b'0'),
            u16::from(b[3] - b'0') * 10 + u16::from(b[4] - b'0'),
        );
        (h < 24 && m < 60).then_some(Self(h * 60 + m))
    }

    pub const fn minutes(self) -> u16 {
        self.0
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = ClockTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a time written HH:MM")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ClockTime, E> {
                ClockTime::parse(text).ok_or_else(|| E::custom(CLOCK_TIME_MESSAGE))
            }
        }
        d.deserialize_str(Visitor)
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
    fn only_full_dates_parse() {
        assert_eq!(Date::parse("2026-01-01").map(Date::day), NaiveDate::from_ymd_opt(2026, 1, 1));
        for lax in ["2026-1-1", "2026-01-1", "26-01-01", "2026/01/01", " 2026-01-01", "2026-02-30", "+2026-01-01"] {
            assert_eq!(Date::parse(lax), None, "{lax}");
        }
    }

    #[test]
    fn clock_times_are_strict_and_round_trip() {
        assert_eq!(ClockTime::parse("09:30").map(ClockTime::minutes), Some(570));
        assert_eq!(ClockTime::parse("23:59").map(|t| t.to_string()), Some("23:59".to_owned()));
        for lax in ["9:30", "24:00", "12:60", "12.30", "12:3", " 12:30", "1230"] {
            assert_eq!(ClockTime::parse(lax), None, "{lax}");
        }
        assert_eq!(Weekday::of(date(2026, 12, 25)), Weekday::Friday);
    }

    #[test]
    fn dates_round_trip_through_json() {
        let date: Date = serde_json::from_str("\"2024-02-29\"").expect("leap day");
        assert_eq!(serde_json::to_string(&date).expect("serialises"), "\"2024-02-29\"");
        let err = serde_json::from_str::<Date>("\"2026-1-1\"").expect_err("lax");
        assert!(err.to_string().starts_with(DATE_MESSAGE), "{err}");
    }
}
