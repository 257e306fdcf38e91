//! Refurbishment queries: jobs, their wipe records, the job views with their devices' tags, and the
//! conditional update every job action goes through.

use std::collections::HashMap;

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{Job, JobChanges, JobFilter, JobRow, NewWipe, WipeRecord};
use super::rules::JobStatus;
use crate::auth::Actor;
use crate::db::schema::{devices, refurbishment_jobs as jobs, wipe_records};
use crate::devices::models::{Category, DeviceRow, DeviceStatus};
use crate::devices::rules::holds_data;
use crate::http::pagination::ChangeCursor;
use crate::ids::{DeviceId, DonationId, HubId, JobId, OrganisationId, UserId, WipeId};

pub fn find(conn: &mut PgConnection, id: JobId) -> QueryResult<Option<JobRow>> {
    jobs::table.find(id).select(JobRow::as_select()).first(conn).optional()
}

/// Who a list is for: everything, one refurbisher's jobs, or jobs for devices at some hubs.
pub enum Audience<'a> {
    Everyone,
    Refurbisher(OrganisationId),
    Hubs(&'a [HubId]),
}

/// Jobs in the order they last changed (a feed partners poll).
pub fn list(
    conn: &mut PgConnection,
    filter: &JobFilter,
    audience: Audience<'_>,
    after: Option<ChangeCursor>,
    limit: i64,
) -> QueryResult<Vec<JobRow>> {
    let mut query = jobs::table.select(JobRow::as_select()).into_boxed();
    match audience {
        Audience::Everyone => {}
        Audience::Refurbisher(org) => query = query.filter(jobs::refurbisher_id.eq(org)),
        Audience::Hubs(hubs) => {
            let at_hubs = devices::table.filter(devices::hub_id.eq_any(hubs.to_vec())).select(devices::id);
            query = query.filter(jobs::device_id.eq_any(at_hubs));
        }
    }
    if let Some(c) = after {
        query = query
            .filter(jobs::updated_at.gt(c.updated_at).or(jobs::updated_at.eq(c.updated_at).and(jobs::id.gt(c.id))));
    }
    if let Some(status) = filter.status {
        query = query.filter(jobs::status.eq(status));
    }
    if let Some(device) = filter.device_id {
        query = query.filter(jobs::device_id.eq(device));
    }
    if let Some(org) = filter.refurbisher_id {
        query = query.filter(jobs::refurbisher_id.eq(org));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(jobs::updated_at.ge(since));
    }
    query.order((jobs::updated_at, jobs::id)).limit(limit).load(conn)
}

pub fn wipes_of_jobs(conn: &mut PgConnection, job_ids: &[JobId]) -> QueryResult<Vec<WipeRecord>> {
    wipe_records::table
        .filter(wipe_records::job_id.eq_any(job_ids))
        .select(WipeRecord::as_select())
        .order(wipe_records::id)
        .load(conn)
}

pub fn has_verified_wipe(conn: &mut PgConnection, device: DeviceId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        wipe_records::table.filter(wipe_records::device_id.eq(device)).filter(wipe_records::verified.eq(true)),
    ))
    .get_result(conn)
}

/// The job and its device, if the actor may see them.
pub fn visible(conn: &mut PgConnection, actor: &Actor, id: JobId) -> QueryResult<Option<(JobRow, DeviceRow)>> {
    let Some(job) = find(conn, id)? else { return Ok(None) };
    let Some(device) = crate::devices::repo::find(conn, job.device_id)? else { return Ok(None) };
    Ok(super::rules::may_see(actor, &job, &device).then_some((job, device)))
}

/// Views for job rows, with each device's tag and whether it needs a wipe, and the jobs' wipes.
pub fn views(conn: &mut PgConnection, rows: Vec<JobRow>) -> QueryResult<Vec<Job>> {
    let job_ids: Vec<JobId> = rows.iter().map(|j| j.id).collect();
    let device_ids: Vec<DeviceId> = rows.iter().map(|j| j.device_id).collect();
    let tags: HashMap<DeviceId, (String, Category)> = devices::table
        .filter(devices::id.eq_any(&device_ids))
        .select((devices::id, devices::asset_tag, devices::category))
        .load::<(DeviceId, String, Category)>(conn)?
        .into_iter()
        .map(|(id, tag, category)| (id, (tag, category)))
        .collect();
    let mut wipes: HashMap<JobId, Vec<WipeRecord>> = HashMap::new();
    for w in wipes_of_jobs(conn, &job_ids)? {
        wipes.entry(w.job_id).or_default().push(w);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let (tag, category) = tags.get(&r.device_id).cloned().unwrap_or((String::new(), Category::Accessory));
            let w = wipes.remove(&r.id).unwrap_or_default();
            Job::new(r, tag, holds_data(category), w)
        })
        .collect())
}

/// A donation's received devices, at rest, waiting to be assigned.
pub fn received_devices_of(conn: &mut PgConnection, donation: DonationId) -> QueryResult<Vec<DeviceRow>> {
    devices::table
        .filter(devices::donation_id.eq(donation))
        .filter(devices::status.eq(DeviceStatus::Received))
        .filter(devices::transfer_to_hub_id.is_null())
        .select(DeviceRow::as_select())
        .order(devices::id)
        .load(conn)
}

pub fn insert_job(
    conn: &mut PgConnection,
    device: &DeviceRow,
    refurbisher: OrganisationId,
    assigned_by: UserId,
    notes: Option<String>,
) -> QueryResult<JobRow> {
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(JobId::new()),
            jobs::device_id.eq(device.id),
            jobs::refurbisher_id.eq(refurbisher),
            jobs::assigned_by.eq(assigned_by),
            jobs::return_hub_id.eq(device.hub_id),
            jobs::notes.eq(notes),
        ))
        .returning(JobRow::as_returning())
        .get_result(conn)
}

pub fn insert_wipe(conn: &mut PgConnection, job: &JobRow, input: NewWipe, by: UserId) -> QueryResult<()> {
    diesel::insert_into(wipe_records::table)
        .values((
            wipe_records::id.eq(WipeId::new()),
            wipe_records::job_id.eq(job.id),
            wipe_records::device_id.eq(job.device_id),
            wipe_records::level.eq(input.level),
            wipe_records::method.eq(input.method),
            wipe_records::tool.eq(input.tool.trim()),
            wipe_records::tool_version.eq(crate::http::trimmed(input.tool_version)),
            wipe_records::certificate_reference.eq(crate::http::trimmed(input.certificate_reference)),
            wipe_records::verified.eq(input.verified),
            wipe_records::operator_name.eq(input.operator_name.trim()),
            wipe_records::performed_at.eq(input.performed_at),
            wipe_records::recorded_by.eq(by),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Applies `changes` if the job is still at the version read; None when it moved on.
pub fn update(conn: &mut PgConnection, job: &JobRow, changes: JobChanges) -> QueryResult<Option<JobRow>> {
    diesel::update(jobs::table.filter(jobs::id.eq(job.id)).filter(jobs::version.eq(job.version)))
        .set((changes, jobs::version.eq(jobs::version + 1), jobs::updated_at.eq(Utc::now())))
        .returning(JobRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Ends the device's open job, if it has one (the device was lost during refurbishment).
pub fn cancel_open_job_of(conn: &mut PgConnection, device: DeviceId) -> QueryResult<()> {
    let open: Option<JobRow> = jobs::table
        .filter(jobs::device_id.eq(device))
        .filter(jobs::status.eq_any([JobStatus::Assigned, JobStatus::InProgress]))
        .select(JobRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(job) = open {
        update(conn, &job, JobChanges::finished(JobStatus::Cancelled))?;
    }
    Ok(())
}
