//! Who is calling and what they may do: roles and the sets of roles routes allow, JWT access
//! tokens, password hashing, API keys for integrations, the failed-login throttle, and the
//! `Principal` extractor that every protected handler takes. Tokens are checked against the
//! database on every request, so disabling a user, changing a password or revoking a key takes
//! effect at once. Signing in and the caller's own account are routes of `crate::users`.

pub mod api_key;
pub mod jwt;
pub mod password;
pub mod principal;
pub mod throttle;

pub use jwt::JwtKeys;
pub use principal::{Actor, Principal};

crate::text_enum! {
    /// The roles of DESIGN §6.
    pub enum Role {
        PlatformAdmin => "platform_admin",
        Admin => "admin",
        HubStaff => "hub_staff",
        Partner => "partner",
        Reporter => "reporter",
    }
}

/// Every role that works inside a scheme (platform administrators do not).
pub const ANY_ROLE: &[Role] = &[Role::Admin, Role::HubStaff, Role::Partner, Role::Reporter];
/// The platform's administrators: they create and suspend schemes, and nothing inside one.
pub const PLATFORM_ADMIN: &[Role] = &[Role::PlatformAdmin];
/// The scheme's admins.
pub const ADMIN: &[Role] = &[Role::Admin];
/// Admins and hub staff: the people at the counter.
pub const STAFF: &[Role] = &[Role::Admin, Role::HubStaff];
/// Who may read devices and refurbishment jobs (partners see only their own).
pub const DEVICE_READERS: &[Role] = &[Role::Admin, Role::HubStaff, Role::Partner];
/// Who may read the reports (aggregates only).
pub const REPORT_READERS: &[Role] = &[Role::Admin, Role::Reporter, Role::HubStaff];
