//! Stocktakes: hub staff count the devices that should be at their hub. Opening a count snapshots
//! the devices recorded there (at rest, in stock); staff scan asset tags, QR labels or serial
//! numbers, several at once, each code counted once however often it is scanned; the count shows
//! what was found, what is not yet scanned (or, once closed, missing), what turned up unexpected
//! (recorded at another hub or in another status), what moved while the count ran, and codes that
//! matched nothing. Closing applies the decisions — mark the missing lost, receive the unexpected
//! here — as ordinary device moves with history, in one transaction; of two closes, one wins.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/stocktakes", handlers::list)
        .post("/api/v1/stocktakes", handlers::open)
        .get("/api/v1/stocktakes/{id}", handlers::get)
        .post("/api/v1/stocktakes/{id}/scans", handlers::scan)
        .post("/api/v1/stocktakes/{id}/close", handlers::close);
}
