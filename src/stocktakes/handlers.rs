//! `/api/v1/stocktakes`: open a count of a hub, scan codes into it, read it, close it.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use serde_json::json;

use super::models::{
    Close, NewScan, NewStocktake, Report, ScanResult, Scanned, Stocktake, StocktakeFilter, StocktakeRow,
    StocktakeStatus, StocktakeSummary, Stocktakes,
};
use super::repo;
use super::rules::{self, Code, Refusal};
use crate::auth::{Actor, Principal, STAFF};
use crate::devices::handlers::Effects;
use crate::devices::models::{Action, DeviceRow, Move};
use crate::devices::repo::moves;
use crate::http::{ApiError, AppState, Json, Problems, Query, created, in_transaction, run_blocking, with_etag};
use crate::ids::{DeviceId, StocktakeId};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("stocktake"),
            Refusal::Closed => ApiError::conflict("the stocktake is closed").with_extension("current_status", "closed"),
            Refusal::AlreadyOpen => ApiError::conflict("a stocktake of this hub is already open; close it first"),
        }
    }
}

/// A count at one of the caller's hubs (any, for an admin).
fn visible(actor: &Actor, count: Option<StocktakeRow>) -> Result<StocktakeRow, ApiError> {
    Ok(count.filter(|c| actor.works_at(c.hub_id)).ok_or(Refusal::NotFound)?)
}

/// The count as it stands: what was expected and scanned, against the devices' records now.
fn report_of(conn: &mut PgConnection, count: &StocktakeRow) -> Result<Report, ApiError> {
    let (expected, scans) = (repo::expected_of(conn, count.id)?, repo::scans_of(conn, count.id)?);
    let mut ids: Vec<DeviceId> = expected.iter().map(|(id, _)| *id).collect();
    ids.extend(scans.iter().filter_map(|s| s.device_id));
    let devices: HashMap<DeviceId, DeviceRow> =
        crate::devices::repo::find_many(conn, &ids)?.into_iter().map(|d| (d.id, d)).collect();
    Ok(rules::report(count, &expected, &scans, &devices))
}

/// The devices a code names: by id or link, else by asset tag, else by serial number.
fn devices_named(conn: &mut PgConnection, code: &str) -> Result<Vec<DeviceRow>, ApiError> {
    Ok(match rules::parse(code) {
        Code::Id(id) => crate::devices::repo::find(conn, id)?.into_iter().collect(),
        Code::TagOrSerial(text) => match crate::devices::repo::find_by_tag(conn, &text)? {
            Some(device) => vec![device],
            None => crate::devices::repo::find_by_serial(conn, &text)?,
        },
    })
}

pub async fn open(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewStocktake>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    if let Some(notes) = &input.notes {
        problems.length("notes", notes, 0, 2000);
    }
    problems.finish()?;
    let count = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let known = crate::hubs::repo::find(conn, input.hub_id)?.is_some();
        if !known || !actor.works_at(input.hub_id) {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        in_transaction(conn, |conn| {
            let row = repo::open(conn, input.hub_id, crate::http::trimmed(input.notes), actor.user_id)?;
            let report = report_of(conn, &row)?;
            Ok(Stocktake::new(row, report))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/stocktakes/{}", count.id), count.version, &count))
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<StocktakeFilter>,
) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let reach = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let rows = repo::list(conn, &filter, reach)?;
        Ok(rows
            .into_iter()
            .map(|r| StocktakeSummary {
                id: r.id,
                hub_id: r.hub_id,
                status: r.status,
                opened_at: r.opened_at,
                closed_at: r.closed_at,
                version: r.version,
            })
            .collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Stocktakes { items }))
}

pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<StocktakeId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let count = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let row = visible(&actor, repo::find(conn, id)?)?;
        let report = report_of(conn, &row)?;
        Ok(Stocktake::new(row, report))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), count.version, &count))
}

/// One scan: the code is kept once (a repeated scan changes nothing) with the device it names.
pub async fn scan(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<StocktakeId>,
    Json(input): Json<NewScan>,
) -> Result<HttpResponse, ApiError> {
    rules::check_code(&input.code).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let scanned = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let count = visible(&actor, repo::find_for_scan(conn, id)?)?;
            if count.status == StocktakeStatus::Closed {
                return Err(Refusal::Closed.into());
            }
            let code = rules::normalise(&input.code);
            let named = devices_named(conn, &input.code)?;
            let [device] = named.as_slice() else {
                let added = repo::record_scan(conn, id, &code, None, actor.user_id)?;
                let result = if named.is_empty() { ScanResult::Unknown } else { ScanResult::Ambiguous };
                let candidates = named.iter().map(|d| d.asset_tag.clone()).collect();
                return Ok(Scanned { code, result, repeated: !added, device: None, candidates });
            };
            let expected = repo::expected_status(conn, id, device.id)?;
            let added = repo::record_scan(conn, id, &code, Some(device.id), actor.user_id)?;
            let result = rules::result_of(expected.is_some());
            Ok(Scanned {
                code,
                result,
                repeated: !added,
                device: Some(rules::counted(device, expected)),
                candidates: vec![],
            })
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(scanned))
}

/// Carries out a close's decisions as device moves, each in the device's history.
fn apply(
    conn: &mut PgConnection,
    effects: &dyn moves::Effects,
    actor: &Actor,
    count: &StocktakeRow,
    close: &Close,
) -> Result<(), ApiError> {
    let details = json!({ "stocktake_id": count.id });
    for id in &close.mark_lost {
        let device = crate::devices::repo::find(conn, *id)?.ok_or_else(|| ApiError::not_found("device"))?;
        crate::devices::rules::custody::mark_lost(&device).map_err(crate::devices::repo::DeviceError::from)?;
        let mv = Move::new("marked_lost").action(Action::MarkLost).details(details.clone());
        moves::apply(conn, effects, &device, Some(actor.user_id), mv)?;
    }
    for id in &close.receive {
        let device = crate::devices::repo::find(conn, *id)?.ok_or_else(|| ApiError::not_found("device"))?;
        let mv = Move::new("found_at_stocktake").details(details.clone()).to_hub(count.hub_id).ending_transfer();
        moves::apply(conn, effects, &device, Some(actor.user_id), mv)?;
    }
    Ok(())
}

/// Closes the count: the decisions are checked against it, then applied as moves, all or none.
pub async fn close(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<StocktakeId>,
    Json(input): Json<Close>,
) -> Result<HttpResponse, ApiError> {
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let count = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let count = visible(&actor, repo::find_for_close(conn, id)?)?;
            if count.status == StocktakeStatus::Closed {
                return Err(Refusal::Closed.into());
            }
            rules::check_close(&input, &report_of(conn, &count)?).map_err(ApiError::validation)?;
            let outcome = json!({ "marked_lost": input.mark_lost, "received": input.receive });
            let closed = repo::close(conn, &count, actor.user_id, outcome)?.ok_or(Refusal::Closed)?;
            apply(conn, &*effects, &actor, &closed, &input)?;
            let report = report_of(conn, &closed)?;
            Ok(Stocktake::new(closed, report))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), count.version, &count))
}
