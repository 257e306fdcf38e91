//! What a partner reports on a job: starting work, data wipes, completion with results, or beyond
//! economic repair; and cancellation by the side that assigned it. Each action moves the job and
//! its device together, in one transaction, conditionally on what was read.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::jobs::{self, JobChanges};
use super::models::{BeyondRepair, CompleteJob, FunctionalResult, Job, NewWipe};
use super::repo;
use super::rules::{self, JobAction};
use crate::AppState;
use crate::auth::{Actor, Principal, Role};
use crate::db::schema::{devices, wipe_records};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::devices::lifecycle::Action;
use crate::devices::models::DeviceRow;
use crate::devices::moves::{self, Move};
use crate::http::{ApiError, Json, Problems};

/// Partners do the work on their own jobs; admins may record it on a partner's behalf.
const WORKERS: &[Role] = &[Role::Admin, Role::Partner];

fn ok(job: Job) -> HttpResponse {
    crate::http::with_etag(HttpResponse::Ok(), job.version, &job)
}

/// Runs one job action for a worker: loads the job the caller may see, checks the action, and
/// hands over to `work` inside a transaction.
async fn act(
    state: web::Data<AppState>,
    who: Principal,
    id: Uuid,
    roles: &'static [Role],
    action: JobAction,
    work: impl FnOnce(
        &mut diesel::PgConnection,
        &Actor,
        super::models::JobRow,
        DeviceRow,
    ) -> Result<super::models::JobRow, ApiError>
    + Send
    + 'static,
) -> Result<Job, ApiError> {
    run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, roles)?;
        in_transaction(conn, |conn| {
            let (job, device) = jobs::visible(conn, &actor, id)?;
            jobs::next_status(&job, action)?;
            let row = work(conn, &actor, job, device)?;
            jobs::view(conn, row)
        })
    })
    .await
}

pub async fn start(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let job = act(state, who, id.into_inner(), WORKERS, JobAction::Start, |conn, actor, job, device| {
        let mv =
            Move::new("refurbishment_started").action(Action::StartRefurbishment).details(json!({ "job_id": job.id }));
        moves::apply(conn, &device, Some(actor.user_id), mv)?;
        let changes = JobChanges {
            status: Some(rules::JobStatus::InProgress),
            started_at: Some(chrono::Utc::now()),
            ..Default::default()
        };
        jobs::update(conn, &job, changes)
    })
    .await?;
    Ok(ok(job))
}

fn check_wipe(input: &NewWipe) -> Result<(), ApiError> {
    let mut problems = Problems::new();
    problems.length("tool", &input.tool, 1, 200);
    problems.length("operator_name", &input.operator_name, 1, 200);
    if let Some(v) = &input.tool_version {
        problems.length("tool_version", v, 0, 100);
    }
    if let Some(c) = &input.certificate_reference {
        problems.length("certificate_reference", c, 0, 200);
    }
    problems.check(
        input.performed_at <= chrono::Utc::now() + chrono::Duration::minutes(5),
        "performed_at",
        "must not be in the future",
    );
    problems.finish()
}

/// Records a data wipe against the job's device. A wipe that failed verification is recorded too
/// (it is part of the audit trail) but does not open the wipe gate.
pub async fn record_wipe(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<NewWipe>,
) -> Result<HttpResponse, ApiError> {
    check_wipe(&input)?;
    let job = act(state, who, id.into_inner(), WORKERS, JobAction::RecordWipe, move |conn, actor, job, device| {
        if !rules::needs_wipe(device.category) {
            return Err(ApiError::conflict(format!(
                "a {} holds no data: no wipe is needed, and none is recorded",
                device.category
            )));
        }
        diesel::insert_into(wipe_records::table)
            .values((
                wipe_records::id.eq(new_id()),
                wipe_records::job_id.eq(job.id),
                wipe_records::device_id.eq(device.id),
                wipe_records::level.eq(input.level),
                wipe_records::method.eq(input.method),
                wipe_records::tool.eq(input.tool.trim()),
                wipe_records::tool_version.eq(crate::http::trimmed(input.tool_version)),
                wipe_records::certificate_reference.eq(crate::http::trimmed(input.certificate_reference)),
                wipe_records::verified.eq(input.verified),
                wipe_records::operator_name.eq(input.operator_name.trim()),
                wipe_records::performed_at.eq(input.performed_at),
                wipe_records::recorded_by.eq(actor.user_id),
            ))
            .execute(conn)?;
        // The job's version moves on, so pollers see the new wipe in the changes feed.
        jobs::update(conn, &job, JobChanges::default())
    })
    .await?;
    Ok(HttpResponse::Created().json(job))
}

fn check_costs(problems: &mut Problems, parts: Option<i32>, minutes: Option<i32>) {
    problems.check(
        parts.is_none_or(|p| (0..=10_000_000).contains(&p)),
        "parts_cost_pence",
        "must be from 0 to 10000000",
    );
    problems.check(minutes.is_none_or(|m| (0..=100_000).contains(&m)), "labour_minutes", "must be from 0 to 100000");
}

/// Completes a job: the device returns to its hub as ready — only through the wipe gate.
pub async fn complete(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<CompleteJob>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.check(
        input.functional_result != FunctionalResult::Failed,
        "functional_result",
        "a device that failed its tests is declared beyond repair, not completed",
    );
    check_costs(&mut problems, input.parts_cost_pence, input.labour_minutes);
    problems.check(
        input.ram_upgraded_to_gb.is_none_or(|g| (0..=4096).contains(&g)),
        "ram_upgraded_to_gb",
        "must be from 0 to 4096",
    );
    problems.check(
        input.storage_upgraded_to_gb.is_none_or(|g| (0..=1_048_576).contains(&g)),
        "storage_upgraded_to_gb",
        "must be from 0 to 1048576",
    );
    if let Some(n) = &input.functional_notes {
        problems.length("functional_notes", n, 0, 2000);
    }
    if let Some(os) = &input.os_installed {
        problems.length("os_installed", os, 0, 200);
    }
    problems.finish()?;
    let job = act(state, who, id.into_inner(), WORKERS, JobAction::Complete, move |conn, actor, job, device| {
        if !rules::passes_wipe_gate(device.category, repo::has_verified_wipe(conn, device.id)?) {
            return Err(ApiError::new(
                actix_web::http::StatusCode::CONFLICT,
                "wipe-required",
                "Data wipe required",
                format!(
                    "{} has no verified data wipe on record; record one before completing the job",
                    device.asset_tag
                ),
            ));
        }
        let os = crate::http::trimmed(input.os_installed.clone());
        // Results carry over to the device: its grade and any upgrades.
        diesel::update(devices::table.find(device.id))
            .set((
                devices::grade.eq(input.grade),
                devices::ram_gb.eq(input.ram_upgraded_to_gb.or(device.ram_gb)),
                devices::storage_gb.eq(input.storage_upgraded_to_gb.or(device.storage_gb)),
                devices::operating_system.eq(os.clone().or(device.operating_system.clone())),
            ))
            .execute(conn)?;
        let device = crate::devices::repo::find(conn, device.id)?.ok_or_else(|| ApiError::not_found("device"))?;
        let mut mv = Move::new("refurbishment_completed")
            .action(Action::CompleteRefurbishment)
            .details(json!({ "job_id": job.id, "grade": input.grade, "functional_result": input.functional_result }));
        mv.hub_id = Some(job.return_hub_id.or(device.hub_id));
        let ready = moves::apply(conn, &device, Some(actor.user_id), mv)?;
        // Someone may be waiting for just this kind of device at that hub.
        crate::loans::holds::offer(conn, &ready, Some(actor.user_id))?;
        let changes = JobChanges {
            status: Some(rules::JobStatus::Completed),
            finished_at: Some(chrono::Utc::now()),
            grade: Some(input.grade),
            functional_result: Some(input.functional_result),
            functional_notes: crate::http::trimmed(input.functional_notes),
            ram_upgraded_to_gb: input.ram_upgraded_to_gb,
            storage_upgraded_to_gb: input.storage_upgraded_to_gb,
            os_installed: os,
            parts_cost_pence: input.parts_cost_pence,
            labour_minutes: input.labour_minutes,
            ..Default::default()
        };
        jobs::update(conn, &job, changes)
    })
    .await?;
    Ok(ok(job))
}

/// The partner gives up on a device: beyond economic repair, with the reason.
pub async fn beyond_repair(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<BeyondRepair>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    check_costs(&mut problems, input.parts_cost_pence, input.labour_minutes);
    if let Some(n) = &input.notes {
        problems.length("notes", n, 0, 2000);
    }
    problems.finish()?;
    let job =
        act(state, who, id.into_inner(), WORKERS, JobAction::DeclareBeyondRepair, move |conn, actor, job, device| {
            let mv = Move::new("declared_beyond_repair")
                .action(Action::DeclareBeyondRepair)
                .details(json!({ "job_id": job.id, "reason": input.reason }));
            moves::apply(conn, &device, Some(actor.user_id), mv)?;
            let changes = JobChanges {
                status: Some(rules::JobStatus::BeyondRepair),
                finished_at: Some(chrono::Utc::now()),
                beyond_repair_reason: Some(input.reason),
                functional_notes: crate::http::trimmed(input.notes),
                parts_cost_pence: input.parts_cost_pence,
                labour_minutes: input.labour_minutes,
                ..Default::default()
            };
            jobs::update(conn, &job, changes)
        })
        .await?;
    Ok(ok(job))
}

/// The assigning side (hub staff of the device's hub, or an admin) takes the device back.
pub async fn cancel(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let job = act(
        state,
        who,
        id.into_inner(),
        &[Role::Admin, Role::HubStaff],
        JobAction::Cancel,
        |conn, actor, job, device| {
            let mv = Move::new("refurbishment_cancelled")
                .action(Action::CancelRefurbishment)
                .details(json!({ "job_id": job.id }));
            moves::apply(conn, &device, Some(actor.user_id), mv)?;
            let changes = JobChanges {
                status: Some(rules::JobStatus::Cancelled),
                finished_at: Some(chrono::Utc::now()),
                ..Default::default()
            };
            jobs::update(conn, &job, changes)
        },
    )
    .await?;
    Ok(ok(job))
}
