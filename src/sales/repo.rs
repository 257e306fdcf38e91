//! Sale queries: sales, the year's receipt counter, and refunds.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{SaleFilter, SaleRecord, SaleRow};
use crate::db::schema::{receipt_counters, sales};
use crate::http::PageRequest;
use crate::ids::{HubId, ResidentId, SaleId, UserId};

pub fn find(conn: &mut PgConnection, id: SaleId) -> QueryResult<Option<SaleRow>> {
    sales::table.find(id).select(SaleRow::as_select()).first(conn).optional()
}

pub fn of_resident(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<Vec<SaleRow>> {
    sales::table.filter(sales::resident_id.eq(resident)).select(SaleRow::as_select()).order(sales::id).load(conn)
}

/// The resident's most recent sale that was not refunded.
pub fn last_kept_sale(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<Option<SaleRow>> {
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
        .on_conflict((receipt_counters::scheme_id, receipt_counters::year))
        .do_update()
        .set(receipt_counters::last.eq(receipt_counters::last + 1))
        .returning(receipt_counters::last)
        .get_result(conn)
}

pub fn list(
    conn: &mut PgConnection,
    filter: &SaleFilter,
    hubs: Option<&[HubId]>,
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
    by: UserId,
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

pub fn insert(conn: &mut PgConnection, s: &SaleRecord) -> QueryResult<SaleRow> {
    diesel::insert_into(sales::table)
        .values((
            sales::id.eq(SaleId::new()),
            sales::receipt_number.eq(&s.receipt_number),
            sales::device_id.eq(s.device_id),
            sales::resident_id.eq(s.resident_id),
            sales::hub_id.eq(s.hub_id),
            sales::session_id.eq(s.session_id),
            sales::price_pence.eq(s.price_pence),
            sales::market_value_pence.eq(s.market_value_pence),
            sales::subsidy_pence.eq(s.subsidy_pence),
            sales::payment_method.eq(s.payment_method),
            sales::sold_by.eq(s.sold_by),
            sales::sold_at.eq(s.sold_at),
            sales::override_reason.eq(&s.override_reason),
            sales::overridden_by.eq(s.overridden_by),
        ))
        .returning(SaleRow::as_returning())
        .get_result(conn)
}
