//! Loan rule queries.

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{LoanRule, NewLoanRule, UpdateLoanRule};
use super::rules::specificity;
use crate::db::schema::loan_rules;
use crate::devices::models::Category;
use crate::ids::{HubId, LoanRuleId};

/// The rule that applies to lending a `category` device at `hub` (the migration guarantees a
/// default rule exists).
pub fn rule_for(conn: &mut PgConnection, hub: HubId, category: Category) -> QueryResult<LoanRule> {
    let candidates: Vec<LoanRule> = loan_rules::table
        .filter(loan_rules::hub_id.eq(hub).or(loan_rules::hub_id.is_null()))
        .filter(loan_rules::category.eq(category.as_str()).or(loan_rules::category.is_null()))
        .select(LoanRule::as_select())
        .load(conn)?;
    candidates
        .into_iter()
        .filter_map(|r| specificity(r.hub_id, r.category, hub, category).map(|s| (s, r)))
        .max_by_key(|(s, _)| *s)
        .map(|(_, r)| r)
        .ok_or(diesel::result::Error::NotFound)
}

pub fn all(conn: &mut PgConnection) -> QueryResult<Vec<LoanRule>> {
    loan_rules::table.select(LoanRule::as_select()).order(loan_rules::id).load(conn)
}

pub fn find(conn: &mut PgConnection, id: LoanRuleId) -> QueryResult<Option<LoanRule>> {
    loan_rules::table.find(id).select(LoanRule::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut PgConnection, new: &NewLoanRule) -> QueryResult<LoanRule> {
    diesel::insert_into(loan_rules::table)
        .values((loan_rules::id.eq(LoanRuleId::new()), new))
        .returning(LoanRule::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: LoanRuleId,
    version: i32,
    patch: &UpdateLoanRule,
) -> QueryResult<Option<LoanRule>> {
    diesel::update(loan_rules::table.filter(loan_rules::id.eq(id)).filter(loan_rules::version.eq(version)))
        .set((patch, loan_rules::version.eq(loan_rules::version + 1), loan_rules::updated_at.eq(Utc::now())))
        .returning(LoanRule::as_returning())
        .get_result(conn)
        .optional()
}

/// The caller's scheme's default rule (no hub, no category); every scheme has one.
pub fn default_rule(conn: &mut PgConnection) -> QueryResult<LoanRule> {
    loan_rules::table
        .filter(loan_rules::hub_id.is_null())
        .filter(loan_rules::category.is_null())
        .select(LoanRule::as_select())
        .first(conn)
}

/// Gives a new scheme its default rule, with the standard lengths.
pub fn insert_default(conn: &mut PgConnection) -> QueryResult<LoanRule> {
    diesel::insert_into(loan_rules::table)
        .values((loan_rules::id.eq(LoanRuleId::new()), loan_rules::hub_id.eq(None::<HubId>)))
        .returning(LoanRule::as_returning())
        .get_result(conn)
}

/// Changes the caller's scheme's default rule (as part of the scheme's settings, whose version
/// guards the change); `None` if the rule itself changed meanwhile (`PATCH /loan-rules/{id}`).
pub fn update_default(conn: &mut PgConnection, patch: &UpdateLoanRule) -> QueryResult<Option<LoanRule>> {
    let rule = default_rule(conn)?;
    update(conn, rule.id, rule.version, patch)
}
