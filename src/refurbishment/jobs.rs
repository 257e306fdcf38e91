//! Loading and changing jobs: the view with its device tag and wipes, who may see a job, and the
//! conditional update every job action goes through.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{Job, JobRow, WipeRecord};
use super::repo;
use super::rules::{self, JobAction, JobStatus};
use crate::auth::{Actor, Role};
use crate::db::schema::{devices, refurbishment_jobs as jobs};
use crate::devices::models::{Category, DeviceRow};
use crate::http::ApiError;

/// Views for job rows, with each device's tag and category and the jobs' wipe records.
pub fn views(conn: &mut PgConnection, rows: Vec<JobRow>) -> Result<Vec<Job>, ApiError> {
    let job_ids: Vec<Uuid> = rows.iter().map(|j| j.id).collect();
    let device_ids: Vec<Uuid> = rows.iter().map(|j| j.device_id).collect();
    let tags: std::collections::HashMap<Uuid, (String, Category)> = devices::table
        .filter(devices::id.eq_any(&device_ids))
        .select((devices::id, devices::asset_tag, devices::category))
        .load::<(Uuid, String, Category)>(conn)?
        .into_iter()
        .map(|(id, tag, category)| (id, (tag, category)))
        .collect();
    let mut wipes: std::collections::HashMap<Uuid, Vec<WipeRecord>> = std::collections::HashMap::new();
    for w in repo::wipes_of_jobs(conn, &job_ids)? {
        wipes.entry(w.job_id).or_default().push(w);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let (tag, category) = tags.get(&r.device_id).cloned().unwrap_or((String::new(), Category::Accessory));
            let w = wipes.remove(&r.id).unwrap_or_default();
            Job::new(r, tag, rules::needs_wipe(category), w)
        })
        .collect())
}

pub fn view(conn: &mut PgConnection, row: JobRow) -> Result<Job, ApiError> {
    views(conn, vec![row])?.pop().ok_or_else(|| ApiError::not_found("refurbishment job"))
}

/// The job if the actor may see it: admins all; partners their organisation's; hub staff those
/// for devices at their hubs. Otherwise 404.
pub fn visible(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<(JobRow, DeviceRow), ApiError> {
    let not_found = || ApiError::not_found("refurbishment job");
    let job = repo::find(conn, id)?.ok_or_else(not_found)?;
    let device = crate::devices::repo::find(conn, job.device_id)?.ok_or_else(not_found)?;
    let allowed = match actor.role {
        Role::Admin => true,
        Role::Partner => actor.organisation_id == Some(job.refurbisher_id),
        Role::HubStaff => device.hub_id.is_some_and(|h| actor.hub_ids.contains(&h)),
        Role::Reporter => false,
    };
    if allowed { Ok((job, device)) } else { Err(not_found()) }
}

/// 409 naming the job's status and what may be done with it now.
pub fn illegal(status: JobStatus, action: JobAction) -> ApiError {
    let allowed: Vec<&str> = rules::allowed(status).iter().map(|a| a.as_str()).collect();
    ApiError::new(
        actix_web::http::StatusCode::CONFLICT,
        "illegal-transition",
        "Not allowed in the job's status",
        format!("a job that is {status} does not allow {action}"),
    )
    .with_extension("current_status", status.as_str())
    .with_extension("allowed_actions", allowed)
}

/// Checks `action` is allowed and returns the job's next status.
pub fn next_status(job: &JobRow, action: JobAction) -> Result<JobStatus, ApiError> {
    rules::next(job.status, action).ok_or_else(|| illegal(job.status, action))
}

/// Field changes of a job action, applied only if the job is still at the version read.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = jobs)]
pub struct JobChanges {
    pub status: Option<JobStatus>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub grade: Option<crate::devices::models::Grade>,
    pub functional_result: Option<super::models::FunctionalResult>,
    pub functional_notes: Option<String>,
    pub ram_upgraded_to_gb: Option<i32>,
    pub storage_upgraded_to_gb: Option<i32>,
    pub os_installed: Option<String>,
    pub parts_cost_pence: Option<i32>,
    pub labour_minutes: Option<i32>,
    pub beyond_repair_reason: Option<super::models::BeyondRepairReason>,
    pub notes: Option<String>,
}

pub fn update(conn: &mut PgConnection, job: &JobRow, changes: JobChanges) -> Result<JobRow, ApiError> {
    diesel::update(jobs::table.filter(jobs::id.eq(job.id)).filter(jobs::version.eq(job.version)))
        .set((changes, jobs::version.eq(jobs::version + 1), jobs::updated_at.eq(chrono::Utc::now())))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| ApiError::conflict("the job changed while this request ran; read it again"))
}
