//! Refurbishment job rows and their statuses, wipe records, views and forms, and the changes a job
//! action makes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::rules;
use crate::db::schema::{refurbishment_jobs, wipe_records};
use crate::devices::models::Grade;
use crate::ids::{DeviceId, DonationId, HubId, JobId, OrganisationId, UserId, WipeId};

crate::text_enum! {
    pub enum JobStatus {
        Assigned => "assigned",
        InProgress => "in_progress",
        Completed => "completed",
        BeyondRepair => "beyond_repair",
        Cancelled => "cancelled",
    }
}

crate::text_enum! {
    pub enum JobAction {
        Start => "start",
        Complete => "complete",
        DeclareBeyondRepair => "declare_beyond_repair",
        Cancel => "cancel",
        RecordWipe => "record_wipe",
    }
}

impl JobStatus {
    pub fn is_open(self) -> bool {
        matches!(self, JobStatus::Assigned | JobStatus::InProgress)
    }
}

crate::text_enum! {
    pub enum FunctionalResult {
        Passed => "passed",
        PassedWithIssues => "passed_with_issues",
        Failed => "failed",
    }
}

crate::text_enum! {
    pub enum BeyondRepairReason {
        PartsUnavailable => "parts_unavailable",
        PartsTooExpensive => "parts_too_expensive",
        CannotOpen => "cannot_open",
        NoRepairInformation => "no_repair_information",
        FailedTests => "failed_tests",
        Other => "other",
    }
}

crate::text_enum! {
    /// NIST SP 800-88 Rev. 1 sanitisation levels.
    pub enum WipeLevel {
        Clear => "clear",
        Purge => "purge",
        Destroy => "destroy",
    }
}

crate::text_enum! {
    pub enum WipeMethod {
        AtaSecureErase => "ata_secure_erase",
        NvmeSanitize => "nvme_sanitize",
        CryptographicErase => "cryptographic_erase",
        Overwrite => "overwrite",
        FactoryReset => "factory_reset",
        Degauss => "degauss",
        PhysicalDestruction => "physical_destruction",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refurbishment_jobs)]
pub struct JobRow {
    pub id: JobId,
    pub device_id: DeviceId,
    pub refurbisher_id: OrganisationId,
    pub status: JobStatus,
    pub assigned_by: Option<UserId>,
    pub return_hub_id: Option<HubId>,
    pub notes: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub grade: Option<Grade>,
    pub functional_result: Option<FunctionalResult>,
    pub functional_notes: Option<String>,
    pub ram_upgraded_to_gb: Option<i32>,
    pub storage_upgraded_to_gb: Option<i32>,
    pub os_installed: Option<String>,
    pub parts_cost_pence: Option<i32>,
    pub labour_minutes: Option<i32>,
    pub beyond_repair_reason: Option<BeyondRepairReason>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = wipe_records)]
pub struct WipeRecord {
    pub id: WipeId,
    pub job_id: JobId,
    pub device_id: DeviceId,
    pub level: WipeLevel,
    pub method: WipeMethod,
    pub tool: String,
    pub tool_version: Option<String>,
    pub certificate_reference: Option<String>,
    pub verified: bool,
    pub operator_name: String,
    pub performed_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// A job as the API shows it, with the device's asset tag and its wipe records.
#[derive(Debug, Serialize)]
pub struct Job {
    pub id: JobId,
    pub device_id: DeviceId,
    pub asset_tag: String,
    pub refurbisher_id: OrganisationId,
    pub status: JobStatus,
    pub allowed_actions: Vec<JobAction>,
    pub assigned_by: Option<UserId>,
    pub return_hub_id: Option<HubId>,
    pub notes: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub grade: Option<Grade>,
    pub functional_result: Option<FunctionalResult>,
    pub functional_notes: Option<String>,
    pub ram_upgraded_to_gb: Option<i32>,
    pub storage_upgraded_to_gb: Option<i32>,
    pub os_installed: Option<String>,
    pub parts_cost_pence: Option<i32>,
    pub labour_minutes: Option<i32>,
    pub beyond_repair_reason: Option<BeyondRepairReason>,
    /// Whether the device needs a data wipe at all (devices with no storage do not).
    pub wipe_required: bool,
    pub wipes: Vec<WipeRecord>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    pub fn new(r: JobRow, asset_tag: String, wipe_required: bool, wipes: Vec<WipeRecord>) -> Self {
        Self {
            id: r.id,
            device_id: r.device_id,
            asset_tag,
            refurbisher_id: r.refurbisher_id,
            allowed_actions: rules::allowed(r.status),
            status: r.status,
            assigned_by: r.assigned_by,
            return_hub_id: r.return_hub_id,
            notes: r.notes,
            started_at: r.started_at,
            finished_at: r.finished_at,
            grade: r.grade,
            functional_result: r.functional_result,
            functional_notes: r.functional_notes,
            ram_upgraded_to_gb: r.ram_upgraded_to_gb,
            storage_upgraded_to_gb: r.storage_upgraded_to_gb,
            os_installed: r.os_installed,
            parts_cost_pence: r.parts_cost_pence,
            labour_minutes: r.labour_minutes,
            beyond_repair_reason: r.beyond_repair_reason,
            wipe_required,
            wipes,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Assign one device, several, or a whole donation's received devices.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignJobs {
    pub refurbisher_id: OrganisationId,
    #[serde(default)]
    pub device_ids: Vec<DeviceId>,
    pub donation_id: Option<DonationId>,
    pub notes: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Assigned {
    pub items: Vec<Job>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWipe {
    pub level: WipeLevel,
    pub method: WipeMethod,
    pub tool: String,
    pub tool_version: Option<String>,
    pub certificate_reference: Option<String>,
    pub verified: bool,
    pub operator_name: String,
    pub performed_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteJob {
    pub grade: Grade,
    pub functional_result: FunctionalResult,
    pub functional_notes: Option<String>,
    pub ram_upgraded_to_gb: Option<i32>,
    pub storage_upgraded_to_gb: Option<i32>,
    pub os_installed: Option<String>,
    pub parts_cost_pence: Option<i32>,
    pub labour_minutes: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeyondRepair {
    pub reason: BeyondRepairReason,
    pub notes: Option<String>,
    pub parts_cost_pence: Option<i32>,
    pub labour_minutes: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub device_id: Option<DeviceId>,
    pub refurbisher_id: Option<OrganisationId>,
    pub updated_since: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Field changes of a job action, applied only if the job is still at the version read.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = refurbishment_jobs)]
pub struct JobChanges {
    pub status: Option<JobStatus>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub grade: Option<Grade>,
    pub functional_result: Option<FunctionalResult>,
    pub functional_notes: Option<String>,
    pub ram_upgraded_to_gb: Option<i32>,
    pub storage_upgraded_to_gb: Option<i32>,
    pub os_installed: Option<String>,
    pub parts_cost_pence: Option<i32>,
    pub labour_minutes: Option<i32>,
    pub beyond_repair_reason: Option<BeyondRepairReason>,
    pub notes: Option<String>,
}

impl JobChanges {
    /// The job ends now in `status`.
    pub fn finished(status: JobStatus) -> Self {
        Self { status: Some(status), finished_at: Some(Utc::now()), ..Default::default() }
    }
}
