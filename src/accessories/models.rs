//! Accessory kinds, what went with a hand-over, and the forms.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::accessory_kinds;
use crate::ids::{AccessoryKindId, HubId, LoanId, ResidentId};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = accessory_kinds)]
pub struct AccessoryKind {
    pub id: AccessoryKindId,
    pub name: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKind {
    pub name: String,
}

#[derive(Debug, Deserialize, AsChangeset)]
#[diesel(table_name = accessory_kinds)]
#[serde(deny_unknown_fields)]
pub struct UpdateKind {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub active: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Kinds {
    pub items: Vec<AccessoryKind>,
}

/// Accessories of one kind handed over, or given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Items {
    pub kind_id: AccessoryKindId,
    pub quantity: i32,
}

/// What went with a loan or a sale, and for a loan what came back.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Serialize)]
pub struct Issued {
    pub kind_id: AccessoryKindId,
    pub name: String,
    pub quantity: i32,
    /// `null` until the loan is returned.
    pub returned_quantity: Option<i32>,
    pub returned_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct IssuedList {
    pub items: Vec<Issued>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutstandingFilter {
    pub hub_id: Option<HubId>,
    pub resident_id: Option<ResidentId>,
}

/// One kind not (all) given back with a returned loan.
#[derive(Debug, Clone, Serialize)]
pub struct Missing {
    pub loan_id: LoanId,
    pub hub_id: HubId,
    pub kind_id: AccessoryKindId,
    pub name: String,
    pub issued: i32,
    pub returned: i32,
    pub missing: i32,
    pub returned_at: Option<DateTime<Utc>>,
}

/// A resident's accessories still out.
#[derive(Debug, Clone, Serialize)]
pub struct ResidentMissing {
    pub resident_id: ResidentId,
    pub reference: String,
    /// `null` once the resident is erased.
    pub name: Option<String>,
    pub items: Vec<Missing>,
}

#[derive(Debug, Serialize)]
pub struct Outstanding {
    pub items: Vec<ResidentMissing>,
}
