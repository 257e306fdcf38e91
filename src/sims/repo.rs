//! SIM queries: batches, their stock, allocations, and the stock figures. SIMs are picked with
//! `FOR UPDATE SKIP LOCKED`, so concurrent requests never wait for, or both take, the same SIM.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use diesel::dsl::count_star;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{
    AllocationFilter, AllocationRow, Batch, BatchFilter, EndReason, NewBatch, SimKind, SimRow, SimStatus, StockFilter,
};
use crate::db::schema::{sim_allocations, sim_batches, sims};
use crate::http::PageRequest;
use crate::ids::{AllocationId, BatchId, HubId, LoanId, ResidentId, SaleId, SimId, UserId};

pub fn find_batch(conn: &mut PgConnection, id: BatchId) -> QueryResult<Option<Batch>> {
    sim_batches::table.find(id).select(Batch::as_select()).first(conn).optional()
}

pub fn insert_batch(conn: &mut PgConnection, input: &NewBatch) -> QueryResult<Batch> {
    diesel::insert_into(sim_batches::table)
        .values((
            sim_batches::id.eq(BatchId::new()),
            sim_batches::supplier_id.eq(input.supplier_id),
            sim_batches::network.eq(input.network.trim()),
            sim_batches::kind.eq(input.kind),
            sim_batches::data_gb_per_month.eq(input.data_gb_per_month),
            sim_batches::duration_months.eq(input.duration_months),
            sim_batches::received_on.eq(input.received_on),
            sim_batches::hub_id.eq(input.hub_id),
            sim_batches::reference.eq(crate::http::trimmed(input.reference.clone())),
        ))
        .returning(Batch::as_returning())
        .get_result(conn)
}

/// `hubs`: limit to batches at these hubs (None: any hub).
pub fn list_batches(
    conn: &mut PgConnection,
    filter: &BatchFilter,
    hubs: Option<&[HubId]>,
    page: &PageRequest,
) -> QueryResult<Vec<Batch>> {
    let mut query = sim_batches::table.select(Batch::as_select()).into_boxed();
    if let Some(hubs) = hubs {
        query = query.filter(sim_batches::hub_id.eq_any(hubs.to_vec()));
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
    query.order(sim_batches::id).limit(page.fetch()).load(conn)
}

/// Which of `values` are already recorded: ICCIDs anywhere, voucher codes of the batch's supplier.
pub fn already_recorded(conn: &mut PgConnection, batch: &Batch, values: &[String]) -> QueryResult<HashSet<String>> {
    let found: Vec<String> = if batch.kind == SimKind::PhysicalSim {
        sims::table.filter(sims::iccid.eq_any(values)).select(sims::iccid.assume_not_null()).load(conn)?
    } else {
        sims::table
            .filter(sims::supplier_id.eq(batch.supplier_id))
            .filter(sims::voucher_code.eq_any(values))
            .select(sims::voucher_code.assume_not_null())
            .load(conn)?
    };
    Ok(found.into_iter().collect())
}

/// Stocks the batch with the entries (ICCIDs or voucher codes, as its kind has it).
pub fn insert_sims(
    conn: &mut PgConnection,
    batch: &Batch,
    entries: &[(usize, String)],
) -> QueryResult<Vec<(usize, SimId)>> {
    let mut imported = Vec::with_capacity(entries.len());
    let rows: Vec<_> = entries
        .iter()
        .map(|(row, value)| {
            let sim = SimId::new();
            imported.push((*row, sim));
            let physical = batch.kind == SimKind::PhysicalSim;
            (
                sims::id.eq(sim),
                sims::batch_id.eq(batch.id),
                sims::supplier_id.eq(batch.supplier_id),
                sims::iccid.eq(physical.then(|| value.clone())),
                sims::voucher_code.eq((!physical).then(|| value.clone())),
            )
        })
        .collect();
    for chunk in rows.chunks(5000) {
        diesel::insert_into(sims::table).values(chunk).execute(conn)?;
    }
    Ok(imported)
}

pub fn find_sim(conn: &mut PgConnection, id: SimId) -> QueryResult<SimRow> {
    sims::table.find(id).select(SimRow::as_select()).first(conn)
}

/// The SIM, locked for this transaction.
pub fn lock_sim(conn: &mut PgConnection, id: SimId) -> QueryResult<Option<SimRow>> {
    sims::table.find(id).select(SimRow::as_select()).for_update().first(conn).optional()
}

/// The batch's first SIM in stock, locked for this transaction; one that a concurrent allocation
/// has locked is skipped.
pub fn first_in_stock(conn: &mut PgConnection, batch: BatchId) -> QueryResult<Option<SimRow>> {
    sims::table
        .filter(sims::batch_id.eq(batch))
        .filter(sims::status.eq(SimStatus::InStock))
        .select(SimRow::as_select())
        .order(sims::id)
        .for_update()
        .skip_locked()
        .first(conn)
        .optional()
}

/// A hub's batches of a network, oldest first: each look-up is then a walk of one batch's index of
/// SIMs in stock, however many SIMs the scheme holds.
pub fn batches_of_network(conn: &mut PgConnection, hub: HubId, network: &str) -> QueryResult<Vec<BatchId>> {
    sim_batches::table
        .filter(sim_batches::hub_id.eq(hub))
        .filter(sim_batches::network.ilike(crate::db::like_escape(network.trim())))
        .select(sim_batches::id)
        .order((sim_batches::received_on, sim_batches::id))
        .load(conn)
}

/// Takes the SIM out of stock; false if it was no longer in stock.
pub fn take(conn: &mut PgConnection, sim: SimId) -> QueryResult<bool> {
    diesel::update(sims::table.filter(sims::id.eq(sim)).filter(sims::status.eq(SimStatus::InStock)))
        .set((sims::status.eq(SimStatus::Allocated), sims::updated_at.eq(Utc::now())))
        .execute(conn)
        .map(|n| n == 1)
}

pub fn set_sim_status(conn: &mut PgConnection, sim: SimId, status: SimStatus) -> QueryResult<()> {
    diesel::update(sims::table.find(sim))
        .set((sims::status.eq(status), sims::updated_at.eq(Utc::now())))
        .execute(conn)
        .map(|_| ())
}

/// An allocation as recorded.
pub struct NewAllocationRecord {
    pub sim: SimId,
    pub resident: ResidentId,
    pub hub: HubId,
    pub by: UserId,
    pub on: NaiveDate,
    pub expires_on: NaiveDate,
    pub links: (Option<SaleId>, Option<LoanId>, Option<AllocationId>),
}

pub fn insert_allocation(conn: &mut PgConnection, a: &NewAllocationRecord) -> QueryResult<AllocationRow> {
    let (sale_id, loan_id, replaces_id) = a.links;
    diesel::insert_into(sim_allocations::table)
        .values((
            sim_allocations::id.eq(AllocationId::new()),
            sim_allocations::sim_id.eq(a.sim),
            sim_allocations::resident_id.eq(a.resident),
            sim_allocations::hub_id.eq(a.hub),
            sim_allocations::allocated_by.eq(a.by),
            sim_allocations::allocated_on.eq(a.on),
            sim_allocations::expires_on.eq(a.expires_on),
            sim_allocations::sale_id.eq(sale_id),
            sim_allocations::loan_id.eq(loan_id),
            sim_allocations::replaces_id.eq(replaces_id),
        ))
        .returning(AllocationRow::as_returning())
        .get_result(conn)
}

pub fn active_count(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<i64> {
    sim_allocations::table
        .filter(sim_allocations::resident_id.eq(resident))
        .filter(sim_allocations::ended_at.is_null())
        .count()
        .get_result(conn)
}

pub fn find_allocation(conn: &mut PgConnection, id: AllocationId) -> QueryResult<Option<AllocationRow>> {
    sim_allocations::table.find(id).select(AllocationRow::as_select()).first(conn).optional()
}

/// Ends the allocation if it is still active; None when it had already ended.
pub fn end_allocation(
    conn: &mut PgConnection,
    id: AllocationId,
    reason: EndReason,
    by: UserId,
) -> QueryResult<Option<AllocationRow>> {
    diesel::update(
        sim_allocations::table.filter(sim_allocations::id.eq(id)).filter(sim_allocations::ended_at.is_null()),
    )
    .set((
        sim_allocations::ended_at.eq(Utc::now()),
        sim_allocations::end_reason.eq(reason),
        sim_allocations::ended_by.eq(by),
        sim_allocations::version.eq(sim_allocations::version + 1),
        sim_allocations::updated_at.eq(Utc::now()),
    ))
    .returning(AllocationRow::as_returning())
    .get_result(conn)
    .optional()
}

/// A page of allocations for `hubs` (None: any hub), active ones ending by `ending_by` if given.
/// Fetches one more than the page.
pub fn list_allocations(
    conn: &mut PgConnection,
    filter: &AllocationFilter,
    hubs: Option<&[HubId]>,
    ending_by: Option<NaiveDate>,
    page: &PageRequest,
) -> QueryResult<Vec<AllocationRow>> {
    let mut query = sim_allocations::table.select(AllocationRow::as_select()).into_boxed();
    if let Some(hubs) = hubs {
        query = query.filter(sim_allocations::hub_id.eq_any(hubs.to_vec()));
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
    if let Some(until) = ending_by {
        query = query.filter(sim_allocations::ended_at.is_null()).filter(sim_allocations::expires_on.le(until));
    }
    query.order(sim_allocations::id).limit(page.fetch()).load(conn)
}

pub fn of_resident(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<Vec<AllocationRow>> {
    sim_allocations::table
        .filter(sim_allocations::resident_id.eq(resident))
        .select(AllocationRow::as_select())
        .order(sim_allocations::id)
        .load(conn)
}

/// The SIMs and batches of some allocations, by id.
pub fn sims_and_batches(
    conn: &mut PgConnection,
    sim_ids: &[SimId],
) -> QueryResult<(HashMap<SimId, SimRow>, HashMap<BatchId, Batch>)> {
    let sims_by_id: HashMap<SimId, SimRow> = sims::table
        .filter(sims::id.eq_any(sim_ids))
        .select(SimRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|s: SimRow| (s.id, s))
        .collect();
    let batch_ids: Vec<BatchId> = sims_by_id.values().map(|s| s.batch_id).collect();
    let batches: HashMap<BatchId, Batch> = sim_batches::table
        .filter(sim_batches::id.eq_any(&batch_ids))
        .select(Batch::as_select())
        .load(conn)?
        .into_iter()
        .map(|b: Batch| (b.id, b))
        .collect();
    Ok((sims_by_id, batches))
}

/// Batches for the stock view, by hub, network and id.
pub fn stock_batches(conn: &mut PgConnection, filter: &StockFilter, hubs: Option<&[HubId]>) -> QueryResult<Vec<Batch>> {
    let mut query = sim_batches::table.select(Batch::as_select()).into_boxed();
    if let Some(hubs) = hubs {
        query = query.filter(sim_batches::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(h) = filter.hub_id {
        query = query.filter(sim_batches::hub_id.eq(h));
    }
    if let Some(b) = filter.batch_id {
        query = query.filter(sim_batches::id.eq(b));
    }
    if let Some(n) = filter.network.as_deref() {
        query = query.filter(sim_batches::network.ilike(crate::db::like_escape(n.trim())));
    }
    query.order((sim_batches::hub_id, sim_batches::network, sim_batches::id)).load(conn)
}

/// SIMs of the batches counted by status.
pub fn counts_by_status(conn: &mut PgConnection, batches: &[BatchId]) -> QueryResult<Vec<(BatchId, SimStatus, i64)>> {
    sims::table
        .filter(sims::batch_id.eq_any(batches))
        .group_by((sims::batch_id, sims::status))
        .select((sims::batch_id, sims::status, count_star()))
        .load(conn)
}

/// Active allocations of the batches' SIMs ending by `by`, counted per batch.
pub fn ending_by(conn: &mut PgConnection, batches: &[BatchId], by: NaiveDate) -> QueryResult<Vec<(BatchId, i64)>> {
    sim_allocations::table
        .inner_join(sims::table)
        .filter(sims::batch_id.eq_any(batches))
        .filter(sim_allocations::ended_at.is_null())
        .filter(sim_allocations::expires_on.le(by))
        .group_by(sims::batch_id)
        .select((sims::batch_id, count_star()))
        .load(conn)
}
