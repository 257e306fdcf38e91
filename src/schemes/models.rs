//! Scheme rows, and the JSON views and forms of the schemes API.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::SchemeRules;
use crate::db::schema::{report_grants, schemes};
use crate::ids::{FactorSetId, SchemeId, UserId};
use crate::loan_rules::models::{LoanRule, UpdateLoanRule};

crate::text_enum! {
    /// Whether a scheme's users may work. A suspended scheme keeps everything; its users are refused.
    pub enum SchemeStatus {
        Active => "active",
        Suspended => "suspended",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = schemes)]
pub struct SchemeRow {
    pub id: SchemeId,
    pub name: String,
    pub code: String,
    pub status: SchemeStatus,
    pub sale_price_pence: i32,
    pub household_rule_months: i32,
    pub refund_window_days: i32,
    pub sim_limit_per_resident: i32,
    pub retention_months: i32,
    pub asset_tag_prefix: String,
    pub receipt_prefix: String,
    pub default_factor_set_id: FactorSetId,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub due_soon_notice_days: i32,
    pub sim_ending_notice_days: i32,
}

impl SchemeRow {
    pub fn rules(&self) -> SchemeRules {
        SchemeRules {
            sale_price_pence: self.sale_price_pence,
            household_rule_months: self.household_rule_months,
            refund_window_days: self.refund_window_days,
            sim_limit_per_resident: self.sim_limit_per_resident,
            retention_months: self.retention_months,
            receipt_prefix: self.receipt_prefix.clone(),
        }
    }
}

/// A scheme as the platform's administrators see it: who it is and whether it may work, nothing
/// of what is inside it.
#[derive(Debug, Serialize)]
pub struct SchemeView {
    pub id: SchemeId,
    pub name: String,
    pub code: String,
    pub status: SchemeStatus,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub suspended_at: Option<DateTime<Utc>>,
}

impl From<SchemeRow> for SchemeView {
    fn from(row: SchemeRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            code: row.code,
            status: row.status,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            suspended_at: row.suspended_at,
        }
    }
}

/// A new scheme and the account of its first admin. Answered once with the admin's password when
/// none was given.
#[derive(Debug, Serialize)]
pub struct CreatedScheme {
    #[serde(flatten)]
    pub scheme: SchemeView,
    pub admin_user_id: UserId,
    pub admin_email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_password: Option<String>,
}

/// The caller's scheme and its rules, as its admins keep them.
#[derive(Debug, Serialize)]
pub struct SchemeSettings {
    pub id: SchemeId,
    pub name: String,
    pub code: String,
    pub status: SchemeStatus,
    pub sale_price_pence: i32,
    pub household_rule_months: i32,
    pub refund_window_days: i32,
    pub sim_limit_per_resident: i32,
    pub retention_months: i32,
    pub asset_tag_prefix: String,
    pub receipt_prefix: String,
    pub default_factor_set_id: FactorSetId,
    /// Residents hear of a loan falling due this many days before.
    pub due_soon_notice_days: i32,
    /// And of their free data ending this many days before.
    pub sim_ending_notice_days: i32,
    pub loan_defaults: LoanRule,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl SchemeSettings {
    pub fn new(row: SchemeRow, loan_defaults: LoanRule) -> Self {
        Self {
            id: row.id,
            name: row.name,
            code: row.code,
            status: row.status,
            sale_price_pence: row.sale_price_pence,
            household_rule_months: row.household_rule_months,
            refund_window_days: row.refund_window_days,
            sim_limit_per_resident: row.sim_limit_per_resident,
            retention_months: row.retention_months,
            asset_tag_prefix: row.asset_tag_prefix,
            receipt_prefix: row.receipt_prefix,
            default_factor_set_id: row.default_factor_set_id,
            due_soon_notice_days: row.due_soon_notice_days,
            sim_ending_notice_days: row.sim_ending_notice_days,
            loan_defaults,
            version: row.version,
            updated_at: row.updated_at,
        }
    }
}

/// The first admin of a new scheme.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstAdmin {
    pub email: String,
    pub display_name: String,
    /// Omitted: one is generated and answered once.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateScheme {
    pub name: String,
    /// Two to ten capital letters or digits, starting with a letter: `TRA`, `STO`.
    pub code: String,
    /// Defaults to the code.
    pub asset_tag_prefix: Option<String>,
    /// Defaults to the code followed by `-S`.
    pub receipt_prefix: Option<String>,
    pub admin: FirstAdmin,
}

/// What a new scheme row holds, checked.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schemes)]
pub struct NewScheme {
    pub id: SchemeId,
    pub name: String,
    pub code: String,
    pub sale_price_pence: i32,
    pub household_rule_months: i32,
    pub refund_window_days: i32,
    pub sim_limit_per_resident: i32,
    pub retention_months: i32,
    pub asset_tag_prefix: String,
    pub receipt_prefix: String,
    pub default_factor_set_id: FactorSetId,
}

/// A platform administrator's merge-patch: rename, suspend or reinstate.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateScheme {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub status: Option<SchemeStatus>,
}

/// A scheme admin's merge-patch of the scheme's rules.
#[derive(Debug, Default, Deserialize, AsChangeset)]
#[diesel(table_name = schemes)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub sale_price_pence: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub household_rule_months: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub refund_window_days: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub sim_limit_per_resident: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub retention_months: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub asset_tag_prefix: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub receipt_prefix: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub default_factor_set_id: Option<FactorSetId>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub due_soon_notice_days: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub sim_ending_notice_days: Option<i32>,
    #[diesel(skip_update)]
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub loan_defaults: Option<UpdateLoanRule>,
}

/// A reporter granted a scheme's reports.
#[derive(Debug, Serialize, Queryable)]
pub struct Grant {
    pub scheme_id: SchemeId,
    pub user_id: UserId,
    pub email: String,
    pub granted_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateGrant {
    /// The reporter's sign-in email.
    pub email: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = report_grants)]
pub struct NewGrant {
    pub scheme_id: SchemeId,
    pub user_id: UserId,
    pub user_scheme_id: SchemeId,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeFilter {
    pub status: Option<SchemeStatus>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
