//! The rules a user account must satisfy, as plain functions: names, the password policy, which
//! roles carry hubs or an organisation, what a change to an account amounts to, and who may never
//! be disabled, demoted or deleted (email addresses follow `crate::contact`).

use super::models::{CreateUser, UpdateUser, UserRow};
use crate::auth::{Role, password};
use crate::http::{FieldError, Problems};
use crate::ids::{HubId, OrganisationId, UserId};

/// Why an account change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Disabling or demoting the only active admin would lock the scheme out.
    LastActiveAdmin,
    /// Deleting the only active admin.
    DeletingLastActiveAdmin,
    /// An admin deleting their own account.
    OwnAccount,
    /// The role, hubs and organisation the account would hold do not fit together.
    ScopeMismatch(Vec<FieldError>),
    /// The current password given is not the account's.
    WrongPassword,
}

/// A new account, checked: email in canonical form, name trimmed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub display_name: String,
    pub password: Option<String>,
    pub role: Role,
    pub hub_ids: Vec<HubId>,
    pub organisation_id: Option<OrganisationId>,
}

/// What a merge-patch does to an account, worked out against what it holds now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub organisation_id: Option<Option<OrganisationId>>,
    pub active: Option<bool>,
    /// The account's hubs when they change.
    pub hub_ids: Option<Vec<HubId>>,
    /// Tokens already issued stop working (role or password changed, account disabled).
    pub ends_tokens: bool,
}

pub fn check_display_name(problems: &mut Problems, name: &str) {
    problems.length("display_name", name, 1, 200);
}

pub fn check_password(problems: &mut Problems, field: &str, password: &str) {
    if let Err(message) = password::check_policy(password) {
        problems.add(field, message);
    }
}

/// Hub staff may have hubs; partners must have an organisation; nobody else has either.
pub fn check_role_scope(
    problems: &mut Problems,
    role: Role,
    hub_ids: &[HubId],
    organisation_id: Option<OrganisationId>,
) {
    if role != Role::HubStaff && !hub_ids.is_empty() {
        problems.add("hub_ids", "only hub_staff users are assigned to hubs");
    }
    match (role, organisation_id) {
        (Role::Partner, None) => problems.add("organisation_id", "partner users need an organisation"),
        (Role::Partner, Some(_)) | (_, None) => {}
        (_, Some(_)) => problems.add("organisation_id", "only partner users belong to an organisation"),
    }
}

/// Checks a new account; every problem is listed.
pub fn new_account(input: CreateUser) -> Result<NewAccount, Vec<FieldError>> {
    let mut problems = Problems::new();
    let email = crate::contact::normalise_email(&input.email).unwrap_or_else(|message| {
        problems.add("email", message);
        String::new()
    });
    check_display_name(&mut problems, &input.display_name);
    if let Some(p) = &input.password {
        check_password(&mut problems, "password", p);
    }
    check_role_scope(&mut problems, input.role, &input.hub_ids, input.organisation_id);
    problems.into_errors()?;
    Ok(NewAccount {
        email,
        display_name: input.display_name.trim().to_owned(),
        password: input.password,
        role: input.role,
        hub_ids: input.hub_ids,
        organisation_id: input.organisation_id,
    })
}

const NOT_IN_A_SCHEME: &str = "platform_admin accounts belong to no scheme; the platform creates them";

/// A scheme's admins give accounts the scheme's roles only: platform administrators belong to no
/// scheme.
pub fn check_scheme_role(role: Role) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.check(role != Role::PlatformAdmin, "role", NOT_IN_A_SCHEME);
    problems.into_errors()
}

/// The fields of a patch that can be checked on their own.
pub fn check_patch(patch: &UpdateUser) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.check(patch.role != Some(Role::PlatformAdmin), "role", NOT_IN_A_SCHEME);
    if let Some(name) = &patch.display_name {
        check_display_name(&mut problems, name);
    }
    if let Some(p) = &patch.password {
        check_password(&mut problems, "password", p);
    }
    problems.into_errors()
}

/// What `patch` does to the account as it is now. Leaving the partner role drops the organisation,
/// as leaving hub_staff drops the hubs; whether hubs and organisation then fit the role depends on
/// what the account holds, so a mismatch is a refusal (409), not a malformed request.
pub fn account_change(
    current: &UserRow,
    current_hubs: &[HubId],
    patch: &UpdateUser,
    other_active_admins: i64,
) -> Result<AccountChange, Refusal> {
    let role = patch.role.unwrap_or(current.role);
    let organisation_id = match (patch.organisation_id, role) {
        (Some(org), _) => org,
        (None, Role::Partner) => current.organisation_id,
        (None, _) => None,
    };
    let hubs = match (&patch.hub_ids, role) {
        (Some(h), _) => h.clone(),
        (None, Role::HubStaff) => current_hubs.to_vec(),
        (None, _) => Vec::new(),
    };
    let mut problems = Problems::new();
    check_role_scope(&mut problems, role, &hubs, organisation_id);
    problems.into_errors().map_err(Refusal::ScopeMismatch)?;
    let deactivating = patch.active == Some(false) && current.active;
    let demoting = current.role == Role::Admin && role != Role::Admin;
    if (deactivating || demoting) && current.role == Role::Admin && other_active_admins == 0 {
        return Err(Refusal::LastActiveAdmin);
    }
    Ok(AccountChange {
        display_name: patch.display_name.as_deref().map(|n| n.trim().to_owned()),
        role: patch.role,
        organisation_id: (organisation_id != current.organisation_id).then_some(organisation_id),
        active: patch.active,
        hub_ids: (hubs != current_hubs).then_some(hubs),
        ends_tokens: deactivating || role != current.role || patch.password.is_some(),
    })
}

/// An admin may delete an account that nothing refers to, but not their own nor the last admin.
pub fn may_delete(caller: UserId, target: &UserRow, other_active_admins: i64) -> Result<(), Refusal> {
    if caller == target.id {
        return Err(Refusal::OwnAccount);
    }
    if target.role == Role::Admin && target.active && other_active_admins == 0 {
        return Err(Refusal::DeletingLastActiveAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role, active: bool) -> UserRow {
        let now = chrono::Utc::now();
        UserRow {
            id: UserId::new(),
            scheme_id: crate::ids::SchemeId::FIRST,
            email: "a@example.org".into(),
            display_name: "A".into(),
            password_hash: None,
            role,
            organisation_id: None,
            active,
            token_epoch: 0,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn role_scope_rules() {
        let hub = vec![HubId::new()];
        let org = Some(OrganisationId::new());
        let errors = |role, hubs: &[HubId], org| {
            let mut p = Problems::new();
            check_role_scope(&mut p, role, hubs, org);
            p.finish().is_err()
        };
        assert!(!errors(Role::HubStaff, &hub, None));
        assert!(errors(Role::Reporter, &hub, None));
        assert!(errors(Role::Partner, &[], None));
        assert!(!errors(Role::Partner, &[], org));
        assert!(errors(Role::Admin, &[], org));
        assert!(!errors(Role::Admin, &[], None));
    }

    #[test]
    fn the_last_active_admin_is_neither_disabled_nor_demoted_nor_deleted() {
        let admin = account(Role::Admin, true);
        let disable = UpdateUser { active: Some(false), ..Default::default() };
        let demote = UpdateUser { role: Some(Role::Reporter), ..Default::default() };
        assert_eq!(account_change(&admin, &[], &disable, 0), Err(Refusal::LastActiveAdmin));
        assert_eq!(account_change(&admin, &[], &demote, 0), Err(Refusal::LastActiveAdmin));
        assert!(account_change(&admin, &[], &demote, 1).is_ok_and(|c| c.ends_tokens));
        assert_eq!(may_delete(UserId::new(), &admin, 0), Err(Refusal::DeletingLastActiveAdmin));
        assert_eq!(may_delete(admin.id, &admin, 3), Err(Refusal::OwnAccount));
    }

    #[test]
    fn leaving_hub_staff_drops_the_hubs_and_only_a_real_change_ends_tokens() {
        let staff = account(Role::HubStaff, true);
        let hubs = [HubId::new()];
        let to_reporter = UpdateUser { role: Some(Role::Reporter), ..Default::default() };
        let change = account_change(&staff, &hubs, &to_reporter, 0).expect("allowed");
        assert_eq!(change.hub_ids, Some(vec![]));
        assert!(change.ends_tokens);
        let rename = UpdateUser { display_name: Some(" Sam ".into()), ..Default::default() };
        let change = account_change(&staff, &hubs, &rename, 0).expect("allowed");
        assert_eq!((change.display_name.as_deref(), change.hub_ids, change.ends_tokens), (Some("Sam"), None, false));
        let bad = UpdateUser { organisation_id: Some(Some(OrganisationId::new())), ..Default::default() };
        assert!(matches!(account_change(&staff, &hubs, &bad, 0), Err(Refusal::ScopeMismatch(_))));
    }
}
