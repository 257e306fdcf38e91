//! Hubs: the libraries, community centres, pop-up venues, warehouses and partner sites where
//! devices are kept, lent and sold. Admins write; every role reads. Hubs are deactivated, never
//! deleted, because devices, loans and sales keep referring to them. Each hub has its week's
//! opening hours and closures (bank holidays for every hub, or its own days); together they make
//! its calendar, and `handlers::next_open_day` is what moves a due date or a hold's deadline off a
//! closed day.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/hubs", handlers::list)
        .post("/api/v1/hubs", handlers::create)
        .get("/api/v1/hubs/{id}", handlers::get)
        .patch("/api/v1/hubs/{id}", handlers::update)
        .get("/api/v1/hubs/{id}/calendar", handlers::calendar)
        .get("/api/v1/closures", handlers::list_closures)
        .post("/api/v1/closures", handlers::create_closure)
        .get("/api/v1/closures/{id}", handlers::get_closure)
        .delete("/api/v1/closures/{id}", handlers::delete_closure);
}
