//! Holds and the waiting list: a resident queues for a category at a hub; when a matching device
//! becomes ready there, it is reserved for the first in the queue for the loan rule's `hold_days`,
//! then offered to the next if not collected. Expired holds are processed whenever the queue is
//! read or changed (and so need no scheduler). The queue operations (`handlers::queue`) are also
//! what the application's hand-over calls when a device becomes ready.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/holds", handlers::list)
        .post("/api/v1/holds", handlers::create)
        .get("/api/v1/holds/{id}", handlers::get)
        .post("/api/v1/holds/{id}/cancel", handlers::cancel);
}
