//! Sale and session queries.

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, sum};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{SaleFilter, SaleRow, SessionFilter, SessionRow, SessionSummary};
use crate::db::schema::{receipt_counters, sales, sales_session_devices, sales_sessions};
use crate::http::PageRequest;

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<SaleRow>> {
    sales::table.find(id).select(SaleRow::as_select()).first(conn).optional()
}

pub fn of_resident(conn: &mut PgConnection, resident: Uuid) -> QueryResult<Vec<SaleRow>> {
    sales::table.filter(sales::resident_id.eq(resident)).select(SaleRow::as_select()).order(sales::id).load(conn)
}

/// The resident's most recent sale that was not refunded.
pub fn last_kept_sale(conn: &mut PgConnection, resident: Uuid) -> QueryResult<Option<SaleRow>> {
    sales::table
        .filter(sales::resident_id.eq(resident))
        .filter(sales::refunded_at.is_null())
        .select(SaleRow::as_select())
        .order(sales::sold_at.desc())
        .first(conn)
        .optional()
}

/// The next receipt number of `year`. The counter row stays locked until the sale commits, so
/// numbers are handed out in order and a rolled-back sale gives its number back.
pub fn next_receipt(conn: &mut PgConnection, year: i32) -> QueryResult<i32> {
    diesel::insert_into(receipt_counters::table)
        .values((receipt_counters::year.eq(year), receipt_counters::last.eq(1)))
        .on_conflict(receipt_counters::year)
        .do_update()
        .set(receipt_counters::last.eq(receipt_counters::last + 1))
        .returning(receipt_counters::last)
        .get_result(conn)
}

pub fn list(
    conn: &mut PgConnection,
    filter: &SaleFilter,
    hubs: Option<&[Uuid]>,
    page: &PageRequest,
) -> QueryResult<Vec<SaleRow>> {
    let mut query = sales::table.select(SaleRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(sales::id.gt(after));
    }
    if let Some(hubs) = hubs {
        query = query.filter(sales::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(r) = filter.resident_id {
        query = query.filter(sales::resident_id.eq(r));
    }
    if let Some(s) = filter.session_id {
        query = query.filter(sales::session_id.eq(s));
    }
    if let Some(h) = filter.hub_id {
        query = query.filter(sales::hub_id.eq(h));
    }
    if let Some(d) = filter.device_id {
        query = query.filter(sales::device_id.eq(d));
    }
    query.order(sales::id).limit(page.fetch()).load(conn)
}

pub fn mark_refunded(
    conn: &mut PgConnection,
    sale: &SaleRow,
    reason: &str,
    faulty: bool,
    by: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<Option<SaleRow>> {
    diesel::update(sales::table.filter(sales::id.eq(sale.id)).filter(sales::refunded_at.is_null()))
        .set((
            sales::refunded_at.eq(at),
            sales::refund_reason.eq(reason),
            sales::refund_faulty.eq(faulty),
            sales::refunded_by.eq(by),
            sales::version.eq(sales::version + 1),
            sales::updated_at.eq(at),
        ))
        .returning(SaleRow::as_returning())
        .get_result(conn)
        .optional()
}

pub fn find_session(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<SessionRow>> {
    sales_sessions::table.find(id).select(SessionRow::as_select()).first(conn).optional()
}

pub fn list_sessions(
    conn: &mut PgConnection,
    filter: &SessionFilter,
    hubs: Option<&[Uuid]>,
    page: &PageRequest,
) -> QueryResult<Vec<SessionRow>> {
    let mut query = sales_sessions::table.select(SessionRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(sales_sessions::id.gt(after));
    }
    if let Some(hubs) = hubs {
        query = query.filter(sales_sessions::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(h) = filter.hub_id {
        query = query.filter(sales_sessions::hub_id.eq(h));
    }
    if let Some(from) = filter.held_from {
        query = query.filter(sales_sessions::held_on.ge(from));
    }
    if let Some(to) = filter.held_to {
        query = query.filter(sales_sessions::held_on.le(to));
    }
    query.order(sales_sessions::id).limit(page.fetch()).load(conn)
}

pub fn set_aside_devices(conn: &mut PgConnection, session: Uuid) -> QueryResult<Vec<Uuid>> {
    sales_session_devices::table
        .filter(sales_session_devices::session_id.eq(session))
        .select(sales_session_devices::device_id)
        .order(sales_session_devices::device_id)
        .load(conn)
}

pub fn set_aside_for(conn: &mut PgConnection, device: Uuid) -> QueryResult<Option<Uuid>> {
    sales_session_devices::table
        .filter(sales_session_devices::device_id.eq(device))
        .select(sales_session_devices::session_id)
        .first(conn)
        .optional()
}

pub fn release(conn: &mut PgConnection, device: Uuid) -> QueryResult<usize> {
    diesel::delete(sales_session_devices::table.filter(sales_session_devices::device_id.eq(device))).execute(conn)
}

pub fn summary(conn: &mut PgConnection, session: Uuid) -> QueryResult<SessionSummary> {
    let (sold, takings, subsidy): (i64, Option<i64>, Option<i64>) = sales::table
        .filter(sales::session_id.eq(session))
        .filter(sales::refunded_at.is_null())
        .select((count_star(), sum(sales::price_pence), sum(sales::subsidy_pence)))
        .first(conn)?;
    let refunds: i64 = sales::table
        .filter(sales::session_id.eq(session))
        .filter(sales::refunded_at.is_not_null())
        .count()
        .get_result(conn)?;
    let unsold: i64 =
        sales_session_devices::table.filter(sales_session_devices::session_id.eq(session)).count().get_result(conn)?;
    Ok(SessionSummary {
        devices_sold: sold,
        takings_pence: takings.unwrap_or(0),
        subsidy_pence: subsidy.unwrap_or(0),
        refunds,
        unsold_devices: unsold,
    })
}
