//! What a partner reports on a job: starting work, data wipes, completion with results, or beyond
//! economic repair; and cancellation by the side that assigned it. Each action moves the job and
//! its device together, in one transaction, conditionally on what was read.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use serde_json::json;

use super::{update, view};
use crate::auth::{Actor, Principal, Role, STAFF};
use crate::devices::handlers::Effects;
use crate::devices::models::{Action, DeviceChanges, DeviceRow, Move};
use crate::devices::repo::moves;
use crate::devices::rules::holds_data;
use crate::http::{ApiError, AppState, Json, in_transaction, run_blocking, with_etag};
use crate::ids::JobId;
use crate::refurbishment::models::{BeyondRepair, CompleteJob, Job, JobAction, JobChanges, JobRow, JobStatus, NewWipe};
use crate::refurbishment::repo;
use crate::refurbishment::rules::{self, Refusal};

/// Partners do the work on their own jobs; admins may record it on a partner's behalf.
const WORKERS: &[Role] = &[Role::Admin, Role::Partner];

type Effect = Arc<dyn crate::devices::repo::moves::Effects>;

fn ok(job: Job) -> HttpResponse {
    with_etag(HttpResponse::Ok(), job.version, &job)
}

/// Runs one job action: loads the job the caller may see, checks the action is allowed, and hands
/// over to `work` inside a transaction; answers with the job as it is then.
async fn act(
    state: web::Data<AppState>,
    who: Principal,
    id: JobId,
    roles: &'static [Role],
    action: JobAction,
    work: impl FnOnce(&mut PgConnection, &Actor, JobRow, DeviceRow) -> Result<JobRow, ApiError> + Send + 'static,
) -> Result<Job, ApiError> {
    run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, roles)?;
        in_transaction(conn, |conn| {
            let (job, device) = repo::visible(conn, &actor, id)?.ok_or(Refusal::NotFound)?;
            rules::check_action(&job, action)?;
            let row = work(conn, &actor, job, device)?;
            view(conn, row)
        })
    })
    .await
}

/// Moves the job's device as the action says, with the job named in its history.
fn move_device(
    conn: &mut PgConnection,
    effects: &Effect,
    actor: &Actor,
    device: &DeviceRow,
    mv: Move,
) -> Result<DeviceRow, ApiError> {
    Ok(moves::apply(conn, &**effects, device, Some(actor.user_id), mv)?)
}

pub async fn start(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<JobId>,
) -> Result<HttpResponse, ApiError> {
    let effects = effects.into_inner();
    let job = act(state, who, id.into_inner(), WORKERS, JobAction::Start, move |conn, actor, job, device| {
        let mv = Move::new("refurbishment_started").action(Action::StartRefurbishment);
        move_device(conn, &effects, actor, &device, mv.details(json!({ "job_id": job.id })))?;
        let changes = JobChanges {
            status: Some(JobStatus::InProgress),
            started_at: Some(chrono::Utc::now()),
            ..Default::default()
        };
        update(conn, &job, changes)
    })
    .await?;
    Ok(ok(job))
}

/// Records a data wipe against the job's device. A wipe that failed verification is recorded too
/// (it is part of the audit trail) but does not open the wipe gate.
pub async fn record_wipe(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<JobId>,
    Json(input): Json<NewWipe>,
) -> Result<HttpResponse, ApiError> {
    rules::check_wipe(&input, chrono::Utc::now()).map_err(ApiError::validation)?;
    let job = act(state, who, id.into_inner(), WORKERS, JobAction::RecordWipe, move |conn, actor, job, device| {
        if !holds_data(device.category) {
            return Err(Refusal::NothingToWipe { category: device.category }.into());
        }
        repo::insert_wipe(conn, &job, input, actor.user_id)?;
        // The job's version moves on, so pollers see the new wipe in the changes feed.
        update(conn, &job, JobChanges::default())
    })
    .await?;
    Ok(HttpResponse::Created().json(job))
}

/// Completes a job: the device returns to its hub as ready — only through the wipe gate — with its
/// grade and any upgrades.
pub async fn complete(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<JobId>,
    Json(input): Json<CompleteJob>,
) -> Result<HttpResponse, ApiError> {
    rules::check_complete(&input).map_err(ApiError::validation)?;
    let effects = effects.into_inner();
    let job = act(state, who, id.into_inner(), WORKERS, JobAction::Complete, move |conn, actor, job, device| {
        if !rules::passes_wipe_gate(device.category, repo::has_verified_wipe(conn, device.id)?) {
            return Err(Refusal::WipeRequired { asset_tag: device.asset_tag }.into());
        }
        let os = crate::http::trimmed(input.os_installed.clone());
        let device = carry_results(conn, &device, &input, os.clone())?;
        let details = json!({ "job_id": job.id, "grade": input.grade, "functional_result": input.functional_result });
        let mut mv = Move::new("refurbishment_completed").action(Action::CompleteRefurbishment).details(details);
        mv.hub_id = Some(job.return_hub_id.or(device.hub_id));
        move_device(conn, &effects, actor, &device, mv)?;
        let changes = JobChanges {
            grade: Some(input.grade),
            functional_result: Some(input.functional_result),
            functional_notes: crate::http::trimmed(input.functional_notes),
            ram_upgraded_to_gb: input.ram_upgraded_to_gb,
            storage_upgraded_to_gb: input.storage_upgraded_to_gb,
            os_installed: os,
            parts_cost_pence: input.parts_cost_pence,
            labour_minutes: input.labour_minutes,
            ..JobChanges::finished(JobStatus::Completed)
        };
        update(conn, &job, changes)
    })
    .await?;
    Ok(ok(job))
}

/// Results carry over to the device: its grade, and any upgrades and operating system installed.
fn carry_results(
    conn: &mut PgConnection,
    device: &DeviceRow,
    input: &CompleteJob,
    os: Option<String>,
) -> Result<DeviceRow, ApiError> {
    let results = DeviceChanges {
        grade: Some(Some(input.grade)),
        ram_gb: input.ram_upgraded_to_gb.map(Some),
        storage_gb: input.storage_upgraded_to_gb.map(Some),
        operating_system: os.map(Some),
        ..Default::default()
    };
    let changed = crate::devices::repo::update_fields(conn, device.id, device.version, &results)?;
    Ok(changed.ok_or(crate::devices::rules::Refusal::ChangedMeanwhile { now: device.status })?)
}

/// The partner gives up on a device: beyond economic repair, with the reason.
pub async fn beyond_repair(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<JobId>,
    Json(input): Json<BeyondRepair>,
) -> Result<HttpResponse, ApiError> {
    rules::check_beyond_repair(&input).map_err(ApiError::validation)?;
    let effects = effects.into_inner();
    let action = JobAction::DeclareBeyondRepair;
    let job = act(state, who, id.into_inner(), WORKERS, action, move |conn, actor, job, device| {
        let details = json!({ "job_id": job.id, "reason": input.reason });
        let mv = Move::new("declared_beyond_repair").action(Action::DeclareBeyondRepair).details(details);
        move_device(conn, &effects, actor, &device, mv)?;
        let changes = JobChanges {
            beyond_repair_reason: Some(input.reason),
            functional_notes: crate::http::trimmed(input.notes),
            parts_cost_pence: input.parts_cost_pence,
            labour_minutes: input.labour_minutes,
            ..JobChanges::finished(JobStatus::BeyondRepair)
        };
        update(conn, &job, changes)
    })
    .await?;
    Ok(ok(job))
}

/// The assigning side (hub staff of the device's hub, or an admin) takes the device back.
pub async fn cancel(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<JobId>,
) -> Result<HttpResponse, ApiError> {
    let effects = effects.into_inner();
    let job = act(state, who, id.into_inner(), STAFF, JobAction::Cancel, move |conn, actor, job, device| {
        let mv = Move::new("refurbishment_cancelled").action(Action::CancelRefurbishment);
        move_device(conn, &effects, actor, &device, mv.details(json!({ "job_id": job.id })))?;
        update(conn, &job, JobChanges::finished(JobStatus::Cancelled))
    })
    .await?;
    Ok(ok(job))
}
