//! Organisation rows, views, forms and the rules on their fields.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::organisations;
use crate::http::Problems;

crate::text_enum! {
    /// A part an organisation plays in the scheme.
    pub enum OrganisationRole {
        Donor => "donor",
        Refurbisher => "refurbisher",
        ConnectivitySupplier => "connectivity_supplier",
        Recycler => "recycler",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: Uuid,
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
    pub id: Uuid,
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

/// Checks the fields present in a create or a patch.
pub fn check(
    problems: &mut Problems,
    name: Option<&str>,
    roles: Option<&[OrganisationRole]>,
    contact_email: Option<&str>,
    texts: [(&str, Option<&str>, usize); 4],
) {
    if let Some(name) = name {
        problems.length("name", name, 1, 200);
    }
    if roles.is_some_and(|r| r.is_empty()) {
        problems.add("roles", "name at least one part the organisation plays");
    }
    if let Some(email) = contact_email
        && crate::users::rules::normalise_email(email).is_err()
    {
        problems.add("contact_email", "must be an email address like name@example.org");
    }
    for (field, value, max) in texts {
        if let Some(value) = value {
            problems.length(field, value, 0, max);
        }
    }
}

/// Roles as stored: de-duplicated, in a stable order.
pub fn stored_roles(roles: &[OrganisationRole]) -> Vec<String> {
    OrganisationRole::ALL.iter().filter(|r| roles.contains(r)).map(|r| r.as_str().to_owned()).collect()
}
