//! Webhooks (DESIGN §11): an organisation subscribes a URL to event types and the service posts
//! each event to it, signed as the Standard Webhooks specification says. Events are queued by
//! triggers on the changes that cause them (a job assigned or changed, a device's status, a wipe,
//! a loan out and back, a sale), in those changes' transactions, one delivery per subscription;
//! a partner's subscription hears only of its own jobs and devices. The worker (`crate::worker`)
//! claims due deliveries, posts them and retries failures with backoff for more than a day; a
//! subscription that fails all that while is switched off and the person who set it up is told.
//! `/api/v1/webhooks/{id}/deliveries` is the delivery log, and redelivers on request.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/webhooks", handlers::list)
        .post("/api/v1/webhooks", handlers::create)
        .get("/api/v1/webhooks/{id}", handlers::show)
        .patch("/api/v1/webhooks/{id}", handlers::update)
        .delete("/api/v1/webhooks/{id}", handlers::remove)
        .get("/api/v1/webhooks/{id}/deliveries", handlers::deliveries)
        .post("/api/v1/webhooks/{id}/deliveries", handlers::redeliver);
}
