//! Notices to residents (DESIGN §11): loan due soon, overdue on days 1, 7 and 14, a held device
//! ready to collect and its deadline the day before, free data ending in a week, a copy of a
//! sale's receipt. What must be told is written to the outbox — in the transaction of the change that
//! causes it (`handlers::queue`), or by the scheduled pass for what time brings (`handlers::pass`)
//! — under a natural key, so it is queued once however often the pass runs. The worker
//! (`crate::worker`, in every instance) claims due rows, sends each through the resident's
//! channel (email over SMTP, a text through GOV.UK Notify, or a printed letter from the hub for
//! people with neither email nor a mobile), records the outcome and retries failures with backoff. A resident without contact
//! consent is sent nothing, and that is recorded. `GET /api/v1/residents/{id}/messages` lists what
//! was sent.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/notices", handlers::list)
        .get("/api/v1/residents/{id}/messages", handlers::messages)
        .get("/api/v1/hubs/{id}/letters", handlers::letters)
        .get("/api/v1/notice-templates", handlers::templates)
        .put("/api/v1/notice-templates/{kind}", handlers::save_template)
        .delete("/api/v1/notice-templates/{kind}", handlers::reset_template)
        .post("/api/v1/notice-templates/{kind}/preview", handlers::preview);
}
