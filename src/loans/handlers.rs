//! Lists of loans for staff (active, due soon, overdue by days overdue, returned, lost) and single
//! loans; the loan rules admins set.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use uuid::Uuid;

use super::holds::STAFF;
use super::models::{Loan, LoanFilter, LoanRow, LoanRule, LoanState, NewLoanRule, UpdateLoanRule};
use super::rules;
use crate::AppState;
use crate::auth::Principal;
use crate::auth::principal::ADMIN;
use crate::db::schema::{loan_rules, loans};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::http::{ApiError, IfMatch, Json, Page, PageRequest, Problems, Query, created, with_etag};

/// Overdue lists come most overdue first; everything else in id (creation) order.
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<LoanFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    if filter.due_within_days.is_some_and(|d| !(0..=365).contains(&d)) {
        let mut e = ApiError::bad_request("due_within_days must be from 0 to 365");
        e.kind = "invalid-query";
        e.errors = vec![crate::http::FieldError::new("due_within_days", "must be from 0 to 365")];
        return Err(e);
    }
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let now = chrono::Utc::now();
        let today = rules::local_date(now);
        let mut query = loans::table.select(LoanRow::as_select()).into_boxed();
        if !actor.is_admin() {
            query = query.filter(loans::hub_id.eq_any(actor.hub_ids.clone()));
        }
        if let Some(h) = filter.hub_id {
            query = query.filter(loans::hub_id.eq(h));
        }
        if let Some(r) = filter.resident_id {
            query = query.filter(loans::resident_id.eq(r));
        }
        if let Some(d) = filter.device_id {
            query = query.filter(loans::device_id.eq(d));
        }
        let open = loans::returned_at.is_null().and(loans::lost_at.is_null());
        match filter.state {
            Some(LoanState::Active) => query = query.filter(open).filter(loans::due_on.ge(today)),
            Some(LoanState::Overdue) => query = query.filter(open).filter(loans::due_on.lt(today)),
            Some(LoanState::Returned) => query = query.filter(loans::returned_at.is_not_null()),
            Some(LoanState::Lost) => query = query.filter(loans::lost_at.is_not_null()),
            None => {}
        }
        if let Some(days) = filter.due_within_days {
            query = query.filter(open).filter(loans::due_on.le(today + chrono::Days::new(days as u64)));
        }
        if let Some(after) = page.after {
            query = query.filter(loans::id.gt(after));
        }
        let rows: Vec<LoanRow> = query.order(loans::id).limit(page.fetch()).load(conn)?;
        let mut page = Page::from_rows(rows, &page, |l| l.id, |l| Loan::new(l, now));
        if filter.state == Some(LoanState::Overdue) {
            page.items.sort_by_key(|l| std::cmp::Reverse(l.days_overdue));
        }
        Ok(page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        super::repo::find(conn, id)?
            .filter(|l| actor.works_at(l.hub_id) || l.returned_to_hub_id.is_some_and(|h| actor.works_at(h)))
            .map(|l| Loan::new(l, chrono::Utc::now()))
            .ok_or_else(|| ApiError::not_found("loan"))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), loan.version, &loan))
}

fn check_rule(problems: &mut Problems, values: [(&str, Option<i32>, i32, i32); 7]) {
    for (field, value, min, max) in values {
        if let Some(v) = value {
            problems.check((min..=max).contains(&v), field, &format!("must be from {min} to {max}"));
        }
    }
}

pub async fn list_rules(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let rules = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        Ok(loan_rules::table.select(LoanRule::as_select()).order(loan_rules::id).load(conn)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items: rules, next_cursor: None }))
}

pub async fn create_rule(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewLoanRule>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    check_rule(
        &mut problems,
        [
            ("loan_days", Some(input.loan_days), 1, 365),
            ("renewal_days", Some(input.renewal_days), 1, 365),
            ("max_renewals", Some(input.max_renewals), 0, 20),
            ("max_active_loans", Some(input.max_active_loans), 1, 10),
            ("renew_overdue_up_to_days", Some(input.renew_overdue_up_to_days), 0, 365),
            ("hold_days", Some(input.hold_days), 1, 60),
            ("lost_after_days", Some(input.lost_after_days), 1, 3650),
        ],
    );
    problems.finish()?;
    let rule = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        if let Some(hub) = input.hub_id
            && crate::hubs::repo::find(conn, hub)?.is_none()
        {
            return Err(ApiError::unknown_reference("hub_id"));
        }
        Ok(diesel::insert_into(loan_rules::table)
            .values((loan_rules::id.eq(new_id()), &input))
            .returning(LoanRule::as_returning())
            .get_result(conn)?)
    })
    .await?;
    Ok(created(format!("/api/v1/loan-rules/{}", rule.id), rule.version, &rule))
}

pub async fn get_rule(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let rule = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        loan_rules::table
            .find(id)
            .select(LoanRule::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("loan rule"))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), rule.version, &rule))
}

pub async fn update_rule(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Json(patch): Json<UpdateLoanRule>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    check_rule(
        &mut problems,
        [
            ("loan_days", patch.loan_days, 1, 365),
            ("renewal_days", patch.renewal_days, 1, 365),
            ("max_renewals", patch.max_renewals, 0, 20),
            ("max_active_loans", patch.max_active_loans, 1, 10),
            ("renew_overdue_up_to_days", patch.renew_overdue_up_to_days, 0, 365),
            ("hold_days", patch.hold_days, 1, 60),
            ("lost_after_days", patch.lost_after_days, 1, 3650),
        ],
    );
    problems.finish()?;
    let id = id.into_inner();
    let rule = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let current: LoanRule = loan_rules::table
                .find(id)
                .select(LoanRule::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::not_found("loan rule"))?;
            let version = if_match.required_version(current.version)?;
            diesel::update(loan_rules::table.filter(loan_rules::id.eq(id)).filter(loan_rules::version.eq(version)))
                .set((
                    &patch,
                    loan_rules::version.eq(loan_rules::version + 1),
                    loan_rules::updated_at.eq(chrono::Utc::now()),
                ))
                .returning(LoanRule::as_returning())
                .get_result(conn)
                .optional()?
                .ok_or_else(ApiError::precondition_failed)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), rule.version, &rule))
}
