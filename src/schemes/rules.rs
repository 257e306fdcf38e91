//! What a scheme must satisfy, as plain functions: names, codes and number prefixes, the ranges
//! of its rules, and what a platform administrator's change amounts to.

use super::models::{CreateScheme, SchemeStatus, UpdateScheme, UpdateSettings};
use crate::auth::Role;
use crate::http::{FieldError, Problems};
use crate::ids::SchemeId;

/// Why a scheme's report grant is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Only reporters are granted other schemes' reports.
    NotAReporter,
    /// A reporter already sees their own scheme's reports.
    OwnScheme,
}

/// Whether an account of `role` in `home` may be granted `scheme`'s reports.
pub fn may_grant(scheme: SchemeId, home: SchemeId, role: Role) -> Result<(), Refusal> {
    if role != Role::Reporter {
        return Err(Refusal::NotAReporter);
    }
    if home == scheme {
        return Err(Refusal::OwnScheme);
    }
    Ok(())
}
use crate::loan_rules::models::UpdateLoanRule;

/// A scheme code: two to ten capital letters or digits, starting with a letter.
pub fn is_code(code: &str) -> bool {
    let mut chars = code.chars();
    (2..=10).contains(&code.len())
        && chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// An asset-tag prefix: one to ten capital letters or digits, starting with a letter (`TRA`).
pub fn is_tag_prefix(prefix: &str) -> bool {
    let mut chars = prefix.chars();
    (1..=10).contains(&prefix.len())
        && chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// A receipt prefix: one or two tag-like parts joined by a hyphen (`S`, `STO-S`).
pub fn is_receipt_prefix(prefix: &str) -> bool {
    let parts: Vec<&str> = prefix.split('-').collect();
    (1..=2).contains(&parts.len()) && parts.iter().all(|p| is_tag_prefix(p))
}

fn check_name(problems: &mut Problems, name: &str) {
    problems.length("name", name, 1, 120);
}

/// Checks a new scheme (its first admin is checked as any account is).
pub fn check_new(input: &CreateScheme) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    check_name(&mut problems, &input.name);
    problems.check(is_code(&input.code), "code", "must be 2 to 10 capital letters or digits, starting with a letter");
    if let Some(p) = &input.asset_tag_prefix {
        problems.check(is_tag_prefix(p), "asset_tag_prefix", TAG_PREFIX);
    }
    if let Some(p) = &input.receipt_prefix {
        problems.check(is_receipt_prefix(p), "receipt_prefix", RECEIPT_PREFIX);
    }
    problems.into_errors()
}

const TAG_PREFIX: &str = "must be 1 to 10 capital letters or digits, starting with a letter";
const RECEIPT_PREFIX: &str = "must be one or two groups of 1 to 10 capital letters or digits joined by '-', e.g. STO-S";

/// The prefixes a new scheme numbers with: the ones given, or ones made from its code.
pub fn prefixes(input: &CreateScheme) -> (String, String) {
    let tag = input.asset_tag_prefix.clone().unwrap_or_else(|| input.code.clone());
    let receipt = input.receipt_prefix.clone().unwrap_or_else(|| format!("{}-S", input.code));
    (tag, receipt)
}

pub fn check_update(patch: &UpdateScheme) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    if let Some(name) = &patch.name {
        check_name(&mut problems, name);
    }
    problems.into_errors()
}

/// What a status change does to `suspended_at`: set on suspending, cleared on reinstating, left
/// alone otherwise.
pub fn suspension(
    current: SchemeStatus,
    wanted: Option<SchemeStatus>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Option<chrono::DateTime<chrono::Utc>>> {
    match (current, wanted?) {
        (SchemeStatus::Active, SchemeStatus::Suspended) => Some(Some(now)),
        (SchemeStatus::Suspended, SchemeStatus::Active) => Some(None),
        _ => None,
    }
}

/// Checks an admin's change of the scheme's rules; loan defaults are checked as a loan rule is,
/// their fields named under `loan_defaults`.
pub fn check_settings(patch: &UpdateSettings) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    if let Some(name) = &patch.name {
        check_name(&mut problems, name);
    }
    let ranges = [
        ("sale_price_pence", patch.sale_price_pence, 0, 1_000_000),
        ("household_rule_months", patch.household_rule_months, 0, 120),
        ("refund_window_days", patch.refund_window_days, 0, 365),
        ("sim_limit_per_resident", patch.sim_limit_per_resident, 1, 10),
        ("retention_months", patch.retention_months, 1, 240),
        ("due_soon_notice_days", patch.due_soon_notice_days, 1, 14),
        ("sim_ending_notice_days", patch.sim_ending_notice_days, 1, 60),
    ];
    for (field, value, min, max) in ranges {
        if let Some(v) = value {
            problems.check((min..=max).contains(&v), field, &format!("must be from {min} to {max}"));
        }
    }
    if let Some(p) = &patch.asset_tag_prefix {
        problems.check(is_tag_prefix(p), "asset_tag_prefix", TAG_PREFIX);
    }
    if let Some(p) = &patch.receipt_prefix {
        problems.check(is_receipt_prefix(p), "receipt_prefix", RECEIPT_PREFIX);
    }
    let mut errors = problems.into_errors().err().unwrap_or_default();
    if let Some(loans) = &patch.loan_defaults {
        errors.extend(loan_default_errors(loans));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

fn loan_default_errors(loans: &UpdateLoanRule) -> Vec<FieldError> {
    crate::loan_rules::rules::check_patch(loans)
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| FieldError::new(format!("loan_defaults.{}", e.field), e.message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn only_another_schemes_reporters_are_granted() {
        let (scheme, home) = (SchemeId::new(), SchemeId::new());
        assert_eq!(may_grant(scheme, home, Role::Reporter), Ok(()));
        assert_eq!(may_grant(scheme, home, Role::Admin), Err(Refusal::NotAReporter));
        assert_eq!(may_grant(scheme, scheme, Role::Reporter), Err(Refusal::OwnScheme));
    }

    #[test]
    fn codes_and_prefixes() {
        assert!(is_code("TRA") && is_code("STO2") && !is_code("T") && !is_code("tra") && !is_code("1AB"));
        assert!(is_tag_prefix("T") && is_tag_prefix("T4A") && !is_tag_prefix("T-A") && !is_tag_prefix(""));
        assert!(is_receipt_prefix("S") && is_receipt_prefix("STO-S"));
        assert!(!is_receipt_prefix("STO-S-X") && !is_receipt_prefix("-S") && !is_receipt_prefix("sto"));
    }

    fn scheme(code: &str, tag: Option<&str>, receipt: Option<&str>) -> CreateScheme {
        CreateScheme {
            name: "Stockport".into(),
            code: code.into(),
            asset_tag_prefix: tag.map(Into::into),
            receipt_prefix: receipt.map(Into::into),
            admin: super::super::models::FirstAdmin {
                email: "a@b.test".into(),
                display_name: "A".into(),
                password: None,
            },
        }
    }

    #[test]
    fn prefixes_default_to_the_code() {
        assert_eq!(prefixes(&scheme("STO", None, None)), ("STO".into(), "STO-S".into()));
        assert_eq!(prefixes(&scheme("STO", Some("SK"), Some("SK"))), ("SK".into(), "SK".into()));
        let errors = check_new(&scheme("st", Some("s-1"), Some("x--y"))).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "asset_tag_prefix", "receipt_prefix"]);
    }

    #[test]
    fn suspending_and_reinstating_set_and_clear_the_time() {
        let now = Utc::now();
        assert_eq!(suspension(SchemeStatus::Active, Some(SchemeStatus::Suspended), now), Some(Some(now)));
        assert_eq!(suspension(SchemeStatus::Suspended, Some(SchemeStatus::Active), now), Some(None));
        assert_eq!(suspension(SchemeStatus::Active, Some(SchemeStatus::Active), now), None);
        assert_eq!(suspension(SchemeStatus::Active, None, now), None);
    }

    #[test]
    fn rule_ranges_and_loan_defaults_are_checked() {
        let patch = UpdateSettings {
            sale_price_pence: Some(-1),
            sim_limit_per_resident: Some(0),
            loan_defaults: Some(UpdateLoanRule { loan_days: Some(0), ..Default::default() }),
            ..Default::default()
        };
        let errors = check_settings(&patch).expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sale_price_pence", "sim_limit_per_resident", "loan_defaults.loan_days"]);
        assert!(check_settings(&UpdateSettings { retention_months: Some(24), ..Default::default() }).is_ok());
    }
}
