//! Donation rows, views and forms, a manifest's import result, and the sanitisation report.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::db::schema::donations;
use crate::devices::models::Category;
use crate::devices::rules::Outcome;
use crate::http::csv::ReportFormat;
use crate::ids::{DeviceId, DonationId, HubId, OrganisationId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = donations)]
pub struct DonationRow {
    pub id: DonationId,
    pub donor_id: OrganisationId,
    pub hub_id: HubId,
    pub received_on: Date,
    pub donor_reference: Option<String>,
    pub declared_device_count: Option<i32>,
    pub collection_notes: Option<String>,
    pub created_by: Option<UserId>,
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
    pub id: DonationId,
    pub donor_id: OrganisationId,
    pub hub_id: HubId,
    pub received_on: Date,
    pub donor_reference: Option<String>,
    pub declared_device_count: Option<i32>,
    pub collection_notes: Option<String>,
    pub created_by: Option<UserId>,
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
    pub donor_id: OrganisationId,
    pub hub_id: HubId,
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
    pub donor_id: Option<OrganisationId>,
    pub hub_id: Option<HubId>,
    pub received_from: Option<Date>,
    pub received_to: Option<Date>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

#[derive(Debug, Serialize)]
pub struct ImportedDevice {
    pub row: usize,
    pub id: DeviceId,
    pub asset_tag: String,
    pub serial_number: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImportResult {
    pub donation_id: DonationId,
    pub imported: usize,
    /// CSV columns that were not recognised and so were not read.
    pub ignored_columns: Vec<String>,
    pub devices: Vec<ImportedDevice>,
}

/// A device's best wipe record, as the report needs it.
#[derive(Debug, Clone, Queryable)]
pub struct WipeSummary {
    pub device_id: DeviceId,
    pub level: String,
    pub method: String,
    pub tool: String,
    pub tool_version: Option<String>,
    pub certificate_reference: Option<String>,
    pub verified: bool,
    pub performed_at: DateTime<Utc>,
}

/// How a recycled device was disposed of, as the report needs it.
#[derive(Debug, Clone, Queryable)]
pub struct DisposalSummary {
    pub device_id: DeviceId,
    pub recycler: String,
    pub waste_transfer_note: String,
    pub disposed_on: NaiveDate,
}

#[derive(Debug, Serialize)]
pub struct ReportLine {
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub category: Category,
    /// `verified`, `unverified`, `not_done` or `not_applicable` (no data storage).
    pub wipe_status: &'static str,
    pub wipe_level: Option<String>,
    pub wipe_method: Option<String>,
    pub wipe_tool: Option<String>,
    pub wipe_certificate: Option<String>,
    pub wiped_at: Option<DateTime<Utc>>,
    pub outcome: Outcome,
    pub recycler: Option<String>,
    pub waste_transfer_note: Option<String>,
    pub disposed_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub donation_id: DonationId,
    pub donor_id: OrganisationId,
    pub received_on: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub devices: Vec<ReportLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub format: Option<ReportFormat>,
}
