//! First start on an empty database: create the first admin, from `TECH4ALL_ADMIN_EMAIL` /
//! `TECH4ALL_ADMIN_PASSWORD` or with a generated password that is printed once.

use diesel::pg::PgConnection;
use diesel::prelude::*;

use crate::auth::Role;
use crate::config::Settings;
use crate::db::schema::users;
use crate::users::handlers::accounts::create_account;
use crate::users::models::CreateUser;

/// The password every demo account gets (only with `--demo`).
pub const DEMO_PASSWORD: &str = "tech4all-demo";

/// Creates the first admin if there are no users at all. Returns what to tell the operator.
pub fn first_admin(conn: &mut PgConnection, settings: &Settings, demo: bool) -> Result<Option<String>, String> {
    let existing: i64 = users::table.count().get_result(conn).map_err(|e| e.to_string())?;
    if existing > 0 {
        return Ok(None);
    }
    let (password, announce) = match (&settings.admin_password, demo) {
        (Some(p), _) => (p.clone(), false),
        (None, true) => (DEMO_PASSWORD.to_owned(), true),
        (None, false) => (crate::auth::password::generate(), true),
    };
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
