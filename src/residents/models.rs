//! Resident rows, views and forms. Only the minimum personal data is held: name, optional phone
//! and email, postcode. Eligibility is the category staff saw, never the evidence.

use crate::calendar::Date;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::residents;
use crate::ids::{HubId, ResidentId, UserId, WardId};

crate::text_enum! {
    /// The basis on which a resident qualifies, as seen by staff.
    pub enum Eligibility {
        UniversalCredit => "universal_credit",
        PensionCredit => "pension_credit",
        IncomeSupport => "income_support",
        JsaEsa => "jsa_esa",
        PipDla => "pip_dla",
        HousingBenefit => "housing_benefit",
        CouncilTaxSupport => "council_tax_support",
        PartnerReferral => "partner_referral",
        CareLeaver => "care_leaver",
        Other => "other",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = residents)]
pub struct ResidentRow {
    pub id: ResidentId,
    pub reference: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub postcode: Option<String>,
    pub ward_id: Option<WardId>,
    pub eligibility: Eligibility,
    pub eligibility_verified_by: Option<UserId>,
    pub eligibility_verified_on: NaiveDate,
    pub contact_consent: bool,
    pub registered_at_hub_id: Option<HubId>,
    pub last_activity_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub address_lines: Option<Vec<String>>,
}

/// A resident as hub staff and admins see them. After erasure the personal fields are null and
/// `erased` is true; the surrogate id, reference, ward and eligibility remain.
#[derive(Debug, Serialize)]
pub struct Resident {
    pub id: ResidentId,
    pub reference: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub postcode: Option<String>,
    /// The postal address before the postcode, for notices by post; optional.
    pub address_lines: Option<Vec<String>>,
    pub ward_id: Option<WardId>,
    pub eligibility: Eligibility,
    pub eligibility_verified_by: Option<UserId>,
    pub eligibility_verified_on: NaiveDate,
    pub contact_consent: bool,
    pub registered_at_hub_id: Option<HubId>,
    pub last_activity_at: DateTime<Utc>,
    pub erased: bool,
    pub erased_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ResidentRow> for Resident {
    fn from(r: ResidentRow) -> Self {
        Self {
            id: r.id,
            reference: r.reference,
            name: r.name,
            phone: r.phone,
            email: r.email,
            postcode: r.postcode,
            address_lines: r.address_lines,
            ward_id: r.ward_id,
            eligibility: r.eligibility,
            eligibility_verified_by: r.eligibility_verified_by,
            eligibility_verified_on: r.eligibility_verified_on,
            contact_consent: r.contact_consent,
            registered_at_hub_id: r.registered_at_hub_id,
            last_activity_at: r.last_activity_at,
            erased: r.erased_at.is_some(),
            erased_at: r.erased_at,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateResident {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub postcode: Option<String>,
    /// The postal address before the postcode (one to five lines), for notices by post.
    #[serde(default)]
    pub address_lines: Option<Vec<String>>,
    pub ward_id: Option<WardId>,
    pub eligibility: Eligibility,
    /// Defaults to today.
    pub eligibility_verified_on: Option<Date>,
    #[serde(default)]
    pub contact_consent: bool,
    /// The hub registering the resident (defaults to the member of staff's first hub).
    pub hub_id: Option<HubId>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateResident {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub name: Option<String>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub email: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub postcode: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub address_lines: Option<Option<Vec<String>>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub ward_id: Option<Option<WardId>>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub eligibility: Option<Eligibility>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub eligibility_verified_on: Option<Date>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub contact_consent: Option<bool>,
}

#[derive(Debug, AsChangeset, Default)]
#[diesel(table_name = residents)]
pub struct ResidentChanges {
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub postcode: Option<Option<String>>,
    pub address_lines: Option<Option<Vec<String>>>,
    pub ward_id: Option<Option<WardId>>,
    pub eligibility: Option<Eligibility>,
    pub eligibility_verified_by: Option<Option<UserId>>,
    pub eligibility_verified_on: Option<NaiveDate>,
    pub contact_consent: Option<bool>,
}

/// Finding residents: by reference, or by name and postcode together. Admins may also list.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidentSearch {
    pub reference: Option<String>,
    pub name: Option<String>,
    pub postcode: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

/// One slice's part of a subject access export: what it keeps about the resident, as JSON.
pub type ExportSection =
    fn(&mut diesel::PgConnection, ResidentId) -> Result<Vec<serde_json::Value>, crate::http::ApiError>;

/// Where a resident's personal data lives beyond their own record: the sections of the export,
/// each answered by the slice that keeps the records (sales, loans, SIM allocations, holds …).
/// The application lists them (`lib.rs`), so this slice knows none of the slices that use it.
pub struct PersonalData {
    pub sections: Vec<(&'static str, ExportSection)>,
}
