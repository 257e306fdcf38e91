//! Hub rows, views and forms.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::hubs;
use crate::ids::{HubId, WardId};

crate::text_enum! {
    pub enum HubKind {
        Library => "library",
        CommunityCentre => "community_centre",
        Popup => "popup",
        Warehouse => "warehouse",
        PartnerSite => "partner_site",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = hubs)]
pub struct Hub {
    pub id: HubId,
    pub name: String,
    pub kind: HubKind,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub ward_id: Option<WardId>,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, Insertable)]
#[diesel(table_name = hubs)]
#[serde(deny_unknown_fields)]
pub struct CreateHub {
    pub name: String,
    pub kind: HubKind,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub ward_id: Option<WardId>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, AsChangeset)]
#[diesel(table_name = hubs)]
#[serde(deny_unknown_fields)]
pub struct UpdateHub {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub kind: Option<HubKind>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub address: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub postcode: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub ward_id: Option<Option<WardId>>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubFilter {
    pub kind: Option<HubKind>,
    pub ward_id: Option<WardId>,
    pub active: Option<bool>,
    /// Part of the name or postcode.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
