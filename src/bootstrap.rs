//! First start: the first scheme takes its rules from the environment once (an upgraded
//! single-scheme database keeps the rules it ran with), and on an empty database its first admin
//! is created, from `TECH4ALL_ADMIN_EMAIL` / `TECH4ALL_ADMIN_PASSWORD` or with a generated
//! password that is printed once.

use diesel::pg::PgConnection;
use diesel::prelude::*;

use crate::auth::Role;
use crate::config::Settings;
use crate::db::schema::{schemes, users};
use crate::ids::SchemeId;
use crate::users::handlers::accounts::create_account;
use crate::users::models::CreateUser;

/// The password every demo account gets (only with `--demo`).
pub const DEMO_PASSWORD: &str = "tech4all-demo";

/// Runs under the migration lock, on the migrating connection. Returns what to tell the operator.
pub fn first_start(conn: &mut PgConnection, settings: &Settings, demo: bool) -> Result<Option<String>, String> {
    adopt_env_rules(conn, settings).map_err(|e| format!("cannot record the scheme's rules: {e}"))?;
    first_admin(conn, settings, demo)
}

/// The first scheme of an upgraded database takes the rules its environment variables set, once:
/// from then on they are the scheme's settings (`PATCH /api/v1/scheme`), and the variables are only
/// the defaults for new schemes.
fn adopt_env_rules(conn: &mut PgConnection, settings: &Settings) -> QueryResult<usize> {
    let rules = settings.scheme_defaults();
    diesel::update(schemes::table.filter(schemes::settings_from_env))
        .set((
            schemes::sale_price_pence.eq(rules.sale_price_pence),
            schemes::household_rule_months.eq(rules.household_rule_months),
            schemes::refund_window_days.eq(rules.refund_window_days),
            schemes::sim_limit_per_resident.eq(rules.sim_limit_per_resident),
            schemes::retention_months.eq(rules.retention_months),
            schemes::settings_from_env.eq(false),
        ))
        .execute(conn)
}

/// Creates the first scheme's first admin if there are no users at all.
fn first_admin(conn: &mut PgConnection, settings: &Settings, demo: bool) -> Result<Option<String>, String> {
    let existing: i64 = users::table.count().get_result(conn).map_err(|e| e.to_string())?;
    if existing > 0 {
        return Ok(None);
    }
    let (password, announce) = match (&settings.admin_password, demo) {
        (Some(p), _) => (p.clone(), false),
        (None, true) => (DEMO_PASSWORD.to_owned(), true),
        (None, false) => (crate::auth::password::generate(), true),
    };
    crate::db::enter_scheme(conn, SchemeId::FIRST).map_err(|e| e.to_string())?;
    let admin = create_account(
        conn,
        CreateUser {
            email: settings.admin_email.clone(),
            display_name: "Administrator".into(),
            role: Role::Admin,
            password: Some(password.clone()),
            hub_ids: Vec::new(),
            organisation_id: None,
        },
    )
    .map_err(|e| format!("TECH4ALL_ADMIN_EMAIL: cannot create the first admin: {}", e.detail))?;
    Ok(Some(if announce {
        format!(
            "Created the first admin account (shown once; store it now):\n  email:    {}\n  password: {password}",
            admin.email
        )
    } else {
        format!("Created the first admin account {} with the password from TECH4ALL_ADMIN_PASSWORD", admin.email)
    }))
}
