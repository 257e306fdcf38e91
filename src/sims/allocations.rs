//! Giving SIMs to residents: a named SIM, or the next available one of a batch (or of a network at
//! a hub) picked with `FOR UPDATE SKIP LOCKED`, so concurrent requests never take the same SIM; the
//! resident's row is locked so the per-resident limit holds; a partial unique index allows one
//! holder per SIM. Ending an allocation returns the SIM to stock or retires it, and a lost SIM can
//! be replaced in the same step.

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::batches::{STAFF, visible as visible_batch};
use super::models::{
    Allocation, AllocationFilter, AllocationRow, Batch, EndAllocation, EndReason, NewAllocation, SimRow, SimStatus,
};
use super::rules;
use crate::AppState;
use crate::auth::{Actor, Principal};
use crate::db::schema::{sim_allocations, sim_batches, sims};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::http::{ApiError, FieldError, Json, Page, PageRequest, Problems, Query, created, with_etag};

/// Locks and returns an in-stock SIM: the named one, or the first free one matching.
fn pick(conn: &mut PgConnection, actor: &Actor, input: &NewAllocation) -> Result<(SimRow, Batch), ApiError> {
    let sold_out = || ApiError::conflict("no SIM of that kind is left in stock");
    let sim: SimRow = match (input.sim_id, input.batch_id, input.network.as_deref()) {
        (Some(id), None, None) => {
            let sim: SimRow = sims::table
                .find(id)
                .select(SimRow::as_select())
                .for_update()
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::unknown_reference("sim_id"))?;
            visible_batch(conn, actor, sim.batch_id).map_err(|_| ApiError::unknown_reference("sim_id"))?;
            if sim.status != SimStatus::InStock {
                return Err(ApiError::conflict(format!("this SIM is {}, not in stock", sim.status))
                    .with_extension("current_status", sim.status.as_str()));
            }
            sim
        }
        (None, Some(batch), None) => {
            visible_batch(conn, actor, batch).map_err(|_| ApiError::unknown_reference("batch_id"))?;
            first_in_stock(conn, batch)?.ok_or_else(sold_out)?
        }
        (None, None, Some(network)) => {
            let hub = input
                .hub_id
                .or_else(|| actor.hub_ids.first().copied())
                .ok_or_else(|| ApiError::invalid_field("hub_id", "say at which hub"))?;
            if !actor.works_at(hub) {
                return Err(ApiError::unknown_reference("hub_id"));
            }
            // Oldest batch first, one batch at a time: each look-up is then a walk of that batch's
            // index of SIMs in stock, however many SIMs the scheme holds.
            let batches: Vec<Uuid> = sim_batches::table
                .filter(sim_batches::hub_id.eq(hub))
                .filter(sim_batches::network.ilike(crate::db::like_escape(network.trim())))
                .select(sim_batches::id)
                .order((sim_batches::received_on, sim_batches::id))
                .load(conn)?;
            let mut found = None;
            for batch in batches {
                found = first_in_stock(conn, batch)?;
                if found.is_some() {
                    break;
                }
            }
            found.ok_or_else(sold_out)?
        }
        _ => return Err(ApiError::invalid_field("sim_id", "name exactly one of sim_id, batch_id or network")),
    };
    let batch = sim_batches::table.find(sim.batch_id).select(Batch::as_select()).first(conn)?;
    Ok((sim, batch))
}

/// The batch's first SIM in stock, locked for this transaction; one that a concurrent allocation
/// has locked is skipped, so two requests never wait for (or both take) the same SIM.
fn first_in_stock(conn: &mut PgConnection, batch: Uuid) -> Result<Option<SimRow>, ApiError> {
    Ok(sims::table
        .filter(sims::batch_id.eq(batch))
        .filter(sims::status.eq(SimStatus::InStock))
        .select(SimRow::as_select())
        .order(sims::id)
        .for_update()
        .skip_locked()
        .first(conn)
        .optional()?)
}

/// Takes the SIM out of stock and records the allocation.
fn issue(
    conn: &mut PgConnection,
    actor: &Actor,
    sim: &SimRow,
    batch: &Batch,
    resident: Uuid,
    hub: Uuid,
    links: (Option<Uuid>, Option<Uuid>, Option<Uuid>),
) -> Result<AllocationRow, ApiError> {
    let taken = diesel::update(sims::table.filter(sims::id.eq(sim.id)).filter(sims::status.eq(SimStatus::InStock)))
        .set((sims::status.eq(SimStatus::Allocated), sims::updated_at.eq(chrono::Utc::now())))
        .execute(conn)?;
    if taken == 0 {
        return Err(ApiError::conflict("the SIM was just given to someone else"));
    }
    // Days in the scheme's time zone, as for loans.
    let today = crate::loans::rules::local_date(chrono::Utc::now());
    let (sale_id, loan_id, replaces_id) = links;
    Ok(diesel::insert_into(sim_allocations::table)
        .values((
            sim_allocations::id.eq(new_id()),
            sim_allocations::sim_id.eq(sim.id),
            sim_allocations::resident_id.eq(resident),
            sim_allocations::hub_id.eq(hub),
            sim_allocations::allocated_by.eq(actor.user_id),
            sim_allocations::allocated_on.eq(today),
            sim_allocations::expires_on.eq(rules::expiry(today, batch.duration_months as u32)),
            sim_allocations::sale_id.eq(sale_id),
            sim_allocations::loan_id.eq(loan_id),
            sim_allocations::replaces_id.eq(replaces_id),
        ))
        .returning(AllocationRow::as_returning())
        .get_result(conn)?)
}

fn active_count(conn: &mut PgConnection, resident: Uuid) -> QueryResult<i64> {
    sim_allocations::table
        .filter(sim_allocations::resident_id.eq(resident))
        .filter(sim_allocations::ended_at.is_null())
        .count()
        .get_result(conn)
}

pub async fn allocate(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewAllocation>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    let chosen =
        [input.sim_id.is_some(), input.batch_id.is_some(), input.network.is_some()].iter().filter(|b| **b).count();
    problems.check(chosen == 1, "sim_id", "name exactly one of sim_id, batch_id or network");
    if let Some(n) = &input.network {
        problems.length("network", n, 1, 60);
    }
    problems.finish()?;
    let limit = state.settings.sim_limit_per_resident;
    let allocation = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let resident = crate::residents::repo::lock_for_service(conn, input.resident_id)?;
            if active_count(conn, resident.id)? >= limit {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::CONFLICT,
                    "sim-limit",
                    "SIM limit reached",
                    format!("the resident already holds {limit} active SIM allocation(s); end one first"),
                ));
            }
            if let Some(sale) = input.sale_id {
                let ok = crate::sales::repo::find(conn, sale)?
                    .is_some_and(|s| s.resident_id == resident.id && actor.works_at(s.hub_id));
                if !ok {
                    return Err(ApiError::unknown_reference("sale_id"));
                }
            }
            if let Some(loan) = input.loan_id {
                let ok = crate::loans::repo::find(conn, loan)?
                    .is_some_and(|l| l.resident_id == resident.id && actor.works_at(l.hub_id));
                if !ok {
                    return Err(ApiError::unknown_reference("loan_id"));
                }
            }
            let (sim, batch) = pick(conn, &actor, &input)?;
            let hub = match input.hub_id {
                Some(h) if actor.works_at(h) => h,
                Some(_) => return Err(ApiError::unknown_reference("hub_id")),
                None => batch.hub_id,
            };
            let row = issue(conn, &actor, &sim, &batch, resident.id, hub, (input.sale_id, input.loan_id, None))?;
            crate::residents::repo::touch(conn, resident.id)?;
            let sim = sims::table.find(sim.id).select(SimRow::as_select()).first(conn)?;
            Ok(Allocation::new(row, &sim, &batch, true))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/sim-allocations/{}", allocation.id), allocation.version, &allocation))
}

fn load(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<(AllocationRow, SimRow, Batch), ApiError> {
    let row: AllocationRow = sim_allocations::table
        .find(id)
        .select(AllocationRow::as_select())
        .first(conn)
        .optional()?
        .filter(|a| actor.works_at(a.hub_id))
        .ok_or_else(|| ApiError::not_found("SIM allocation"))?;
    let sim: SimRow = sims::table.find(row.sim_id).select(SimRow::as_select()).first(conn)?;
    let batch: Batch = sim_batches::table.find(sim.batch_id).select(Batch::as_select()).first(conn)?;
    Ok((row, sim, batch))
}

/// The allocation; the voucher code shows in full only to the member of staff who issued it.
pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let allocation = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let (row, sim, batch) = load(conn, &actor, id)?;
        let reveal = row.allocated_by == Some(actor.user_id);
        Ok(Allocation::new(row, &sim, &batch, reveal))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), allocation.version, &allocation))
}

/// `30d` → 30.
fn days(raw: &str) -> Result<i64, ApiError> {
    raw.strip_suffix('d')
        .filter(|d| !d.is_empty() && d.len() <= 4 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| {
            let mut e = ApiError::bad_request("expiring_within is a number of days such as 30d");
            e.kind = "invalid-query";
            e.errors = vec![FieldError::new("expiring_within", "a number of days such as 30d")];
            e
        })
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<AllocationFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let within = filter.expiring_within.as_deref().map(days).transpose()?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let mut query = sim_allocations::table.select(AllocationRow::as_select()).into_boxed();
        if !actor.is_admin() {
            query = query.filter(sim_allocations::hub_id.eq_any(actor.hub_ids.clone()));
        }
        if let Some(after) = page.after {
            query = query.filter(sim_allocations::id.gt(after));
        }
        if let Some(r) = filter.resident_id {
            query = query.filter(sim_allocations::resident_id.eq(r));
        }
        if let Some(h) = filter.hub_id {
            query = query.filter(sim_allocations::hub_id.eq(h));
        }
        match filter.active {
            Some(true) => query = query.filter(sim_allocations::ended_at.is_null()),
            Some(false) => query = query.filter(sim_allocations::ended_at.is_not_null()),
            None => {}
        }
        if let Some(days) = within {
            let until = chrono::Utc::now().date_naive() + chrono::Days::new(days as u64);
            query = query.filter(sim_allocations::ended_at.is_null()).filter(sim_allocations::expires_on.le(until));
        }
        let rows: Vec<AllocationRow> = query.order(sim_allocations::id).limit(page.fetch()).load(conn)?;
        let sim_ids: Vec<Uuid> = rows.iter().map(|a| a.sim_id).collect();
        let sims_by_id: std::collections::HashMap<Uuid, SimRow> = sims::table
            .filter(sims::id.eq_any(&sim_ids))
            .select(SimRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let batch_ids: Vec<Uuid> = sims_by_id.values().map(|s| s.batch_id).collect();
        let batches: std::collections::HashMap<Uuid, Batch> = sim_batches::table
            .filter(sim_batches::id.eq_any(&batch_ids))
            .select(Batch::as_select())
            .load(conn)?
            .into_iter()
            .map(|b| (b.id, b))
            .collect();
        let mut items = Vec::new();
        let more = rows.len() as i64 > page.limit;
        let rows: Vec<AllocationRow> = rows.into_iter().take(page.limit as usize).collect();
        let next_cursor = if more { rows.last().map(|a| crate::http::Cursor::encode(a.id)) } else { None };
        for row in rows {
            let (Some(sim), Some(batch)) =
                (sims_by_id.get(&row.sim_id), sims_by_id.get(&row.sim_id).and_then(|s| batches.get(&s.batch_id)))
            else {
                continue;
            };
            // Lists never show codes in full.
            items.push(Allocation::new(row, sim, batch, false));
        }
        Ok(Page { items, next_cursor })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Ends an allocation: a returned SIM goes back to stock; a lost or expired one is retired. A
/// lost SIM can be replaced at once from the same batch.
pub async fn end(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<EndAllocation>,
) -> Result<HttpResponse, ApiError> {
    if input.replace && input.reason != EndReason::Lost {
        return Err(ApiError::invalid_field("replace", "only a lost SIM is replaced"));
    }
    let id = id.into_inner();
    let allocation = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let (row, sim, batch) = load(conn, &actor, id)?;
            let ended: AllocationRow = diesel::update(
                sim_allocations::table.filter(sim_allocations::id.eq(id)).filter(sim_allocations::ended_at.is_null()),
            )
            .set((
                sim_allocations::ended_at.eq(chrono::Utc::now()),
                sim_allocations::end_reason.eq(input.reason),
                sim_allocations::ended_by.eq(actor.user_id),
                sim_allocations::version.eq(sim_allocations::version + 1),
                sim_allocations::updated_at.eq(chrono::Utc::now()),
            ))
            .returning(AllocationRow::as_returning())
            .get_result(conn)
            .optional()?
            .ok_or_else(|| ApiError::conflict("this allocation has already ended"))?;
            let next = if input.reason == EndReason::Returned { SimStatus::InStock } else { SimStatus::Retired };
            diesel::update(sims::table.find(sim.id))
                .set((sims::status.eq(next), sims::updated_at.eq(chrono::Utc::now())))
                .execute(conn)?;
            let sim = sims::table.find(sim.id).select(SimRow::as_select()).first(conn)?;
            let mut view = Allocation::new(ended, &sim, &batch, false);
            if input.replace {
                let request = NewAllocation {
                    resident_id: row.resident_id,
                    sim_id: None,
                    batch_id: Some(batch.id),
                    network: None,
                    hub_id: Some(row.hub_id),
                    sale_id: None,
                    loan_id: None,
                };
                let (new_sim, new_batch) = pick(conn, &actor, &request)?;
                let replacement = issue(
                    conn,
                    &actor,
                    &new_sim,
                    &new_batch,
                    row.resident_id,
                    row.hub_id,
                    (row.sale_id, row.loan_id, Some(row.id)),
                )?;
                let new_sim = sims::table.find(new_sim.id).select(SimRow::as_select()).first(conn)?;
                view.replacement = Some(Box::new(Allocation::new(replacement, &new_sim, &new_batch, true)));
            }
            Ok(view)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), allocation.version, &allocation))
}

/// Every allocation a resident has had, codes masked (for the subject access export).
pub fn of_resident(conn: &mut PgConnection, resident: Uuid) -> Result<Vec<Allocation>, ApiError> {
    let rows: Vec<AllocationRow> = sim_allocations::table
        .filter(sim_allocations::resident_id.eq(resident))
        .select(AllocationRow::as_select())
        .order(sim_allocations::id)
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let sim: SimRow = sims::table.find(row.sim_id).select(SimRow::as_select()).first(conn)?;
        let batch: Batch = sim_batches::table.find(sim.batch_id).select(Batch::as_select()).first(conn)?;
        out.push(Allocation::new(row, &sim, &batch, false));
    }
    Ok(out)
}
