//! SIM batches from a connectivity supplier, and importing their stock (ICCIDs or voucher codes),
//! JSON or CSV, all or nothing with every bad row listed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::pg::PgConnection;

use super::visible_batch;
use crate::auth::{Principal, STAFF};
use crate::http::csv::read_table;
use crate::http::json::{BodyLimits, parse_json, read_body};
use crate::http::{
    ApiError, AppState, FieldError, Json, Page, PageRequest, Query, created, in_transaction, run_blocking, with_etag,
};
use crate::ids::BatchId;
use crate::organisations::models::OrganisationRole;
use crate::organisations::rules::require_part;
use crate::sims::models::{Batch, BatchFilter, ImportedSim, NewBatch, StockImport};
use crate::sims::repo;
use crate::sims::rules;

pub const MAX_IMPORT: usize = 10_000;

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewBatch>,
) -> Result<HttpResponse, ApiError> {
    rules::check_batch(&input).map_err(ApiError::validation)?;
    let batch = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if !actor.works_at(input.hub_id) || crate::hubs::repo::find(conn, input.hub_id)?.is_none() {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        let supplier = crate::organisations::repo::find(conn, input.supplier_id)?
            .ok_or_else(|| ApiError::unknown_reference("supplier_id"))?;
        require_part(&supplier, OrganisationRole::ConnectivitySupplier, "supplier_id")?;
        Ok(repo::insert_batch(conn, &input)?)
    })
    .await?;
    Ok(created(format!("/api/v1/sim-batches/{}", batch.id), batch.version, &batch))
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<BatchFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hubs = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let rows = repo::list_batches(conn, &filter, hubs, &page)?;
        Ok(Page::from_rows(rows, &page, |b| b.id.uuid(), |b| b))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<BatchId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let batch = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        visible_batch(conn, &actor, id)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), batch.version, &batch))
}

/// Entries of the upload with their row numbers: a JSON array of strings (1-based positions), or
/// a CSV file with one column headed `iccid`, `voucher_code` or `code` (line numbers).
fn entries(req: &HttpRequest, bytes: &[u8]) -> Result<Vec<(usize, String)>, ApiError> {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if essence == "text/csv" {
        let (table, errors) = read_table(bytes)?;
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let column = table
            .headers
            .iter()
            .position(|h| matches!(h.trim().to_lowercase().as_str(), "iccid" | "voucher_code" | "code" | "voucher"))
            .ok_or_else(|| ApiError::invalid_field("body", "the CSV needs an iccid or voucher_code column"))?;
        let mut out = Vec::new();
        for row in table.rows {
            let value = row.cells.get(column).map(|c| c.trim()).unwrap_or_default();
            if !value.is_empty() {
                out.push((row.line, value.to_owned()));
            }
        }
        return Ok(out);
    }
    if essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")) {
        let values: Vec<String> = parse_json(bytes)?;
        return Ok(values.into_iter().enumerate().map(|(i, v)| (i + 1, v)).collect());
    }
    Err(ApiError::unsupported_media_type("application/json or text/csv"))
}

/// Every problem of an upload in one 422, in row order.
fn refused(mut errors: Vec<FieldError>) -> ApiError {
    errors.sort_by_key(|e| e.row);
    let count = errors.len();
    ApiError::validation(errors).with_detail(format!("{count} problem(s) in the upload; nothing was stored"))
}

/// The upload's entries, each well formed, not repeated and not already in stock; every problem of
/// the upload at once otherwise.
fn checked_entries(
    conn: &mut PgConnection,
    batch: &Batch,
    rows: Vec<(usize, String)>,
) -> Result<Vec<(usize, String)>, ApiError> {
    let (good, mut errors) = rules::check_entries(batch.kind, rows);
    let existing = repo::already_recorded(conn, batch, &good.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>())?;
    let field = rules::entry_field(batch.kind);
    let known = good.iter().filter(|(_, v)| existing.contains(v));
    errors.extend(known.map(|(row, _)| FieldError::at_row(*row, field, "already in stock")));
    if errors.is_empty() { Ok(good) } else { Err(refused(errors)) }
}

pub async fn import(
    state: web::Data<AppState>,
    limits: web::Data<BodyLimits>,
    who: Principal,
    id: web::Path<BatchId>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let bytes = read_body(&mut payload, declared, limits.import).await?;
    let rows = entries(&req, &bytes)?;
    let id = id.into_inner();
    let result = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let batch = visible_batch(conn, &actor, id)?;
        if rows.is_empty() {
            return Err(ApiError::invalid_field("body", "the upload holds no SIMs"));
        }
        if rows.len() > MAX_IMPORT {
            return Err(ApiError::invalid_field("body", format!("at most {MAX_IMPORT} SIMs in one upload")));
        }
        let good = checked_entries(conn, &batch, rows)?;
        in_transaction(conn, |conn| {
            let sims: Vec<ImportedSim> =
                repo::insert_sims(conn, &batch, &good)?.into_iter().map(|(row, id)| ImportedSim { row, id }).collect();
            Ok(StockImport { batch_id: batch.id, imported: sims.len(), sims })
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}
