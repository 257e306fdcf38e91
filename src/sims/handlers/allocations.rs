//! Giving SIMs to residents: a named SIM, or the next available one of a batch (or of a network at
//! a hub) picked with `FOR UPDATE SKIP LOCKED`, so concurrent requests never take the same SIM; the
//! resident's row is locked so the per-resident limit holds; a partial unique index allows one
//! holder per SIM. Ending an allocation returns the SIM to stock or retires it, and a lost SIM can
//! be replaced in the same step.

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;

use super::visible_batch;
use crate::auth::{Actor, Principal, STAFF};
use crate::http::{
    ApiError, AppState, Cursor, Json, Page, PageRequest, Query, created, in_transaction, run_blocking, with_etag,
};
use crate::ids::{AllocationId, HubId, LoanId, ResidentId, SaleId};
use crate::residents::models::ResidentRow;
use crate::sims::models::{
    Allocation, AllocationFilter, AllocationRow, Batch, EndAllocation, NewAllocation, SimRow, SimStatus,
};
use crate::sims::repo::{self, NewAllocationRecord};
use crate::sims::rules::{self, Refusal};

/// Locks and returns an in-stock SIM: the named one, or the first free one matching.
fn pick(conn: &mut PgConnection, actor: &Actor, input: &NewAllocation) -> Result<(SimRow, Batch), ApiError> {
    let sim: SimRow = match (input.sim_id, input.batch_id, input.network.as_deref()) {
        (Some(id), None, None) => {
            let sim = repo::lock_sim(conn, id)?.ok_or_else(|| ApiError::unknown_reference("sim_id"))?;
            visible_batch(conn, actor, sim.batch_id).map_err(|_| ApiError::unknown_reference("sim_id"))?;
            if sim.status != SimStatus::InStock {
                return Err(Refusal::NotInStock { status: sim.status }.into());
            }
            sim
        }
        (None, Some(batch), None) => {
            visible_batch(conn, actor, batch).map_err(|_| ApiError::unknown_reference("batch_id"))?;
            repo::first_in_stock(conn, batch)?.ok_or(Refusal::SoldOut)?
        }
        (None, None, Some(network)) => {
            let hub = input
                .hub_id
                .or_else(|| actor.hub_ids.first().copied())
                .ok_or_else(|| ApiError::invalid_field("hub_id", "say at which hub"))?;
            if !actor.works_at(hub) {
                return Err(ApiError::unknown_reference("hub_id"));
            }
            let mut found = None;
            for batch in repo::batches_of_network(conn, hub, network)? {
                found = repo::first_in_stock(conn, batch)?;
                if found.is_some() {
                    break;
                }
            }
            found.ok_or(Refusal::SoldOut)?
        }
        _ => return Err(ApiError::invalid_field("sim_id", "name exactly one of sim_id, batch_id or network")),
    };
    let batch = repo::find_batch(conn, sim.batch_id)?.ok_or(Refusal::BatchNotFound)?;
    Ok((sim, batch))
}

/// Takes the SIM out of stock and records the allocation, expiring after the batch's duration
/// (days in the scheme's calendar, as for loans).
fn issue(
    conn: &mut PgConnection,
    actor: &Actor,
    (sim, batch): (&SimRow, &Batch),
    (resident, hub): (ResidentId, HubId),
    links: (Option<SaleId>, Option<LoanId>, Option<AllocationId>),
) -> Result<Allocation, ApiError> {
    if !repo::take(conn, sim.id)? {
        return Err(Refusal::JustTaken.into());
    }
    let today = crate::calendar::local_date(chrono::Utc::now());
    let expires_on = rules::expiry(today, batch.duration_months as u32);
    let record = NewAllocationRecord { sim: sim.id, resident, hub, by: actor.user_id, on: today, expires_on, links };
    let row = repo::insert_allocation(conn, &record)?;
    Ok(Allocation::new(row, &repo::find_sim(conn, sim.id)?, batch, true))
}

/// A sale or loan named with an allocation must be the resident's, at one of the caller's hubs.
fn check_links(
    conn: &mut PgConnection,
    actor: &Actor,
    input: &NewAllocation,
    resident: &ResidentRow,
) -> Result<(), ApiError> {
    if let Some(sale) = input.sale_id
        && !crate::sales::repo::find(conn, sale)?
            .is_some_and(|s| s.resident_id == resident.id && actor.works_at(s.hub_id))
    {
        return Err(ApiError::unknown_reference("sale_id"));
    }
    if let Some(loan) = input.loan_id
        && !crate::loans::repo::find(conn, loan)?
            .is_some_and(|l| l.resident_id == resident.id && actor.works_at(l.hub_id))
    {
        return Err(ApiError::unknown_reference("loan_id"));
    }
    Ok(())
}

pub async fn allocate(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewAllocation>,
) -> Result<HttpResponse, ApiError> {
    rules::check_allocation(&input).map_err(ApiError::validation)?;
    let allocation = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let limit = i64::from(actor.rules.sim_limit_per_resident);
        in_transaction(conn, |conn| {
            let resident = crate::residents::repo::lock_for_service(conn, input.resident_id)?;
            rules::within_limit(repo::active_count(conn, resident.id)?, limit)?;
            check_links(conn, &actor, &input, &resident)?;
            let (sim, batch) = pick(conn, &actor, &input)?;
            let hub = match input.hub_id {
                Some(h) if actor.works_at(h) => h,
                Some(_) => return Err(ApiError::unknown_reference("hub_id")),
                None => batch.hub_id,
            };
            let links = (input.sale_id, input.loan_id, None);
            let allocation = issue(conn, &actor, (&sim, &batch), (resident.id, hub), links)?;
            crate::residents::repo::touch(conn, resident.id)?;
            Ok(allocation)
        })
    })
    .await?;
    Ok(created(format!("/api/v1/sim-allocations/{}", allocation.id), allocation.version, &allocation))
}

/// The allocation if the actor works at its hub, with its SIM and batch.
fn load(conn: &mut PgConnection, actor: &Actor, id: AllocationId) -> Result<(AllocationRow, SimRow, Batch), ApiError> {
    let row =
        repo::find_allocation(conn, id)?.filter(|a| actor.works_at(a.hub_id)).ok_or(Refusal::AllocationNotFound)?;
    let sim = repo::find_sim(conn, row.sim_id)?;
    let batch = repo::find_batch(conn, sim.batch_id)?.ok_or(Refusal::BatchNotFound)?;
    Ok((row, sim, batch))
}

/// The allocation; the voucher code shows in full only to the member of staff who issued it.
pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<AllocationId>,
) -> Result<HttpResponse, ApiError> {
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

fn bad_days() -> ApiError {
    let detail = "expiring_within is a number of days such as 30d";
    ApiError::invalid_query(detail, "expiring_within", "a number of days such as 30d")
}

/// Lists never show codes in full.
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<AllocationFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let within = filter.expiring_within.as_deref().map(|d| rules::days(d).ok_or_else(bad_days)).transpose()?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let hubs = (!actor.is_admin()).then_some(actor.hub_ids.as_slice());
        let ending_by = within.map(|days| chrono::Utc::now().date_naive() + chrono::Days::new(days as u64));
        let rows = repo::list_allocations(conn, &filter, hubs, ending_by, &page)?;
        let (sims, batches) = repo::sims_and_batches(conn, &rows.iter().map(|a| a.sim_id).collect::<Vec<_>>())?;
        let more = rows.len() as i64 > page.limit;
        let rows: Vec<AllocationRow> = rows.into_iter().take(page.limit as usize).collect();
        let next_cursor = if more { rows.last().map(|a| Cursor::encode(a.id.uuid())) } else { None };
        let items = rows
            .into_iter()
            .filter_map(|row| {
                let sim = sims.get(&row.sim_id)?;
                Some(Allocation::new(row, sim, batches.get(&sim.batch_id)?, false))
            })
            .collect();
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
    id: web::Path<AllocationId>,
    Json(input): Json<EndAllocation>,
) -> Result<HttpResponse, ApiError> {
    rules::check_end(&input).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let allocation = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let (row, sim, batch) = load(conn, &actor, id)?;
            let ended = repo::end_allocation(conn, id, input.reason, actor.user_id)?.ok_or(Refusal::AlreadyEnded)?;
            repo::set_sim_status(conn, sim.id, rules::after_end(input.reason))?;
            let mut view = Allocation::new(ended, &repo::find_sim(conn, sim.id)?, &batch, false);
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
                let links = (row.sale_id, row.loan_id, Some(row.id));
                let replacement = issue(conn, &actor, (&new_sim, &new_batch), (row.resident_id, row.hub_id), links)?;
                view.replacement = Some(Box::new(replacement));
            }
            Ok(view)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), allocation.version, &allocation))
}
