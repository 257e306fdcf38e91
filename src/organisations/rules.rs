//! The rules on organisations' fields, and on naming an organisation for a part it plays.

use super::models::{OrganisationRole, OrganisationRow, Outcomes};
use crate::devices::rules::Outcome;
use crate::http::Problems;

/// An organisation named for a part it does not play (a donor that is not one, say): the field
/// that named it and the part it was meant to play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongPart {
    pub field: &'static str,
    pub part: OrganisationRole,
}

/// The organisation, if it plays `part`; a refusal naming `field` otherwise.
pub fn require_part(org: &OrganisationRow, part: OrganisationRole, field: &'static str) -> Result<(), WrongPart> {
    if org.plays(part) { Ok(()) } else { Err(WrongPart { field, part }) }
}

/// Checks the fields present in a create or a patch.
pub fn check(
    problems: &mut Problems,
    name: Option<&str>,
    roles: Option<&[OrganisationRole]>,
    contact_email: Option<&str>,
    texts: [(&str, Option<&str>, usize); 4],
) {
    if let Some(name) = name {
        problems.length("name", name, 1, 200);
    }
    if roles.is_some_and(|r| r.is_empty()) {
        problems.add("roles", "name at least one part the organisation plays");
    }
    if let Some(email) = contact_email
        && crate::contact::normalise_email(email).is_err()
    {
        problems.add("contact_email", "must be an email address like name@example.org");
    }
    for (field, value, max) in texts {
        if let Some(value) = value {
            problems.length(field, value, 0, max);
        }
    }
}

/// Roles as stored: de-duplicated, in a stable order.
pub fn stored_roles(roles: &[OrganisationRole]) -> Vec<String> {
    OrganisationRole::ALL.iter().filter(|r| roles.contains(r)).map(|r| r.as_str().to_owned()).collect()
}

/// Adds devices counted by status into the donor's outcome counts.
pub fn count_outcomes(by_outcome: impl IntoIterator<Item = (Outcome, i64)>) -> Outcomes {
    let mut outcomes = Outcomes::default();
    for (outcome, n) in by_outcome {
        let slot = match outcome {
            Outcome::AwaitingRefurbishment => &mut outcomes.awaiting_refurbishment,
            Outcome::InRefurbishment => &mut outcomes.in_refurbishment,
            Outcome::Refurbished => &mut outcomes.refurbished,
            Outcome::Distributed => &mut outcomes.distributed,
            Outcome::BeyondRepair => &mut outcomes.beyond_repair,
            Outcome::Recycled => &mut outcomes.recycled,
            Outcome::Lost => &mut outcomes.lost,
        };
        *slot += n;
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_stored_once_in_a_stable_order() {
        let stored = stored_roles(&[OrganisationRole::Recycler, OrganisationRole::Donor, OrganisationRole::Recycler]);
        assert_eq!(stored, ["donor", "recycler"]);
    }

    #[test]
    fn an_organisation_must_have_a_part_and_a_real_email() {
        let mut problems = Problems::new();
        check(
            &mut problems,
            Some(" "),
            Some(&[]),
            Some("nope"),
            [("notes", Some("x"), 1), ("a", None, 1), ("b", None, 1), ("c", None, 1)],
        );
        let fields: Vec<String> = problems.into_errors().expect_err("invalid").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "roles", "contact_email"]);
    }

    #[test]
    fn outcomes_add_up_by_kind() {
        let o = count_outcomes([(Outcome::Distributed, 3), (Outcome::Distributed, 2), (Outcome::Lost, 1)]);
        assert_eq!((o.distributed, o.lost, o.recycled), (5, 1, 0));
    }
}
