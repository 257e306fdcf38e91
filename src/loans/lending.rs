//! Check-out, return, renewal and marking a loan lost. Each is one transaction: the device moves
//! through the lifecycle conditionally on what was read, the loan row changes conditionally on its
//! state, and a partial unique index allows one open loan per device.

use crate::calendar::Date;
use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::holds::{self, STAFF};
use super::models::{Checkout, Loan, LoanRow, Return, ReturnCondition};
use super::{repo, rules};
use crate::AppState;
use crate::auth::{Actor, Principal};
use crate::db::schema::{devices, loans};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::devices::lifecycle::{Action, DeviceStatus};
use crate::devices::moves::{self, Move};
use crate::http::{ApiError, Json, Problems, created, with_etag};

fn refusal(kind: &'static str, title: &'static str, detail: String) -> ApiError {
    ApiError::new(actix_web::http::StatusCode::CONFLICT, kind, title, detail)
}

pub async fn checkout(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<Checkout>,
) -> Result<HttpResponse, ApiError> {
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if input.due_on.is_some() && !actor.is_admin() {
            let mut e = ApiError::forbidden();
            e.detail = "only an admin may set a longer due date".into();
            return Err(e);
        }
        in_transaction(conn, |conn| {
            let resident = crate::residents::repo::lock_for_service(conn, input.resident_id)?;
            let (device, hub) = crate::devices::scope::for_hand_over(conn, &actor, input.device_id, Action::Lend)?;
            let hold = repo::ready_hold_for_device(conn, device.id)?;
            if device.status == DeviceStatus::Reserved && hold.as_ref().is_none_or(|h| h.resident_id != resident.id) {
                return Err(refusal(
                    "reserved",
                    "Reserved for someone else",
                    "the device is reserved for another resident's hold".into(),
                ));
            }
            if crate::sales::repo::set_aside_for(conn, device.id)?.is_some() {
                return Err(ApiError::conflict("the device is set aside for a pop-up sales session"));
            }
            let rule = repo::rule_for(conn, hub, device.category)?;
            let now = chrono::Utc::now();
            let open = repo::open_loans_of(conn, resident.id)?;
            if open.len() as i64 >= i64::from(rule.max_active_loans) {
                return Err(refusal(
                    "loan-limit",
                    "Loan limit reached",
                    format!(
                        "the resident already has {} device(s) on loan; the limit is {}",
                        open.len(),
                        rule.max_active_loans
                    ),
                ));
            }
            let today = rules::local_date(now);
            if !rule.borrow_while_overdue && open.iter().any(|l| rules::days_overdue(l.due_on, today) > 0) {
                return Err(refusal(
                    "overdue-loan",
                    "Overdue loan",
                    "the resident has an overdue loan; it must come back first".into(),
                ));
            }
            let standard = rules::due_on(now, rule.loan_days as u32);
            let due = match input.due_on.map(Date::day) {
                Some(d) if d <= today || d > today + chrono::Days::new(366) => {
                    return Err(ApiError::invalid_field("due_on", "must be after today and within a year"));
                }
                Some(d) => d.max(standard),
                None => standard,
            };
            let row: LoanRow = diesel::insert_into(loans::table)
                .values((
                    loans::id.eq(new_id()),
                    loans::device_id.eq(device.id),
                    loans::resident_id.eq(resident.id),
                    loans::hub_id.eq(hub),
                    loans::lent_by.eq(actor.user_id),
                    loans::lent_at.eq(now),
                    loans::due_on.eq(due),
                ))
                .returning(LoanRow::as_returning())
                .get_result(conn)?;
            let mv = Move::new("lent").action(Action::Lend).details(json!({ "loan_id": row.id, "due_on": due }));
            moves::apply(conn, &device, Some(actor.user_id), mv)?;
            if let Some(hold) = hold {
                holds::fulfil(conn, &hold)?;
            }
            crate::residents::repo::touch(conn, resident.id)?;
            Ok(Loan::new(row, now))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/loans/{}", loan.id), loan.version, &loan))
}

/// Any hub may take a device back; an ok device is ready there (and offered to whoever is waiting),
/// a damaged one goes back to refurbishment. Returning twice is a 409.
pub async fn return_loan(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<Return>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    if let Some(n) = &input.notes {
        problems.length("notes", n, 0, 2000);
    }
    problems.finish()?;
    let id = id.into_inner();
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let loan = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("loan"))?;
            if !loan.is_open() {
                return Err(refusal(
                    "loan-closed",
                    "Loan already closed",
                    "this loan was already returned or marked lost".into(),
                ));
            }
            // Received at the hub named, else the member of staff's hub; an admin without a hub
            // receives it where it was lent.
            let hub = match input.hub_id {
                Some(h) if actor.works_at(h) && crate::hubs::repo::find(conn, h)?.is_some() => h,
                Some(_) => return Err(ApiError::unknown_reference("hub_id")),
                None => actor.hub_ids.first().copied().unwrap_or(loan.hub_id),
            };
            let now = chrono::Utc::now();
            let updated: LoanRow = diesel::update(
                loans::table
                    .filter(loans::id.eq(id))
                    .filter(loans::returned_at.is_null())
                    .filter(loans::lost_at.is_null()),
            )
            .set((
                loans::returned_at.eq(now),
                loans::returned_to_hub_id.eq(hub),
                loans::return_condition.eq(input.condition),
                loans::return_notes.eq(crate::http::trimmed(input.notes.clone())),
                loans::received_by.eq(actor.user_id),
                loans::version.eq(loans::version + 1),
                loans::updated_at.eq(now),
            ))
            .returning(LoanRow::as_returning())
            .get_result(conn)
            .optional()?
            .ok_or_else(|| {
                refusal("loan-closed", "Loan already closed", "this loan was already returned or marked lost".into())
            })?;
            let device =
                crate::devices::repo::find(conn, loan.device_id)?.ok_or_else(|| ApiError::not_found("device"))?;
            let action =
                if input.condition == ReturnCondition::Ok { Action::ReturnInGoodOrder } else { Action::ReturnDamaged };
            let mut mv =
                Move::new("returned").action(action).details(json!({ "loan_id": id, "condition": input.condition }));
            mv.hub_id = Some(Some(hub));
            let device = moves::apply(conn, &device, Some(actor.user_id), mv)?;
            holds::expire_due(conn, hub)?;
            holds::offer(conn, &device, Some(actor.user_id))?;
            crate::residents::repo::touch(conn, loan.resident_id)?;
            Ok(Loan::new(updated, now))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), loan.version, &loan))
}

fn staff_loan(conn: &mut diesel::PgConnection, actor: &Actor, id: Uuid) -> Result<LoanRow, ApiError> {
    repo::find(conn, id)?.filter(|l| actor.works_at(l.hub_id)).ok_or_else(|| ApiError::not_found("loan"))
}

pub async fn renew(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let loan = staff_loan(conn, &actor, id)?;
            if !loan.is_open() {
                return Err(refusal(
                    "loan-closed",
                    "Loan already closed",
                    "this loan was already returned or marked lost".into(),
                ));
            }
            let category = devices::table
                .find(loan.device_id)
                .select(devices::category)
                .first::<crate::devices::models::Category>(conn)?;
            let rule = repo::rule_for(conn, loan.hub_id, category)?;
            let now = chrono::Utc::now();
            let overdue = rules::days_overdue(loan.due_on, rules::local_date(now));
            let waiting = repo::first_waiting(conn, loan.hub_id, category)?.is_some();
            let free: i64 = devices::table
                .filter(devices::hub_id.eq(loan.hub_id))
                .filter(devices::category.eq(category))
                .filter(devices::status.eq(DeviceStatus::Ready))
                .filter(devices::transfer_to_hub_id.is_null())
                .count()
                .get_result(conn)?;
            rules::check_renewal(
                loan.renewals,
                rule.max_renewals,
                overdue,
                rule.renew_overdue_up_to_days,
                waiting && free == 0,
            )
            .map_err(|reason| refusal("renewal-refused", "Renewal refused", reason.to_string()))?;
            let due = loan.due_on.max(rules::local_date(now)) + chrono::Days::new(rule.renewal_days as u64);
            let updated: LoanRow =
                diesel::update(loans::table.filter(loans::id.eq(id)).filter(loans::version.eq(loan.version)))
                    .set((
                        loans::due_on.eq(due),
                        loans::renewals.eq(loans::renewals + 1),
                        loans::version.eq(loans::version + 1),
                        loans::updated_at.eq(now),
                    ))
                    .returning(LoanRow::as_returning())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| ApiError::conflict("the loan changed while this request ran; read it again"))?;
            crate::residents::repo::touch(conn, loan.resident_id)?;
            Ok(Loan::new(updated, now))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), loan.version, &loan))
}

/// A loan overdue beyond the rule's `lost_after_days` can be written off: the device becomes lost.
pub async fn mark_lost(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let loan = staff_loan(conn, &actor, id)?;
            if !loan.is_open() {
                return Err(refusal(
                    "loan-closed",
                    "Loan already closed",
                    "this loan was already returned or marked lost".into(),
                ));
            }
            let device =
                crate::devices::repo::find(conn, loan.device_id)?.ok_or_else(|| ApiError::not_found("device"))?;
            let rule = repo::rule_for(conn, loan.hub_id, device.category)?;
            let now = chrono::Utc::now();
            let overdue = rules::days_overdue(loan.due_on, rules::local_date(now));
            if overdue <= i64::from(rule.lost_after_days) {
                return Err(refusal(
                    "not-overdue-enough",
                    "Not overdue long enough",
                    format!(
                        "a loan can be marked lost after {} days overdue; this one is {overdue}",
                        rule.lost_after_days
                    ),
                ));
            }
            let updated: LoanRow =
                diesel::update(loans::table.filter(loans::id.eq(id)).filter(loans::version.eq(loan.version)))
                    .set((loans::lost_at.eq(now), loans::version.eq(loans::version + 1), loans::updated_at.eq(now)))
                    .returning(LoanRow::as_returning())
                    .get_result(conn)
                    .optional()?
                    .ok_or_else(|| ApiError::conflict("the loan changed while this request ran; read it again"))?;
            let mv = Move::new("marked_lost")
                .action(Action::MarkLost)
                .details(json!({ "loan_id": id, "days_overdue": overdue }));
            moves::apply(conn, &device, Some(actor.user_id), mv)?;
            Ok(Loan::new(updated, now))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), loan.version, &loan))
}
