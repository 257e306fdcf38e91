//! Calendar days as the API writes them. `Date` is an RFC 3339 `full-date` (`2026-01-01`), parsed
//! strictly: chrono alone also reads `2026-1-1`, which the contract's `format: date` does not allow
//! and which a client would then see stored as something it did not send. Every date a request can
//! carry (body fields and query parameters) is a `Date`, so none can slip through laxly.

use std::fmt;

use chrono::NaiveDate;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_full_dates_parse() {
        assert_eq!(Date::parse("2026-01-01").map(Date::day), NaiveDate::from_ymd_opt(2026, 1, 1));
        for lax in ["2026-1-1", "2026-01-1", "26-01-01", "2026/01/01", " 2026-01-01", "2026-02-30", "+2026-01-01"] {
            assert_eq!(Date::parse(lax), None, "{lax}");
        }
    }

    #[test]
    fn dates_round_trip_through_json() {
        let date: Date = serde_json::from_str("\"2024-02-29\"").expect("leap day");
        assert_eq!(serde_json::to_string(&date).expect("serialises"), "\"2024-02-29\"");
        let err = serde_json::from_str::<Date>("\"2026-1-1\"").expect_err("lax");
        assert!(err.to_string().starts_with(DATE_MESSAGE), "{err}");
    }
}
