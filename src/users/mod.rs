//! Users: staff, partner and reporter accounts, their hub or organisation scope, and the API keys
//! integration accounts sign in with. Admins manage them; everyone sees themselves at `/api/v1/me`.

pub mod accounts;
mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .get("/api/v1/users", handlers::list)
        .post("/api/v1/users", handlers::create)
        .get("/api/v1/users/{id}", handlers::get)
        .patch("/api/v1/users/{id}", handlers::update)
        .delete("/api/v1/users/{id}", handlers::delete)
        .get("/api/v1/users/{id}/api-keys", handlers::list_api_keys)
        .post("/api/v1/users/{id}/api-keys", handlers::create_api_key)
        .delete("/api/v1/users/{id}/api-keys/{key_id}", handlers::revoke_api_key);
}
