//! Stocktake queries.

use chrono::Utc;
use diesel::IntoSql;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{ScanRow, StocktakeFilter, StocktakeRow, StocktakeStatus};
use super::rules::EXPECTED;
use crate::db::schema::{devices, stocktake_expected, stocktake_scans, stocktakes};
use crate::devices::models::DeviceStatus;
use crate::ids::{DeviceId, HubId, StocktakeId, UserId};

/// Opens a count of `hub`, snapshotting the devices recorded there, at rest and in stock. The
/// partial unique index allows one open count per hub.
pub fn open(conn: &mut PgConnection, hub: HubId, notes: Option<String>, by: UserId) -> QueryResult<StocktakeRow> {
    let row: StocktakeRow = diesel::insert_into(stocktakes::table)
        .values((
            stocktakes::id.eq(StocktakeId::new()),
            stocktakes::hub_id.eq(hub),
            stocktakes::notes.eq(notes),
            stocktakes::opened_by.eq(by),
        ))
        .returning(StocktakeRow::as_returning())
        .get_result(conn)?;
    let snapshot = devices::table
        .filter(devices::hub_id.eq(hub))
        .filter(devices::transfer_to_hub_id.is_null())
        .filter(devices::status.eq_any(EXPECTED))
        .select((row.id.into_sql::<diesel::sql_types::Uuid>(), devices::id, devices::status));
    diesel::insert_into(stocktake_expected::table)
        .values(snapshot)
        .into_columns((stocktake_expected::stocktake_id, stocktake_expected::device_id, stocktake_expected::status))
        .execute(conn)?;
    Ok(row)
}

pub fn find(conn: &mut PgConnection, id: StocktakeId) -> QueryResult<Option<StocktakeRow>> {
    stocktakes::table.filter(stocktakes::id.eq(id)).select(StocktakeRow::as_select()).first(conn).optional()
}

/// The count, share-locked so that scans run side by side while a close waits for them (and
/// scans after a close see it closed).
pub fn find_for_scan(conn: &mut PgConnection, id: StocktakeId) -> QueryResult<Option<StocktakeRow>> {
    stocktakes::table.filter(stocktakes::id.eq(id)).select(StocktakeRow::as_select()).for_share().first(conn).optional()
}

/// The count, locked for closing: scans in flight finish first and later ones wait, so the
/// decisions are checked against the count exactly as it ends.
pub fn find_for_close(conn: &mut PgConnection, id: StocktakeId) -> QueryResult<Option<StocktakeRow>> {
    stocktakes::table
        .filter(stocktakes::id.eq(id))
        .select(StocktakeRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn list(
    conn: &mut PgConnection,
    filter: &StocktakeFilter,
    hubs: Option<&[HubId]>,
) -> QueryResult<Vec<StocktakeRow>> {
    let mut query = stocktakes::table.select(StocktakeRow::as_select()).into_boxed();
    if let Some(hubs) = hubs {
        query = query.filter(stocktakes::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(hub) = filter.hub_id {
        query = query.filter(stocktakes::hub_id.eq(hub));
    }
    if let Some(status) = filter.status {
        query = query.filter(stocktakes::status.eq(status));
    }
    query.order(stocktakes::id.desc()).limit(200).load(conn)
}

pub fn expected_of(conn: &mut PgConnection, id: StocktakeId) -> QueryResult<Vec<(DeviceId, DeviceStatus)>> {
    stocktake_expected::table
        .filter(stocktake_expected::stocktake_id.eq(id))
        .select((stocktake_expected::device_id, stocktake_expected::status))
        .load(conn)
}

/// The device's status when the count opened, if the count expected it.
pub fn expected_status(
    conn: &mut PgConnection,
    id: StocktakeId,
    device: DeviceId,
) -> QueryResult<Option<DeviceStatus>> {
    stocktake_expected::table
        .filter(stocktake_expected::stocktake_id.eq(id))
        .filter(stocktake_expected::device_id.eq(device))
        .select(stocktake_expected::status)
        .first(conn)
        .optional()
}

pub fn scans_of(conn: &mut PgConnection, id: StocktakeId) -> QueryResult<Vec<ScanRow>> {
    stocktake_scans::table
        .filter(stocktake_scans::stocktake_id.eq(id))
        .order(stocktake_scans::id)
        .select(ScanRow::as_select())
        .load(conn)
}

/// Records a scan; false when the code, or the device by another of its codes, was scanned
/// before (nothing is added).
pub fn record_scan(
    conn: &mut PgConnection,
    id: StocktakeId,
    code: &str,
    device: Option<DeviceId>,
    by: UserId,
) -> QueryResult<bool> {
    let added = diesel::insert_into(stocktake_scans::table)
        .values((
            stocktake_scans::id.eq(crate::db::new_id()),
            stocktake_scans::stocktake_id.eq(id),
            stocktake_scans::code.eq(code),
            stocktake_scans::device_id.eq(device),
            stocktake_scans::scanned_by.eq(by),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(added == 1)
}

/// Closes the count as read (open, at `version`); `None` if another close came first.
pub fn close(
    conn: &mut PgConnection,
    count: &StocktakeRow,
    by: UserId,
    outcome: serde_json::Value,
) -> QueryResult<Option<StocktakeRow>> {
    diesel::update(
        stocktakes::table
            .filter(stocktakes::id.eq(count.id))
            .filter(stocktakes::status.eq(StocktakeStatus::Open))
            .filter(stocktakes::version.eq(count.version)),
    )
    .set((
        stocktakes::status.eq(StocktakeStatus::Closed),
        stocktakes::closed_by.eq(by),
        stocktakes::closed_at.eq(Utc::now()),
        stocktakes::outcome.eq(outcome),
        stocktakes::version.eq(stocktakes::version + 1),
    ))
    .returning(StocktakeRow::as_returning())
    .get_result(conn)
    .optional()
}
