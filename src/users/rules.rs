//! The rules a user account must satisfy, as plain functions: email shape, names, the password
//! policy, and which roles carry hubs or an organisation.

use uuid::Uuid;

use crate::auth::Role;
use crate::auth::password;
use crate::http::Problems;

/// The email, lower-cased, if it is shaped like `local@domain.tld` (no spaces, one `@`, a dot
/// inside the domain) and at most 254 characters. The contract states the same rule as a pattern.
pub fn normalise_email(raw: &str) -> Result<String, String> {
    let valid = raw.chars().count() <= 254
        && !raw.chars().any(crate::http::is_space)
        && raw.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid { Ok(raw.to_lowercase()) } else { Err("must be an email address like name@example.org".into()) }
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
pub fn check_role_scope(problems: &mut Problems, role: Role, hub_ids: &[Uuid], organisation_id: Option<Uuid>) {
    if role != Role::HubStaff && !hub_ids.is_empty() {
        problems.add("hub_ids", "only hub_staff users are assigned to hubs");
    }
    match (role, organisation_id) {
        (Role::Partner, None) => problems.add("organisation_id", "partner users need an organisation"),
        (Role::Partner, Some(_)) | (_, None) => {}
        (_, Some(_)) => problems.add("organisation_id", "only partner users belong to an organisation"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalise_email("Ana@Example.ORG").ok().as_deref(), Some("ana@example.org"));
        assert_eq!(normalise_email("a@é.x").ok().as_deref(), Some("a@é.x"), "non-ASCII domains do not panic");
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.org",
            "a b@x.org",
            "ana@localhost",
            "a@b@c.org",
            "ana@x.",
            " ana@x.org",
            "a@.",
            "a@..",
            "a@é",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn role_scope_rules() {
        let hub = vec![Uuid::now_v7()];
        let org = Some(Uuid::now_v7());
        let errors = |role, hubs: &[Uuid], org| {
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
}
