//! Ward rows, views and forms.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::wards;
use crate::ids::WardId;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = wards)]
pub struct Ward {
    pub id: WardId,
    pub name: String,
    pub deri_score: Option<f64>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWard {
    pub name: String,
    pub deri_score: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateWard {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub name: Option<String>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub deri_score: Option<Option<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WardFilter {
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
