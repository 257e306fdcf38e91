//! Selling a ready device to an eligible resident, and refunding a sale. Each is one transaction:
//! the resident's row is locked (so the household rule holds under concurrency), the receipt number
//! is taken from the year's counter, the sale row is written, and the device moves — conditionally
//! on what was read, backed by a unique index allowing one unrefunded sale per device.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use diesel::pg::PgConnection;
use serde_json::json;

use crate::auth::{Actor, Principal, STAFF};
use crate::config::SalesRules;
use crate::devices::handlers::Effects;
use crate::devices::models::{Action, DeviceRow, Move};
use crate::devices::repo::moves;
use crate::http::{ApiError, AppState, Json, Problems, created, in_transaction, run_blocking, with_etag};
use crate::ids::{HubId, SaleId};
use crate::residents::models::ResidentRow;
use crate::sales::models::{NewSale, Refund, Sale, SaleRecord, SaleRow};
use crate::sales::repo;
use crate::sales::rules::{self, Refusal};

/// The session named (if any) fits the device, and the device passes the wipe gate.
fn may_sell_here(conn: &mut PgConnection, actor: &Actor, input: &NewSale, device: &DeviceRow) -> Result<(), ApiError> {
    let named = match input.session_id {
        Some(id) => {
            let session = crate::sales_sessions::repo::find(conn, id)?
                .filter(|s| actor.works_at(s.hub_id))
                .ok_or_else(|| ApiError::unknown_reference("session_id"))?;
            Some((session.id, session.closed_at.is_some()))
        }
        None => None,
    };
    rules::session_fits(named, crate::sales_sessions::repo::set_aside_for(conn, device.id)?)?;
    let wiped = crate::refurbishment::repo::has_verified_wipe(conn, device.id)?;
    if !crate::refurbishment::rules::passes_wipe_gate(device.category, wiped) {
        return Err(Refusal::WipeRequired.into());
    }
    Ok(())
}

/// What goes with the device (accessories), and the resident's acceptance of the sale terms.
fn goes_with(
    conn: &mut PgConnection,
    sale: &SaleRow,
    device: &DeviceRow,
    input: &NewSale,
    by: crate::ids::UserId,
) -> Result<(), ApiError> {
    let hand = crate::ids::HandOver::Sale(sale.id);
    crate::accessories::handlers::issue(conn, hand, &input.accessories)?;
    let kind = crate::agreements::models::AgreementKind::Sale;
    crate::agreements::handlers::accept(conn, kind, hand, input.agreement.as_ref(), by)?;
    // A copy of the receipt, sent once the sale commits (and only then).
    let hub = crate::hubs::repo::find(conn, sale.hub_id)?.map(|h| h.name).unwrap_or_default();
    let data = serde_json::json!({
        "device": crate::devices::rules::fields::describe(device), "asset_tag": device.asset_tag,
        "receipt_number": sale.receipt_number, "price": super::receipt::pounds(sale.price_pence), "hub": hub,
        "sold_on": crate::calendar::local_date(sale.sold_at).format("%-d %B %Y").to_string(),
    });
    let notice = crate::notices::models::NewNotice {
        natural_key: crate::notices::rules::key_receipt(sale.id.uuid()),
        kind: crate::notices::models::NoticeKind::SaleReceipt,
        resident_id: sale.resident_id,
        hub_id: Some(sale.hub_id),
        data,
    };
    crate::notices::handlers::queue(conn, &notice)
}

/// The sale as it will be recorded: price, estimated value, subsidy and the year's next receipt.
fn record(
    conn: &mut PgConnection,
    input: &NewSale,
    scheme: SalesRules,
    (device, hub): (&DeviceRow, HubId),
    resident: &ResidentRow,
    (actor, overridden): (&Actor, bool),
) -> Result<SaleRecord, ApiError> {
    let now = Utc::now();
    let price = rules::price(input, scheme.price_pence);
    let value = input.market_value_pence.unwrap_or_else(|| rules::default_market_value(device.category));
    let year = rules::receipt_year(now);
    Ok(SaleRecord {
        receipt_number: rules::receipt_number(&actor.rules.receipt_prefix, year, repo::next_receipt(conn, year)?),
        device_id: device.id,
        resident_id: resident.id,
        hub_id: hub,
        session_id: input.session_id,
        price_pence: price,
        market_value_pence: value,
        subsidy_pence: rules::subsidy(value, price),
        payment_method: input.payment_method,
        sold_by: actor.user_id,
        sold_at: now,
        override_reason: overridden
            .then(|| input.override_reason.as_deref().map(str::trim).map(str::to_owned))
            .flatten(),
        overridden_by: overridden.then_some(actor.user_id),
    })
}

pub async fn sell(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    Json(input): Json<NewSale>,
) -> Result<HttpResponse, ApiError> {
    rules::check_sale(&input).map_err(ApiError::validation)?;
    let effects = effects.into_inner();
    let sale = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let scheme = actor.rules.sales();
        if input.override_reason.is_some() && !actor.is_admin() {
            return Err(Refusal::OverrideNeedsAdmin.into());
        }
        in_transaction(conn, |conn| {
            let resident = crate::residents::repo::lock_for_service(conn, input.resident_id)?;
            let (device, hub) = crate::devices::repo::for_hand_over(conn, &actor, input.device_id, Action::Sell)?;
            may_sell_here(conn, &actor, &input, &device)?;
            let last = repo::last_kept_sale(conn, resident.id)?;
            let overriding = input.override_reason.is_some();
            let overridden = rules::household_rule(last.as_ref(), Utc::now(), scheme.household_months, overriding)?;
            let sale = record(conn, &input, scheme, (&device, hub), &resident, (&actor, overridden))?;
            let sale = repo::insert(conn, &sale)?;
            goes_with(conn, &sale, &device, &input, actor.user_id)?;
            let details = json!({ "sale_id": sale.id, "receipt_number": sale.receipt_number });
            moves::apply(
                conn,
                &*effects,
                &device,
                Some(actor.user_id),
                Move::new("sold").action(Action::Sell).details(details),
            )?;
            crate::residents::repo::touch(conn, resident.id)?;
            Ok(Sale::from(sale))
        })
    })
    .await?;
    Ok(created(format!("/api/v1/sales/{}", sale.id), sale.version, &sale))
}

/// Refunds a sale within the window: the device returns to stock at the selling hub (or to
/// refurbishment if it was faulty). The receipt number is never reused.
pub async fn refund(
    state: web::Data<AppState>,
    effects: Effects,
    who: Principal,
    id: web::Path<SaleId>,
    Json(input): Json<Refund>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.length("reason", &input.reason, 1, 500);
    problems.finish()?;
    let (effects, id) = (effects.into_inner(), id.into_inner());
    let sale = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let window = actor.rules.sales().refund_window_days;
        in_transaction(conn, |conn| {
            let sale = repo::find(conn, id)?.filter(|s| actor.works_at(s.hub_id)).ok_or(Refusal::NotFound)?;
            let now = Utc::now();
            rules::may_refund(&sale, now, window)?;
            let refunded = repo::mark_refunded(conn, &sale, input.reason.trim(), input.faulty, actor.user_id, now)?
                .ok_or(Refusal::AlreadyRefunded)?;
            let device =
                crate::devices::repo::find(conn, sale.device_id)?.ok_or(crate::devices::rules::Refusal::NotFound)?;
            let action = if input.faulty { Action::RefundFaulty } else { Action::Refund };
            let details = json!({ "sale_id": sale.id, "faulty": input.faulty });
            let mv = Move::new("refunded").action(action).details(details).to_hub(sale.hub_id);
            let device = moves::apply(conn, &*effects, &device, Some(actor.user_id), mv)?;
            crate::resets::handlers::after_return(conn, &*effects, &device, None, Some(actor.user_id))?;
            crate::residents::repo::touch(conn, sale.resident_id)?;
            Ok(Sale::from(refunded))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), sale.version, &sale))
}
