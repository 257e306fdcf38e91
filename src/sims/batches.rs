//! SIM batches from a connectivity supplier, and importing their stock (ICCIDs or voucher codes),
//! JSON or CSV, all or nothing with every bad row listed.

use std::collections::{HashMap, HashSet};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use super::models::{Batch, BatchFilter, NewBatch, SimKind};
use super::rules;
use crate::AppState;
use crate::auth::{Actor, Principal, Role};
use crate::db::schema::{sim_batches, sims};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::http::csv::read_table;
use crate::http::json::{BodyLimits, parse_json, read_body};
use crate::http::{ApiError, FieldError, Json, Page, PageRequest, Problems, Query, created, with_etag};
use crate::organisations::models::OrganisationRole;

pub const STAFF: &[Role] = &[Role::Admin, Role::HubStaff];
pub const MAX_IMPORT: usize = 10_000;

pub fn visible(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<Batch, ApiError> {
    sim_batches::table
        .find(id)
        .select(Batch::as_select())
        .first(conn)
        .optional()?
        .filter(|b| actor.works_at(b.hub_id))
        .ok_or_else(|| ApiError::not_found("SIM batch"))
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewBatch>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.length("network", &input.network, 1, 60);
    problems.check((1..=10_000).contains(&input.data_gb_per_month), "data_gb_per_month", "must be from 1 to 10000");
    problems.check((1..=60).contains(&input.duration_months), "duration_months", "must be from 1 to 60");
    if let Some(r) = &input.reference {
        problems.length("reference", r, 0, 200);
    }
    problems.finish()?;
    let batch = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if !actor.works_at(input.hub_id) || crate::hubs::repo::find(conn, input.hub_id)?.is_none() {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        let supplier = crate::organisations::repo::find(conn, input.supplier_id)?
            .ok_or_else(|| ApiError::unknown_reference("supplier_id"))?;
        if !supplier.plays(OrganisationRole::ConnectivitySupplier) {
            return Err(crate::refurbishment::assign::wrong_part("supplier_id", "a connectivity supplier"));
        }
        Ok(diesel::insert_into(sim_batches::table)
            .values((
                sim_batches::id.eq(new_id()),
                sim_batches::supplier_id.eq(supplier.id),
                sim_batches::network.eq(input.network.trim()),
                sim_batches::kind.eq(input.kind),
                sim_batches::data_gb_per_month.eq(input.data_gb_per_month),
                sim_batches::duration_months.eq(input.duration_months),
                sim_batches::received_on.eq(input.received_on),
                sim_batches::hub_id.eq(input.hub_id),
                sim_batches::reference.eq(crate::http::trimmed(input.reference.clone())),
            ))
            .returning(Batch::as_returning())
            .get_result(conn)?)
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
        let mut query = sim_batches::table.select(Batch::as_select()).into_boxed();
        if !actor.is_admin() {
            query = query.filter(sim_batches::hub_id.eq_any(actor.hub_ids.clone()));
        }
        if let Some(after) = page.after {
            query = query.filter(sim_batches::id.gt(after));
        }
        if let Some(hub) = filter.hub_id {
            query = query.filter(sim_batches::hub_id.eq(hub));
        }
        if let Some(network) = filter.network.as_deref() {
            query = query.filter(sim_batches::network.ilike(crate::db::like_escape(network.trim())));
        }
        let rows = query.order(sim_batches::id).limit(page.fetch()).load(conn)?;
        Ok(Page::from_rows(rows, &page, |b| b.id, |b| b))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let batch = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        visible(conn, &actor, id)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), batch.version, &batch))
}

#[derive(Debug, Serialize)]
pub struct ImportedSim {
    pub row: usize,
    pub id: Uuid,
}

#[derive(Debug, Serialize)]
pub struct StockImport {
    pub batch_id: Uuid,
    pub imported: usize,
    pub sims: Vec<ImportedSim>,
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

pub async fn import(
    state: web::Data<AppState>,
    limits: web::Data<BodyLimits>,
    who: Principal,
    id: web::Path<Uuid>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let bytes = read_body(&mut payload, declared, limits.import).await?;
    let rows = entries(&req, &bytes)?;
    let id = id.into_inner();
    let result = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let batch = visible(conn, &actor, id)?;
        if rows.is_empty() {
            return Err(ApiError::invalid_field("body", "the upload holds no SIMs"));
        }
        if rows.len() > MAX_IMPORT {
            return Err(ApiError::invalid_field("body", format!("at most {MAX_IMPORT} SIMs in one upload")));
        }
        let field = if batch.kind == SimKind::PhysicalSim { "iccid" } else { "voucher_code" };
        let mut errors = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut good = Vec::new();
        for (row, raw) in rows {
            let checked = if batch.kind == SimKind::PhysicalSim {
                rules::check_iccid(&raw)
            } else {
                rules::check_voucher_code(&raw)
            };
            match checked {
                Err(message) => errors.push(FieldError::at_row(row, field, message)),
                Ok(value) => match seen.get(&value) {
                    Some(first) => errors.push(FieldError::at_row(row, field, format!("duplicates row {first}"))),
                    None => {
                        seen.insert(value.clone(), row);
                        good.push((row, value));
                    }
                },
            }
        }
        let values: Vec<String> = good.iter().map(|(_, v)| v.clone()).collect();
        let existing: HashSet<String> = if batch.kind == SimKind::PhysicalSim {
            sims::table.filter(sims::iccid.eq_any(&values)).select(sims::iccid.assume_not_null()).load(conn)?
        } else {
            sims::table
                .filter(sims::supplier_id.eq(batch.supplier_id))
                .filter(sims::voucher_code.eq_any(&values))
                .select(sims::voucher_code.assume_not_null())
                .load(conn)?
        }
        .into_iter()
        .collect();
        for (row, value) in &good {
            if existing.contains(value) {
                errors.push(FieldError::at_row(*row, field, "already in stock"));
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            let mut problem = ApiError::validation(errors);
            problem.detail = format!("{} problem(s) in the upload; nothing was stored", problem.errors.len());
            return Err(problem);
        }
        in_transaction(conn, |conn| {
            let mut imported = Vec::with_capacity(good.len());
            let rows: Vec<_> = good
                .iter()
                .map(|(row, value)| {
                    let sim = new_id();
                    imported.push(ImportedSim { row: *row, id: sim });
                    let (iccid, code) = if batch.kind == SimKind::PhysicalSim {
                        (Some(value.clone()), None)
                    } else {
                        (None, Some(value.clone()))
                    };
                    (
                        sims::id.eq(sim),
                        sims::batch_id.eq(batch.id),
                        sims::supplier_id.eq(batch.supplier_id),
                        sims::iccid.eq(iccid),
                        sims::voucher_code.eq(code),
                    )
                })
                .collect();
            for chunk in rows.chunks(5000) {
                diesel::insert_into(sims::table).values(chunk).execute(conn)?;
            }
            Ok(StockImport { batch_id: batch.id, imported: imported.len(), sims: imported })
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}
