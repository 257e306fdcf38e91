//! Loan rule rows and forms: how long a device of a category is lent at a hub, how often it may be
//! renewed, how many a resident may borrow, how long a hold keeps a device, and when an overdue
//! loan may be written off.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::loan_rules;
use crate::devices::models::Category;
use crate::ids::{HubId, LoanRuleId};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = loan_rules)]
pub struct LoanRule {
    pub id: LoanRuleId,
    pub hub_id: Option<HubId>,
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
    pub hub_id: Option<HubId>,
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
