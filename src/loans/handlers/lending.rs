//! Check-out, return, renewal and writing a loan off. Each is one transaction: the device moves
//! through the lifecycle conditionally on what was read, the loan row changes conditionally on its
//! state, and a partial unique index allows one open loan per device.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::pg::PgConnection;
use serde_json::json;

use crate::agreements::models::AgreementKind;
use crate::auth::{Actor, Principal, STAFF};
use crate::calendar::{self, Date};
use crate::devices::handlers::Effects;
use crate::devices::models::{Action, Move};
use crate::devices::repo::moves;
use crate::http::{ApiError, AppState, Json, created, in_transaction, run_blocking, with_etag};
use crate::ids::HandOver as Hand;
use crate::ids::{HubId, LoanId, UserId};
use crate::loan_rules::repo::rule_for;
use crate::loans::models::{Checkout, Loan, LoanRow, Return};
use crate::loans::repo;
use crate::loans::rules::{self, Refusal};

/// A loan at one of the caller's hubs.
fn staff_loan(conn: &mut PgConnection, actor: &Actor, id: LoanId) -> Result<LoanRow, ApiError> {
    Ok(repo::find(conn, id)?.filter(|l| actor.works_at(l.hub_id)).ok_or(Refusal::NotFound)?)
}

pub async fn checkout(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    Json(input): Json<Checkout>,
) -> Result<HttpResponse, ApiError> {
    let effects = effects.into_inner();
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if input.due_on.is_some() && !actor.is_admin() {
            return Err(Refusal::LongerLoanNeedsAdmin.into());
        }
        in_transaction(conn, |conn| {
            let resident = crate::residents::repo::lock_for_service(conn, input.resident_id)?;
            let (device, hub) = crate::devices::repo::for_hand_over(conn, &actor, input.device_id, Action::Lend)?;
            let hold = crate::holds::repo::ready_hold_for_device(conn, device.id)?;
            if crate::sales_sessions::repo::set_aside_for(conn, device.id)?.is_some() {
                return Err(Refusal::SetAsideForSale.into());
            }
            let (rule, now, open) =
                (rule_for(conn, hub, device.category)?, Utc::now(), repo::open_loans_of(conn, resident.id)?);
            let holder = hold.as_ref().map(|h| h.resident_id);
            let due =
                rules::checkout(device.status, holder, resident.id, &open, &rule, now, input.due_on.map(Date::day))?;
            let due = crate::hubs::handlers::next_open_day(conn, hub, due)?;
            let row = repo::insert(conn, (device.id, resident.id, hub), actor.user_id, now, due)?;
            goes_with(conn, Hand::Loan(row.id), &input, actor.user_id)?;
            let mv = Move::new("lent").action(Action::Lend).details(json!({ "loan_id": row.id, "due_on": due }));
            moves::apply(conn, &*effects, &device, Some(actor.user_id), mv)?;
            if let Some(hold) = hold {
                crate::holds::handlers::fulfil(conn, &hold)?;
            }
            crate::residents::repo::touch(conn, resident.id)?;
            Ok(Loan::new(row, now))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/loans/{}", loan.id), loan.version, &loan))
}

/// What goes with the device (accessories), and the resident's acceptance of the loan terms.
fn goes_with(conn: &mut PgConnection, loan: Hand, input: &Checkout, by: UserId) -> Result<(), ApiError> {
    crate::accessories::handlers::issue(conn, loan, &input.accessories)?;
    crate::agreements::handlers::accept(conn, AgreementKind::Loan, loan, input.agreement.as_ref(), by)
}

/// The hub taking a return: the one named (if the caller works there), else the caller's own.
fn receiving_hub(
    conn: &mut PgConnection,
    actor: &Actor,
    named: Option<HubId>,
    loan: &LoanRow,
) -> Result<HubId, ApiError> {
    let named_exists = match named {
        Some(h) => crate::hubs::repo::find(conn, h)?.is_some(),
        None => false,
    };
    rules::return_hub(actor, named, named_exists, loan.hub_id).ok_or_else(|| ApiError::unknown_reference("hub_id"))
}

/// Any hub may take a device back; an ok device waits there to be reset for the next person (or is
/// ready at once with the reset done at the counter, and offered to whoever is waiting), a damaged
/// one goes back to refurbishment. Returning twice is a 409.
pub async fn return_loan(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<LoanId>,
    Json(input): Json<Return>,
) -> Result<HttpResponse, ApiError> {
    rules::check_return(&input, Utc::now()).map_err(ApiError::validation)?;
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let loan = repo::find(conn, id)?.ok_or(Refusal::NotFound)?;
            rules::open(&loan)?;
            let hub = receiving_hub(conn, &actor, input.hub_id, &loan)?;
            let now = Utc::now();
            let returned = repo::mark_returned(conn, id, &input, hub, actor.user_id, now)?.ok_or(Refusal::Closed)?;
            crate::accessories::handlers::take_back(conn, id, input.accessories_returned.as_deref(), now)?;
            let device =
                crate::devices::repo::find(conn, loan.device_id)?.ok_or(crate::devices::rules::Refusal::NotFound)?;
            let details = json!({ "loan_id": id, "condition": input.condition });
            let mv = Move::new("returned").action(rules::return_action(input.condition)).details(details).to_hub(hub);
            crate::holds::handlers::expire_due(conn, &*effects, hub)?;
            let device = moves::apply(conn, &*effects, &device, Some(actor.user_id), mv)?;
            crate::resets::handlers::after_return(conn, &*effects, &device, input.reset.as_ref(), Some(actor.user_id))?;
            crate::residents::repo::touch(conn, loan.resident_id)?;
            Ok(Loan::new(returned, now))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), loan.version, &loan))
}

pub async fn renew(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<LoanId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let loan = staff_loan(conn, &actor, id)?;
            rules::open(&loan)?;
            let category = crate::devices::repo::find(conn, loan.device_id)?
                .ok_or(crate::devices::rules::Refusal::NotFound)?
                .category;
            let (rule, now) = (rule_for(conn, loan.hub_id, category)?, Utc::now());
            let today = calendar::local_date(now);
            let waiting = crate::holds::repo::first_waiting(conn, loan.hub_id, category)?.is_some();
            let none_free = crate::devices::repo::ready_count(conn, loan.hub_id, category)? == 0;
            let overdue = calendar::days_overdue(loan.due_on, today);
            rules::check_renewal(
                loan.renewals,
                rule.max_renewals,
                overdue,
                rule.renew_overdue_up_to_days,
                waiting && none_free,
            )
            .map_err(Refusal::Renewal)?;
            let due =
                crate::hubs::handlers::next_open_day(conn, loan.hub_id, rules::renewed_due_on(&loan, &rule, today))?;
            let renewed = repo::renew(conn, &loan, due)?.ok_or(Refusal::ChangedMeanwhile)?;
            crate::residents::repo::touch(conn, loan.resident_id)?;
            Ok(Loan::new(renewed, now))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), loan.version, &loan))
}

/// A loan overdue beyond the rule's `lost_after_days` can be written off: the device becomes lost.
pub async fn mark_lost(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<LoanId>,
) -> Result<HttpResponse, ApiError> {
    let (id, effects) = (id.into_inner(), effects.into_inner());
    let loan = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let loan = staff_loan(conn, &actor, id)?;
            rules::open(&loan)?;
            let device =
                crate::devices::repo::find(conn, loan.device_id)?.ok_or(crate::devices::rules::Refusal::NotFound)?;
            let (rule, now) = (rule_for(conn, loan.hub_id, device.category)?, Utc::now());
            let overdue = rules::may_write_off(&loan, &rule, calendar::local_date(now))?;
            let lost = repo::mark_lost(conn, &loan, now)?.ok_or(Refusal::ChangedMeanwhile)?;
            let details = json!({ "loan_id": id, "days_overdue": overdue });
            moves::apply(
                conn,
                &*effects,
                &device,
                Some(actor.user_id),
                Move::new("marked_lost").action(Action::MarkLost).details(details),
            )?;
            Ok(Loan::new(lost, now))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), loan.version, &loan))
}
