//! Resets at the counter: a device given back in good order (or refunded) is sanitised before the
//! next person has it — a factory reset, a reimage or the removal of the last person's accounts,
//! recorded with who, when and whether it was verified. A verified reset of a device awaiting one
//! makes it ready; a reset of a device already in stock is recorded as evidence. The database's
//! gate (`devices_wipe_gate`) compares the device's last hand-over with its last verified wipe or
//! reset, so no path hands a device on without one (DESIGN §10). A loan's return can carry the
//! reset done at the counter (`handlers::after_return`).

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/devices/{id}/resets", handlers::list)
        .post("/api/v1/devices/{id}/resets", handlers::create)
        .get("/api/v1/devices/{id}/resets/{reset_id}", handlers::get);
}
