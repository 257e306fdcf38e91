//! Donation rows, views, forms and field rules.

use crate::calendar::Date;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::donations;
use crate::http::Problems;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = donations)]
pub struct DonationRow {
    pub id: Uuid,
    pub donor_id: Uuid,
    pub hub_id: Uuid,
    pub received_on: Date,
    pub donor_reference: Option<String>,
    pub declared_device_count: Option<i32>,
    pub collection_notes: Option<String>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct Donation {
    #[serde(flatten)]
    pub row: DonationView,
    /// Devices recorded against this donation so far.
    pub recorded_device_count: i64,
}

#[derive(Debug, Serialize)]
pub struct DonationView {
    pub id: Uuid,
    pub donor_id: Uuid,
    pub hub_id: Uuid,
    pub received_on: Date,
    pub donor_reference: Option<String>,
    pub declared_device_count: Option<i32>,
    pub collection_notes: Option<String>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Donation {
    pub fn new(r: DonationRow, recorded_device_count: i64) -> Self {
        Self {
            row: DonationView {
                id: r.id,
                donor_id: r.donor_id,
                hub_id: r.hub_id,
                received_on: r.received_on,
                donor_reference: r.donor_reference,
                declared_device_count: r.declared_device_count,
                collection_notes: r.collection_notes,
                created_by: r.created_by,
                version: r.version,
                created_at: r.created_at,
                updated_at: r.updated_at,
            },
            recorded_device_count,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDonation {
    pub donor_id: Uuid,
    pub hub_id: Uuid,
    pub received_on: Date,
    pub donor_reference: Option<String>,
    pub declared_device_count: Option<i32>,
    pub collection_notes: Option<String>,
}

#[derive(Debug, Deserialize, AsChangeset)]
#[diesel(table_name = donations)]
#[serde(deny_unknown_fields)]
pub struct UpdateDonation {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub received_on: Option<Date>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub donor_reference: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub declared_device_count: Option<Option<i32>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub collection_notes: Option<Option<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DonationFilter {
    pub donor_id: Option<Uuid>,
    pub hub_id: Option<Uuid>,
    pub received_from: Option<Date>,
    pub received_to: Option<Date>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

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
