//! Loan, loan-rule and hold queries.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{Hold, HoldStatus, LoanRow, LoanRule};
use super::rules;
use crate::db::schema::{holds, loan_rules, loans};
use crate::devices::models::Category;

/// The rule that applies to lending a `category` device at `hub` (the migration guarantees a
/// default rule exists).
pub fn rule_for(conn: &mut PgConnection, hub: Uuid, category: Category) -> QueryResult<LoanRule> {
    let candidates: Vec<LoanRule> = loan_rules::table
        .filter(loan_rules::hub_id.eq(hub).or(loan_rules::hub_id.is_null()))
        .filter(loan_rules::category.eq(category.as_str()).or(loan_rules::category.is_null()))
        .select(LoanRule::as_select())
        .load(conn)?;
    candidates
        .into_iter()
        .filter_map(|r| {
            rules::specificity(r.hub_id, r.category.map(|c| c.as_str()), hub, category.as_str()).map(|s| (s, r))
        })
        .max_by_key(|(s, _)| *s)
        .map(|(_, r)| r)
        .ok_or(diesel::result::Error::NotFound)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<LoanRow>> {
    loans::table.find(id).select(LoanRow::as_select()).first(conn).optional()
}

pub fn open_loans_of(conn: &mut PgConnection, resident: Uuid) -> QueryResult<Vec<LoanRow>> {
    loans::table
        .filter(loans::resident_id.eq(resident))
        .filter(loans::returned_at.is_null())
        .filter(loans::lost_at.is_null())
        .select(LoanRow::as_select())
        .load(conn)
}

pub fn of_resident(conn: &mut PgConnection, resident: Uuid) -> QueryResult<Vec<LoanRow>> {
    loans::table.filter(loans::resident_id.eq(resident)).select(LoanRow::as_select()).order(loans::id).load(conn)
}

pub fn holds_of_resident(conn: &mut PgConnection, resident: Uuid) -> QueryResult<Vec<Hold>> {
    holds::table.filter(holds::resident_id.eq(resident)).select(Hold::as_select()).order(holds::id).load(conn)
}

/// The first person waiting for a category at a hub.
pub fn first_waiting(conn: &mut PgConnection, hub: Uuid, category: Category) -> QueryResult<Option<Hold>> {
    holds::table
        .filter(holds::hub_id.eq(hub))
        .filter(holds::category.eq(category.as_str()))
        .filter(holds::status.eq(HoldStatus::Waiting))
        .select(Hold::as_select())
        .order((holds::created_at, holds::id))
        .for_update()
        .skip_locked()
        .first(conn)
        .optional()
}

pub fn ready_hold_for_device(conn: &mut PgConnection, device: Uuid) -> QueryResult<Option<Hold>> {
    holds::table
        .filter(holds::device_id.eq(device))
        .filter(holds::status.eq(HoldStatus::Ready))
        .select(Hold::as_select())
        .first(conn)
        .optional()
}

pub fn find_hold(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Hold>> {
    holds::table.find(id).select(Hold::as_select()).first(conn).optional()
}
