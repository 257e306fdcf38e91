//! Loan queries: one open loan per device (a partial unique index), every change conditional on
//! what was read.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{LoanFilter, LoanRow, LoanState, Return};
use crate::db::schema::loans;
use crate::http::PageRequest;
use crate::ids::{DeviceId, HubId, LoanId, ResidentId, UserId};

pub fn find(conn: &mut PgConnection, id: LoanId) -> QueryResult<Option<LoanRow>> {
    loans::table.find(id).select(LoanRow::as_select()).first(conn).optional()
}

pub fn open_loans_of(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<Vec<LoanRow>> {
    loans::table
        .filter(loans::resident_id.eq(resident))
        .filter(loans::returned_at.is_null())
        .filter(loans::lost_at.is_null())
        .select(LoanRow::as_select())
        .load(conn)
}

pub fn of_resident(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<Vec<LoanRow>> {
    loans::table.filter(loans::resident_id.eq(resident)).select(LoanRow::as_select()).order(loans::id).load(conn)
}

/// A page of loans for `hubs` (None: any hub) as of `today`.
pub fn list(
    conn: &mut PgConnection,
    filter: &LoanFilter,
    hubs: Option<&[HubId]>,
    today: NaiveDate,
    page: &PageRequest,
) -> QueryResult<Vec<LoanRow>> {
    let mut query = loans::table.select(LoanRow::as_select()).into_boxed();
    if let Some(hubs) = hubs {
        query = query.filter(loans::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(h) = filter.hub_id {
        query = query.filter(loans::hub_id.eq(h));
    }
    if let Some(r) = filter.resident_id {
        query = query.filter(loans::resident_id.eq(r));
    }
    if let Some(d) = filter.device_id {
        query = query.filter(loans::device_id.eq(d));
    }
    let open = loans::returned_at.is_null().and(loans::lost_at.is_null());
    match filter.state {
        Some(LoanState::Active) => query = query.filter(open).filter(loans::due_on.ge(today)),
        Some(LoanState::Overdue) => query = query.filter(open).filter(loans::due_on.lt(today)),
        Some(LoanState::Returned) => query = query.filter(loans::returned_at.is_not_null()),
        Some(LoanState::Lost) => query = query.filter(loans::lost_at.is_not_null()),
        None => {}
    }
    if let Some(days) = filter.due_within_days {
        query = query.filter(open).filter(loans::due_on.le(today + chrono::Days::new(days as u64)));
    }
    if let Some(after) = page.after {
        query = query.filter(loans::id.gt(after));
    }
    query.order(loans::id).limit(page.fetch()).load(conn)
}

pub fn insert(
    conn: &mut PgConnection,
    (device, resident, hub): (DeviceId, ResidentId, HubId),
    lent_by: UserId,
    lent_at: DateTime<Utc>,
    due_on: NaiveDate,
) -> QueryResult<LoanRow> {
    diesel::insert_into(loans::table)
        .values((
            loans::id.eq(LoanId::new()),
            loans::device_id.eq(device),
            loans::resident_id.eq(resident),
            loans::hub_id.eq(hub),
            loans::lent_by.eq(lent_by),
            loans::lent_at.eq(lent_at),
            loans::due_on.eq(due_on),
        ))
        .returning(LoanRow::as_returning())
        .get_result(conn)
}

/// Records the return if the loan is still open; None when it was closed first.
pub fn mark_returned(
    conn: &mut PgConnection,
    id: LoanId,
    input: &Return,
    hub: HubId,
    by: UserId,
    at: DateTime<Utc>,
) -> QueryResult<Option<LoanRow>> {
    diesel::update(
        loans::table.filter(loans::id.eq(id)).filter(loans::returned_at.is_null()).filter(loans::lost_at.is_null()),
    )
    .set((
        loans::returned_at.eq(at),
        loans::returned_to_hub_id.eq(hub),
        loans::return_condition.eq(input.condition),
        loans::return_notes.eq(crate::http::trimmed(input.notes.clone())),
        loans::received_by.eq(by),
        loans::version.eq(loans::version + 1),
        loans::updated_at.eq(at),
    ))
    .returning(LoanRow::as_returning())
    .get_result(conn)
    .optional()
}

/// Renews the loan to `due_on` if it is still at the version read.
pub fn renew(conn: &mut PgConnection, loan: &LoanRow, due_on: NaiveDate) -> QueryResult<Option<LoanRow>> {
    diesel::update(loans::table.filter(loans::id.eq(loan.id)).filter(loans::version.eq(loan.version)))
        .set((
            loans::due_on.eq(due_on),
            loans::renewals.eq(loans::renewals + 1),
            loans::version.eq(loans::version + 1),
            loans::updated_at.eq(Utc::now()),
        ))
        .returning(LoanRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Writes the loan off as lost if it is still at the version read.
pub fn mark_lost(conn: &mut PgConnection, loan: &LoanRow, at: DateTime<Utc>) -> QueryResult<Option<LoanRow>> {
    diesel::update(loans::table.filter(loans::id.eq(loan.id)).filter(loans::version.eq(loan.version)))
        .set((loans::lost_at.eq(at), loans::version.eq(loans::version + 1), loans::updated_at.eq(at)))
        .returning(LoanRow::as_returning())
        .get_result(conn)
        .optional()
}
