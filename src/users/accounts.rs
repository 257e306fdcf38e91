//! Creating and changing accounts: shared by the HTTP handlers, the `user create` command, the
//! first-start bootstrap and the demo data. Validation happens before any hashing or writing, and
//! each operation is one transaction.

use diesel::pg::PgConnection;
use uuid::Uuid;

use super::models::{CreateUser, UpdateUser, UserView};
use super::repo::{self, NewUser, UserChanges};
use super::rules;
use crate::auth::{Role, password};
use crate::db::in_transaction;
use crate::http::{ApiError, IfMatch, Problems};

pub fn create(conn: &mut PgConnection, input: CreateUser) -> Result<UserView, ApiError> {
    let mut problems = Problems::new();
    let email = rules::normalise_email(&input.email).unwrap_or_else(|message| {
        problems.add("email", message);
        String::new()
    });
    rules::check_display_name(&mut problems, &input.display_name);
    if let Some(p) = &input.password {
        rules::check_password(&mut problems, "password", p);
    }
    rules::check_role_scope(&mut problems, input.role, &input.hub_ids, input.organisation_id);
    problems.finish()?;
    let password_hash = input.password.as_deref().map(password::hash).transpose()?;
    in_transaction(conn, |conn| {
        let row = repo::insert(
            conn,
            NewUser {
                email: &email,
                display_name: &input.display_name,
                password_hash,
                role: input.role,
                organisation_id: input.organisation_id,
            },
        )?;
        repo::replace_hubs(conn, row.id, &input.hub_ids)?;
        let hubs = repo::hub_ids(conn, row.id)?;
        Ok(UserView::new(row, hubs))
    })
}

/// Applies a merge-patch. Tokens issued before a role change, a password change or a disable stop
/// working at once. The last active admin can be neither disabled nor demoted.
pub fn update(conn: &mut PgConnection, id: Uuid, if_match: IfMatch, patch: UpdateUser) -> Result<UserView, ApiError> {
    let mut problems = Problems::new();
    if let Some(name) = &patch.display_name {
        rules::check_display_name(&mut problems, name);
    }
    if let Some(p) = &patch.password {
        rules::check_password(&mut problems, "password", p);
    }
    problems.finish()?;
    let password_hash = patch.password.as_deref().map(password::hash).transpose()?;
    in_transaction(conn, |conn| {
        let current = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
        let version = if_match.required_version(current.version)?;
        let current_hubs = repo::hub_ids(conn, id)?;
        let role = patch.role.unwrap_or(current.role);
        // Leaving the partner role drops the organisation, as leaving hub_staff drops hubs.
        let organisation_id = match (patch.organisation_id, role) {
            (Some(org), _) => org,
            (None, Role::Partner) => current.organisation_id,
            (None, _) => None,
        };
        let hubs = match (&patch.hub_ids, role) {
            (Some(h), _) => h.clone(),
            // Leaving hub_staff drops hub assignments that no longer make sense.
            (None, Role::HubStaff) => current_hubs.clone(),
            (None, _) => Vec::new(),
        };
        // Whether hubs and organisation fit the role depends on what the account holds now, so a
        // mismatch is a conflict with the current state (409), not a malformed request.
        let mut problems = Problems::new();
        rules::check_role_scope(&mut problems, role, &hubs, organisation_id);
        problems.finish().map_err(|e| {
            let mut conflict = ApiError::conflict("the role, hubs and organisation would not fit together");
            conflict.errors = e.errors.clone();
            conflict
        })?;
        let deactivating = patch.active == Some(false) && current.active;
        let demoting = current.role == Role::Admin && role != Role::Admin;
        if (deactivating || demoting) && current.role == Role::Admin && repo::other_active_admins(conn, id)? == 0 {
            return Err(ApiError::conflict("this is the last active admin; make another admin first"));
        }
        let bump = deactivating || role != current.role || password_hash.is_some();
        let changes = UserChanges {
            display_name: patch.display_name.as_deref().map(|n| n.trim().to_owned()),
            role: patch.role,
            password_hash: password_hash.map(Some),
            organisation_id: (organisation_id != current.organisation_id).then_some(organisation_id),
            active: patch.active,
        };
        let row = repo::update(conn, id, version, changes, bump)?.ok_or_else(ApiError::precondition_failed)?;
        if hubs != current_hubs {
            repo::replace_hubs(conn, id, &hubs)?;
        }
        let hubs = repo::hub_ids(conn, id)?;
        Ok(UserView::new(row, hubs))
    })
}

/// Changes one's own password after checking the current one; the caller's tokens stop working.
pub fn change_own_password(conn: &mut PgConnection, id: Uuid, current: &str, new: &str) -> Result<(), ApiError> {
    let mut problems = Problems::new();
    rules::check_password(&mut problems, "new_password", new);
    problems.finish()?;
    let row = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
    let matches = row.password_hash.as_deref().is_some_and(|h| password::verify(current, h));
    if !matches {
        return Err(wrong_password());
    }
    let hash = password::hash(new)?;
    let changes = UserChanges { password_hash: Some(Some(hash)), ..Default::default() };
    repo::update(conn, id, row.version, changes, true)?.ok_or_else(ApiError::precondition_failed)?;
    Ok(())
}

/// The answer to a wrong current password: 403, since the caller is signed in but has not proved
/// they know the password.
pub fn wrong_password() -> ApiError {
    let mut e = ApiError::new(
        actix_web::http::StatusCode::FORBIDDEN,
        "wrong-password",
        "Wrong password",
        "current_password is not your current password",
    );
    e.errors = vec![crate::http::FieldError::new("current_password", "is not your current password")];
    e
}

pub fn view(conn: &mut PgConnection, id: Uuid) -> Result<UserView, ApiError> {
    let row = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
    let hubs = repo::hub_ids(conn, id)?;
    Ok(UserView::new(row, hubs))
}
