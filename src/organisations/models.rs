//! Organisation rows, views and forms, and the donor impact statement.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::organisations;
use crate::ids::OrganisationId;

crate::text_enum! {
    /// A part an organisation plays in the scheme.
    pub enum OrganisationRole {
        Donor => "donor",
        Refurbisher => "refurbisher",
        ConnectivitySupplier => "connectivity_supplier",
        Recycler => "recycler",
    }
}

impl OrganisationRole {
    /// The part as a sentence names it: "a donor", "a connectivity supplier".
    pub fn described(self) -> &'static str {
        match self {
            Self::Donor => "a donor",
            Self::Refurbisher => "a refurbisher",
            Self::ConnectivitySupplier => "a connectivity supplier",
            Self::Recycler => "a recycler",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: OrganisationId,
    pub name: String,
    pub roles: Vec<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganisationRow {
    pub fn plays(&self, role: OrganisationRole) -> bool {
        self.roles.iter().any(|r| r == role.as_str())
    }
}

#[derive(Debug, Serialize)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub roles: Vec<OrganisationRole>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<OrganisationRow> for Organisation {
    fn from(r: OrganisationRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            roles: r.roles.iter().filter_map(|s| s.parse().ok()).collect(),
            contact_name: r.contact_name,
            contact_email: r.contact_email,
            contact_phone: r.contact_phone,
            address: r.address,
            notes: r.notes,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    pub name: String,
    pub roles: Vec<OrganisationRole>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganisation {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub roles: Option<Vec<OrganisationRole>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub contact_name: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub contact_email: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub contact_phone: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub address: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub notes: Option<Option<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationFilter {
    pub role: Option<OrganisationRole>,
    /// Part of the name.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

/// What became of a donor's devices, counted by outcome.
#[derive(Debug, Default, Serialize)]
pub struct Outcomes {
    pub awaiting_refurbishment: i64,
    pub in_refurbishment: i64,
    pub refurbished: i64,
    pub distributed: i64,
    pub beyond_repair: i64,
    pub recycled: i64,
    pub lost: i64,
}

/// Carbon and landfill saved by a donor's devices, from the report rollups (grams).
#[derive(Debug, Default, QueryableByName)]
pub struct Saved {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub reused: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub recycled: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub co2e_g: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub landfill_g: i64,
}

/// A donor's impact statement: aggregates only.
#[derive(Debug, Serialize)]
pub struct DonorImpact {
    pub organisation_id: OrganisationId,
    pub name: String,
    pub donations: i64,
    pub devices_donated: i64,
    pub outcomes: Outcomes,
    pub devices_reused: i64,
    pub devices_recycled: i64,
    pub co2e_saved_kg: f64,
    pub landfill_saved_kg: f64,
}
