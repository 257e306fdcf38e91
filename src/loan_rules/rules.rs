//! Which loan rule applies, and what a rule's numbers may be.

use crate::devices::models::Category;
use crate::http::FieldError;
use crate::http::Problems;
use crate::ids::HubId;
use crate::loan_rules::models::{NewLoanRule, UpdateLoanRule};

/// How closely a rule fits a (hub, category): exact pair, hub-wide, category-wide, then default.
pub fn specificity(
    rule_hub: Option<HubId>,
    rule_category: Option<Category>,
    hub: HubId,
    category: Category,
) -> Option<u8> {
    match (rule_hub, rule_category) {
        (Some(h), Some(c)) if h == hub && c == category => Some(3),
        (Some(h), None) if h == hub => Some(2),
        (None, Some(c)) if c == category => Some(1),
        (None, None) => Some(0),
        _ => None,
    }
}

fn check(values: [(&str, Option<i32>, i32, i32); 7]) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    for (field, value, min, max) in values {
        if let Some(v) = value {
            problems.check((min..=max).contains(&v), field, &format!("must be from {min} to {max}"));
        }
    }
    problems.into_errors()
}

pub fn check_new(rule: &NewLoanRule) -> Result<(), Vec<FieldError>> {
    check([
        ("loan_days", Some(rule.loan_days), 1, 365),
        ("renewal_days", Some(rule.renewal_days), 1, 365),
        ("max_renewals", Some(rule.max_renewals), 0, 20),
        ("max_active_loans", Some(rule.max_active_loans), 1, 10),
        ("renew_overdue_up_to_days", Some(rule.renew_overdue_up_to_days), 0, 365),
        ("hold_days", Some(rule.hold_days), 1, 60),
        ("lost_after_days", Some(rule.lost_after_days), 1, 3650),
    ])
}

pub fn check_patch(patch: &UpdateLoanRule) -> Result<(), Vec<FieldError>> {
    check([
        ("loan_days", patch.loan_days, 1, 365),
        ("renewal_days", patch.renewal_days, 1, 365),
        ("max_renewals", patch.max_renewals, 0, 20),
        ("max_active_loans", patch.max_active_loans, 1, 10),
        ("renew_overdue_up_to_days", patch.renew_overdue_up_to_days, 0, 365),
        ("hold_days", patch.hold_days, 1, 60),
        ("lost_after_days", patch.lost_after_days, 1, 3650),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closest_rule_wins() {
        let hub = HubId::new();
        let other = HubId::new();
        let (laptop, tablet) = (Category::Laptop, Category::Tablet);
        assert_eq!(specificity(Some(hub), Some(laptop), hub, laptop), Some(3));
        assert_eq!(specificity(Some(hub), None, hub, laptop), Some(2));
        assert_eq!(specificity(None, Some(laptop), hub, laptop), Some(1));
        assert_eq!(specificity(None, None, hub, laptop), Some(0));
        assert_eq!(specificity(Some(other), None, hub, laptop), None);
        assert_eq!(specificity(None, Some(tablet), hub, laptop), None);
    }

    #[test]
    fn numbers_out_of_range_are_each_named() {
        let patch = UpdateLoanRule { loan_days: Some(0), max_active_loans: Some(11), ..Default::default() };
        let fields: Vec<String> = check_patch(&patch).expect_err("refused").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["loan_days", "max_active_loans"]);
    }
}
