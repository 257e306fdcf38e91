//! Who is calling and what they may do: roles, JWT access tokens, password hashing, API keys for
//! integrations, the failed-login throttle, and the `Principal` extractor that every protected
//! handler takes. Tokens are checked against the database on every request, so disabling a user,
//! changing a password or revoking a key takes effect at once.

pub mod api_key;
pub mod handlers;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod throttle;

pub use jwt::JwtKeys;
pub use principal::{Actor, Principal};

use crate::http::RouteTable;

crate::text_enum! {
    /// The four roles of DESIGN §6.
    pub enum Role {
        Admin => "admin",
        HubStaff => "hub_staff",
        Partner => "partner",
        Reporter => "reporter",
    }
}

pub fn routes(table: &mut RouteTable) {
    table
        .post("/api/v1/auth/login", handlers::login)
        .post("/api/v1/auth/token", handlers::exchange_api_key)
        .get("/api/v1/me", handlers::me)
        .post("/api/v1/me/password", handlers::change_own_password);
}
