//! Scheme queries. The schemes table is the platform's: it is read here by id, and the caller's
//! own scheme through `current_scheme()`, the scheme the request's token confirmed.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{Grant, NewGrant, NewScheme, SchemeFilter, SchemeRow, SchemeStatus, UpdateSettings};
use crate::db::current_scheme;
use crate::db::schema::{report_grants, schemes, sign_in_emails};
use crate::http::PageRequest;
use crate::ids::{SchemeId, UserId};

/// Councils' schemes only: the platform's own row is never listed or changed.
const SCHEME: &str = "scheme";

pub fn list(conn: &mut PgConnection, filter: &SchemeFilter, page: &PageRequest) -> QueryResult<Vec<SchemeRow>> {
    let mut query = schemes::table.filter(schemes::kind.eq(SCHEME)).select(SchemeRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(schemes::id.gt(after));
    }
    if let Some(status) = filter.status {
        query = query.filter(schemes::status.eq(status));
    }
    query.order(schemes::id).limit(page.fetch()).load(conn)
}

pub fn find(conn: &mut PgConnection, id: SchemeId) -> QueryResult<Option<SchemeRow>> {
    schemes::table
        .filter(schemes::id.eq(id))
        .filter(schemes::kind.eq(SCHEME))
        .select(SchemeRow::as_select())
        .first(conn)
        .optional()
}

/// The schemes whose users may work, oldest first (the command line's retention run).
pub fn active(conn: &mut PgConnection) -> QueryResult<Vec<SchemeRow>> {
    schemes::table
        .filter(schemes::kind.eq(SCHEME))
        .filter(schemes::status.eq(SchemeStatus::Active))
        .select(SchemeRow::as_select())
        .order(schemes::created_at)
        .load(conn)
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<SchemeRow>> {
    schemes::table
        .filter(schemes::code.eq(code.trim().to_uppercase()))
        .filter(schemes::kind.eq(SCHEME))
        .select(SchemeRow::as_select())
        .first(conn)
        .optional()
}

/// The reporters granted `scheme`'s reports, with their sign-in emails.
pub fn grants(conn: &mut PgConnection, scheme: SchemeId) -> QueryResult<Vec<Grant>> {
    report_grants::table
        .inner_join(sign_in_emails::table.on(sign_in_emails::user_id.eq(report_grants::user_id)))
        .filter(report_grants::scheme_id.eq(scheme))
        .select((report_grants::scheme_id, report_grants::user_id, sign_in_emails::email, report_grants::granted_at))
        .order(report_grants::granted_at)
        .load(conn)
}

/// Grants the reports (again: a repeated grant keeps the first).
pub fn grant(conn: &mut PgConnection, new: &NewGrant) -> QueryResult<Grant> {
    diesel::insert_into(report_grants::table).values(new).on_conflict_do_nothing().execute(conn)?;
    report_grants::table
        .inner_join(sign_in_emails::table.on(sign_in_emails::user_id.eq(report_grants::user_id)))
        .filter(report_grants::scheme_id.eq(new.scheme_id))
        .filter(report_grants::user_id.eq(new.user_id))
        .select((report_grants::scheme_id, report_grants::user_id, sign_in_emails::email, report_grants::granted_at))
        .first(conn)
}

/// Ends a grant; false if there was none.
pub fn revoke(conn: &mut PgConnection, scheme: SchemeId, user: UserId) -> QueryResult<bool> {
    let n = diesel::delete(
        report_grants::table.filter(report_grants::scheme_id.eq(scheme)).filter(report_grants::user_id.eq(user)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// The caller's scheme.
pub fn own(conn: &mut PgConnection) -> QueryResult<SchemeRow> {
    schemes::table.filter(schemes::id.nullable().eq(current_scheme())).select(SchemeRow::as_select()).first(conn)
}

pub fn insert(conn: &mut PgConnection, new: &NewScheme) -> QueryResult<SchemeRow> {
    diesel::insert_into(schemes::table).values(new).returning(SchemeRow::as_returning()).get_result(conn)
}

/// Renames, suspends or reinstates a scheme at `version`; `None` if it moved on meanwhile.
pub fn update(
    conn: &mut PgConnection,
    (id, version): (SchemeId, i32),
    name: Option<&str>,
    status: Option<(SchemeStatus, Option<DateTime<Utc>>)>,
) -> QueryResult<Option<SchemeRow>> {
    let row = schemes::table.filter(schemes::id.eq(id)).filter(schemes::kind.eq(SCHEME));
    let changed = (schemes::version.eq(schemes::version + 1), schemes::updated_at.eq(Utc::now()));
    let target = row.filter(schemes::version.eq(version));
    let result = match (name, status) {
        (Some(name), Some((status, at))) => diesel::update(target)
            .set((schemes::name.eq(name.trim()), schemes::status.eq(status), schemes::suspended_at.eq(at), changed))
            .returning(SchemeRow::as_returning())
            .get_result(conn),
        (Some(name), None) => diesel::update(target)
            .set((schemes::name.eq(name.trim()), changed))
            .returning(SchemeRow::as_returning())
            .get_result(conn),
        (None, Some((status, at))) => diesel::update(target)
            .set((schemes::status.eq(status), schemes::suspended_at.eq(at), changed))
            .returning(SchemeRow::as_returning())
            .get_result(conn),
        (None, None) => diesel::update(target).set(changed).returning(SchemeRow::as_returning()).get_result(conn),
    };
    result.optional()
}

/// Changes the caller's scheme's rules at `version`; `None` if it moved on meanwhile.
pub fn update_settings(
    conn: &mut PgConnection,
    version: i32,
    patch: &UpdateSettings,
) -> QueryResult<Option<SchemeRow>> {
    let target =
        schemes::table.filter(schemes::id.nullable().eq(current_scheme())).filter(schemes::version.eq(version));
    let changed = (schemes::version.eq(schemes::version + 1), schemes::updated_at.eq(Utc::now()));
    let trimmed = UpdateSettings { name: patch.name.as_deref().map(|n| n.trim().to_owned()), ..clone_rules(patch) };
    let result = if is_empty(&trimmed) {
        diesel::update(target).set(changed).returning(SchemeRow::as_returning()).get_result(conn)
    } else {
        diesel::update(target).set((&trimmed, changed)).returning(SchemeRow::as_returning()).get_result(conn)
    };
    result.optional()
}

/// The scheme columns of a settings patch (loan defaults live in their own table).
fn clone_rules(patch: &UpdateSettings) -> UpdateSettings {
    UpdateSettings {
        name: patch.name.clone(),
        sale_price_pence: patch.sale_price_pence,
        household_rule_months: patch.household_rule_months,
        refund_window_days: patch.refund_window_days,
        sim_limit_per_resident: patch.sim_limit_per_resident,
        retention_months: patch.retention_months,
        asset_tag_prefix: patch.asset_tag_prefix.clone(),
        receipt_prefix: patch.receipt_prefix.clone(),
        default_factor_set_id: patch.default_factor_set_id,
        due_soon_notice_days: patch.due_soon_notice_days,
        sim_ending_notice_days: patch.sim_ending_notice_days,
        loan_defaults: None,
    }
}

fn is_empty(p: &UpdateSettings) -> bool {
    p.name.is_none()
        && p.sale_price_pence.is_none()
        && p.household_rule_months.is_none()
        && p.refund_window_days.is_none()
        && p.sim_limit_per_resident.is_none()
        && p.retention_months.is_none()
        && p.asset_tag_prefix.is_none()
        && p.receipt_prefix.is_none()
        && p.default_factor_set_id.is_none()
        && p.due_soon_notice_days.is_none()
        && p.sim_ending_notice_days.is_none()
}
