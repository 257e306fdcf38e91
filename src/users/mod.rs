//! Users: staff, partner and reporter accounts, their hub or organisation scope, the API keys
//! integration accounts sign in with, and signing in itself (`/auth/login`, `/auth/token`). Admins
//! manage accounts; everyone sees and changes their own at `/api/v1/me`.

pub mod handlers;
pub mod models;
pub mod repo;
pub mod rules;

use crate::http::RouteTable;

pub fn routes(table: &mut RouteTable) {
    table
        .post("/api/v1/auth/login", handlers::session::login)
        .post("/api/v1/auth/token", handlers::session::exchange_api_key)
        .get("/api/v1/me", handlers::me::me)
        .post("/api/v1/me/password", handlers::me::change_own_password)
        .get("/api/v1/users", handlers::accounts::list)
        .post("/api/v1/users", handlers::accounts::create)
        .get("/api/v1/users/{id}", handlers::accounts::get)
        .patch("/api/v1/users/{id}", handlers::accounts::update)
        .delete("/api/v1/users/{id}", handlers::accounts::delete)
        .get("/api/v1/users/{id}/api-keys", handlers::api_keys::list)
        .post("/api/v1/users/{id}/api-keys", handlers::api_keys::create)
        .delete("/api/v1/users/{id}/api-keys/{key_id}", handlers::api_keys::revoke);
}
