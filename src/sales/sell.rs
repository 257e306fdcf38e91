//! Selling a ready device to an eligible resident, and refunding a sale. Each is one transaction:
//! the resident's row is locked (so the household rule holds under concurrency), the receipt number
//! is taken from the year's counter, the sale row is written, and the device moves — conditionally
//! on what was read, backed by a unique index allowing one unrefunded sale per device.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::models::{NewSale, PaymentMethod, Refund, Sale, SaleRow};
use super::{repo, rules};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::schema::sales;
use crate::db::{in_transaction, new_id, run_blocking};
use crate::devices::lifecycle::Action;
use crate::devices::moves::{self, Move};
use crate::http::{ApiError, Json, Problems, created};

const STAFF: &[Role] = &[Role::Admin, Role::HubStaff];

fn check(input: &NewSale) -> Result<(), ApiError> {
    let mut problems = Problems::new();
    let in_range = |v: Option<i32>| v.is_none_or(|p| (0..=10_000_000).contains(&p));
    problems.check(in_range(input.price_pence), "price_pence", "must be from 0 to 10000000 pence");
    problems.check(in_range(input.market_value_pence), "market_value_pence", "must be from 0 to 10000000 pence");
    if input.payment_method == PaymentMethod::Free {
        problems.check(input.price_pence.unwrap_or(0) == 0, "price_pence", "a free device has a price of 0");
    }
    if let Some(reason) = &input.override_reason {
        problems.length("override_reason", reason, 1, 500);
    }
    problems.finish()
}

fn household_rule(last: &SaleRow, months: u32) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::CONFLICT,
        "household-rule",
        "Household rule",
        format!(
            "this resident bought a device on {} (receipt {}); the scheme allows one every {months} months. An admin may override it with a reason",
            last.sold_at.date_naive(),
            last.receipt_number
        ),
    )
    .with_extension("previous_receipt_number", last.receipt_number.clone())
    .with_extension("previous_sale_at", last.sold_at.to_rfc3339())
}

pub async fn sell(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewSale>,
) -> Result<HttpResponse, ApiError> {
    check(&input)?;
    let rules_now = state.settings.sales;
    let sale = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        if input.override_reason.is_some() && !actor.is_admin() {
            let mut e = ApiError::forbidden();
            e.detail = "only an admin may override the household rule".into();
            return Err(e);
        }
        in_transaction(conn, |conn| {
            let resident = crate::residents::repo::lock_for_service(conn, input.resident_id)?;
            let (device, hub_id) = crate::devices::scope::for_hand_over(conn, &actor, input.device_id, Action::Sell)?;
            if let Some(session_id) = input.session_id {
                let session = repo::find_session(conn, session_id)?
                    .filter(|s| actor.works_at(s.hub_id))
                    .ok_or_else(|| ApiError::unknown_reference("session_id"))?;
                if session.closed_at.is_some() {
                    return Err(ApiError::conflict("the pop-up session is closed"));
                }
                if repo::set_aside_for(conn, device.id)? != Some(session.id) {
                    return Err(ApiError::conflict("the device is not set aside for this session"));
                }
            } else if repo::set_aside_for(conn, device.id)?.is_some() {
                return Err(ApiError::conflict("the device is set aside for a pop-up session; sell it there"));
            }
            if !crate::refurbishment::rules::passes_wipe_gate(
                device.category,
                crate::refurbishment::repo::has_verified_wipe(conn, device.id)?,
            ) {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::CONFLICT,
                    "wipe-required",
                    "Data wipe required",
                    "the device has no verified data wipe on record",
                ));
            }
            let now = chrono::Utc::now();
            let mut overridden_by = None;
            if let Some(last) = repo::last_kept_sale(conn, resident.id)?
                && rules::blocks(last.sold_at, now, rules_now.household_months)
            {
                if input.override_reason.is_none() {
                    return Err(household_rule(&last, rules_now.household_months));
                }
                overridden_by = Some(actor.user_id);
            }
            let price = input.price_pence.unwrap_or(if input.payment_method == PaymentMethod::Free {
                0
            } else {
                rules_now.price_pence
            });
            let value = input.market_value_pence.unwrap_or_else(|| rules::default_market_value(device.category));
            let year = rules::receipt_year(now);
            let receipt = rules::receipt_number(year, repo::next_receipt(conn, year)?);
            let row: SaleRow = diesel::insert_into(sales::table)
                .values((
                    sales::id.eq(new_id()),
                    sales::receipt_number.eq(&receipt),
                    sales::device_id.eq(device.id),
                    sales::resident_id.eq(resident.id),
                    sales::hub_id.eq(hub_id),
                    sales::session_id.eq(input.session_id),
                    sales::price_pence.eq(price),
                    sales::market_value_pence.eq(value),
                    sales::subsidy_pence.eq(rules::subsidy(value, price)),
                    sales::payment_method.eq(input.payment_method),
                    sales::sold_by.eq(actor.user_id),
                    sales::sold_at.eq(now),
                    sales::override_reason.eq(overridden_by.and(input.override_reason.as_deref().map(str::trim))),
                    sales::overridden_by.eq(overridden_by),
                ))
                .returning(SaleRow::as_returning())
                .get_result(conn)?;
            let mv =
                Move::new("sold").action(Action::Sell).details(json!({ "sale_id": row.id, "receipt_number": receipt }));
            moves::apply(conn, &device, Some(actor.user_id), mv)?;
            repo::release(conn, device.id)?;
            crate::residents::repo::touch(conn, resident.id)?;
            Ok(Sale::from(row))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/sales/{}", sale.id), sale.version, &sale))
}

/// Refunds a sale within the window: the device returns to stock at the selling hub (or to
/// refurbishment if it was faulty). The receipt number is never reused.
pub async fn refund(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<Refund>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.length("reason", &input.reason, 1, 500);
    problems.finish()?;
    let window = state.settings.sales.refund_window_days;
    let id = id.into_inner();
    let sale = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let sale = repo::find(conn, id)?
                .filter(|s| actor.works_at(s.hub_id))
                .ok_or_else(|| ApiError::not_found("sale"))?;
            if sale.refunded_at.is_some() {
                return Err(ApiError::conflict("this sale was already refunded"));
            }
            let now = chrono::Utc::now();
            if !rules::refundable(sale.sold_at, now, window) {
                return Err(ApiError::conflict(format!(
                    "refunds are possible for {window} days after a sale; this one was on {}",
                    sale.sold_at.date_naive()
                )));
            }
            let refunded = repo::mark_refunded(conn, &sale, input.reason.trim(), input.faulty, actor.user_id, now)?
                .ok_or_else(|| ApiError::conflict("this sale was already refunded"))?;
            let device =
                crate::devices::repo::find(conn, sale.device_id)?.ok_or_else(|| ApiError::not_found("device"))?;
            let action = if input.faulty { Action::RefundFaulty } else { Action::Refund };
            let mut mv =
                Move::new("refunded").action(action).details(json!({ "sale_id": sale.id, "faulty": input.faulty }));
            mv.hub_id = Some(Some(sale.hub_id));
            let back = moves::apply(conn, &device, Some(actor.user_id), mv)?;
            crate::loans::holds::offer(conn, &back, Some(actor.user_id))?;
            crate::residents::repo::touch(conn, sale.resident_id)?;
            Ok(Sale::from(refunded))
        })
    })
    .await?;
    Ok(crate::http::with_etag(HttpResponse::Ok(), sale.version, &sale))
}
