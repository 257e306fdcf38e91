//! Loan rule, loan and hold rows, views and forms.

use crate::calendar::Date;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::rules;
use crate::db::schema::{holds, loan_rules, loans};
use crate::devices::models::Category;

crate::text_enum! {
    pub enum ReturnCondition {
        Ok => "ok",
        Damaged => "damaged",
        MissingParts => "missing_parts",
    }
}

crate::text_enum! {
    pub enum HoldStatus {
        Waiting => "waiting",
        Ready => "ready",
        Fulfilled => "fulfilled",
        Expired => "expired",
        Cancelled => "cancelled",
    }
}

crate::text_enum! {
    pub enum LoanState {
        Active => "active",
        Overdue => "overdue",
        Returned => "returned",
        Lost => "lost",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = loan_rules)]
pub struct LoanRule {
    pub id: Uuid,
    pub hub_id: Option<Uuid>,
    pub category: Option<Category>,
    pub loan_days: i32,
    pub renewal_days: i32,
    pub max_renewals: i32,
    pub max_active_loans: i32,
    pub borrow_while_overdue: bool,
    pub renew_overdue_up_to_days: i32,
    pub hold_days: i32,
    pub lost_after_days: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, Insertable)]
#[diesel(table_name = loan_rules)]
#[serde(deny_unknown_fields)]
pub struct NewLoanRule {
    pub hub_id: Option<Uuid>,
    pub category: Option<Category>,
    #[serde(default = "days_21")]
    pub loan_days: i32,
    #[serde(default = "days_21")]
    pub renewal_days: i32,
    #[serde(default = "two")]
    pub max_renewals: i32,
    #[serde(default = "one")]
    pub max_active_loans: i32,
    #[serde(default)]
    pub borrow_while_overdue: bool,
    #[serde(default)]
    pub renew_overdue_up_to_days: i32,
    #[serde(default = "three")]
    pub hold_days: i32,
    #[serde(default = "sixty")]
    pub lost_after_days: i32,
}

fn days_21() -> i32 {
    21
}
fn two() -> i32 {
    2
}
fn one() -> i32 {
    1
}
fn three() -> i32 {
    3
}
fn sixty() -> i32 {
    60
}

#[derive(Debug, Default, Deserialize, AsChangeset)]
#[diesel(table_name = loan_rules)]
#[serde(deny_unknown_fields)]
pub struct UpdateLoanRule {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub loan_days: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub renewal_days: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub max_renewals: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub max_active_loans: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub borrow_while_overdue: Option<bool>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub renew_overdue_up_to_days: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub hold_days: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub lost_after_days: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loans)]
pub struct LoanRow {
    pub id: Uuid,
    pub device_id: Uuid,
    pub resident_id: Uuid,
    pub hub_id: Uuid,
    pub lent_by: Option<Uuid>,
    pub lent_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub renewals: i32,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_to_hub_id: Option<Uuid>,
    pub return_condition: Option<ReturnCondition>,
    pub return_notes: Option<String>,
    pub received_by: Option<Uuid>,
    pub lost_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LoanRow {
    pub fn is_open(&self) -> bool {
        self.returned_at.is_none() && self.lost_at.is_none()
    }
}

#[derive(Debug, Serialize)]
pub struct Loan {
    pub id: Uuid,
    pub device_id: Uuid,
    pub resident_id: Uuid,
    pub hub_id: Uuid,
    pub state: LoanState,
    pub lent_by: Option<Uuid>,
    pub lent_at: DateTime<Utc>,
    /// The day (Europe/London) by whose end the device is due back.
    pub due_on: NaiveDate,
    /// The last instant of `due_on` in London time, as UTC.
    pub due_at: DateTime<Utc>,
    pub days_overdue: i64,
    pub renewals: i32,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_to_hub_id: Option<Uuid>,
    pub return_condition: Option<ReturnCondition>,
    pub return_notes: Option<String>,
    pub received_by: Option<Uuid>,
    pub lost_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Loan {
    pub fn new(r: LoanRow, now: DateTime<Utc>) -> Self {
        let overdue = if r.is_open() { rules::days_overdue(r.due_on, rules::local_date(now)) } else { 0 };
        let state = match (r.returned_at, r.lost_at) {
            (Some(_), _) => LoanState::Returned,
            (_, Some(_)) => LoanState::Lost,
            _ if overdue > 0 => LoanState::Overdue,
            _ => LoanState::Active,
        };
        Self {
            id: r.id,
            device_id: r.device_id,
            resident_id: r.resident_id,
            hub_id: r.hub_id,
            state,
            lent_by: r.lent_by,
            lent_at: r.lent_at,
            due_on: r.due_on,
            due_at: rules::end_of_day(r.due_on),
            days_overdue: overdue,
            renewals: r.renewals,
            returned_at: r.returned_at,
            returned_to_hub_id: r.returned_to_hub_id,
            return_condition: r.return_condition,
            return_notes: r.return_notes,
            received_by: r.received_by,
            lost_at: r.lost_at,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkout {
    pub device_id: Uuid,
    pub resident_id: Uuid,
    /// Admins only: a later due date than the rule gives (e.g. for a course).
    pub due_on: Option<Date>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Return {
    pub condition: ReturnCondition,
    pub notes: Option<String>,
    /// The hub receiving it (defaults to your first hub); any hub may take a return.
    pub hub_id: Option<Uuid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanFilter {
    pub state: Option<LoanState>,
    pub hub_id: Option<Uuid>,
    pub resident_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    /// Open loans due within this many days.
    pub due_within_days: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = holds)]
pub struct Hold {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub hub_id: Uuid,
    pub category: Category,
    pub status: HoldStatus,
    /// The device reserved for the resident while the hold is ready.
    pub device_id: Option<Uuid>,
    pub ready_at: Option<DateTime<Utc>>,
    /// Until when a ready hold's device is kept.
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHold {
    pub resident_id: Uuid,
    pub hub_id: Uuid,
    pub category: Category,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldFilter {
    pub hub_id: Option<Uuid>,
    pub category: Option<Category>,
    pub status: Option<HoldStatus>,
    pub resident_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
