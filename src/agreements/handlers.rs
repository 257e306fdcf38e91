//! `/api/v1/agreements`: the scheme's hand-over terms. `accept` is the step a loan or a sale runs
//! in its own transaction; `export_section` answers for agreements in a subject access export.

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;
use serde_json::{Value, json};

use super::models::{Acceptance, AgreementKind, NewTerms, TermsFilter, TermsList};
use super::repo;
use super::rules::{self, Refusal};
use crate::auth::{ADMIN, Principal, STAFF};
use crate::http::{ApiError, AppState, FieldError, Json, Problems, Query, created, run_blocking};
use crate::ids::{HandOver, ResidentId, TermsId, UserId};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("agreement"),
            Refusal::Required { terms_version } => ApiError::new(
                actix_web::http::StatusCode::CONFLICT,
                "agreement-required",
                "Agreement required",
                format!("the resident must accept the scheme's terms (version {terms_version}) before the hand-over; send agreement"),
            )
            .with_extension("terms_version", terms_version),
        }
    }
}

/// Records the resident's acceptance with a loan or sale, or refuses a hand-over without one when
/// the kind's latest terms require it.
pub fn accept(
    conn: &mut PgConnection,
    kind: AgreementKind,
    hand: HandOver,
    input: Option<&Acceptance>,
    by: UserId,
) -> Result<(), ApiError> {
    let latest = repo::latest(conn, kind)?;
    rules::needed(latest.as_ref(), input.is_some())?;
    let Some(input) = input else { return Ok(()) };
    let signature = rules::check_acceptance(input).map_err(ApiError::validation)?;
    let terms = match input.terms_id {
        Some(id) => repo::find(conn, id)?.filter(|t| t.kind == kind),
        None => latest,
    };
    let terms = terms.ok_or_else(|| {
        ApiError::validation(vec![FieldError::new(
            "agreement.terms_id",
            format!("names none of the scheme's {kind} terms"),
        )])
    })?;
    Ok(repo::record(conn, hand, terms.id, input, signature, by)?)
}

/// The resident's accepted agreements: which terms, when and how (not the signature image).
/// A loan's or sale's signed agreement as a printable page, with the resident's name and the
/// device; not found when none was recorded.
pub fn printed(
    conn: &mut PgConnection,
    hand: HandOver,
    (resident, device, hub): (ResidentId, crate::ids::DeviceId, crate::ids::HubId),
) -> Result<String, ApiError> {
    let (agreement, terms) = repo::of(conn, hand)?.ok_or_else(|| ApiError::not_found("agreement"))?;
    let resident = crate::residents::repo::find(conn, resident)?.ok_or_else(|| ApiError::not_found("resident"))?;
    let device = crate::devices::repo::find(conn, device)?.ok_or_else(|| ApiError::not_found("device"))?;
    let hub = crate::hubs::repo::find(conn, hub)?.map(|h| h.name).unwrap_or_default();
    let description = crate::devices::rules::fields::describe(&device);
    let page = super::models::Printed {
        resident_name: resident.name.as_deref(),
        resident_reference: &resident.reference,
        device: &description,
        asset_tag: &device.asset_tag,
        hub: &hub,
    };
    Ok(rules::render(&terms, &agreement, &page))
}

pub fn export_section(conn: &mut PgConnection, resident: ResidentId) -> Result<Vec<Value>, ApiError> {
    Ok(repo::of_resident(conn, resident)?
        .into_iter()
        .map(|(a, t)| {
            json!({ "loan_id": a.loan_id, "sale_id": a.sale_id, "terms": { "kind": t.kind, "version": t.version, "title": t.title },
                    "method": a.method, "typed_name": a.typed_name, "signed": a.signature.is_some(), "accepted_at": a.accepted_at })
        })
        .collect())
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<TermsFilter>,
) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        Ok(repo::list(conn, filter.kind)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(TermsList { items }))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<TermsId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let terms = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        Ok(repo::find(conn, id)?.ok_or(Refusal::NotFound)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(terms))
}

/// Admins publish the next version; earlier versions stay as they were.
pub async fn publish(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewTerms>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    rules::check_terms(&mut problems, &input.title, &input.body);
    problems.finish()?;
    let terms = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, ADMIN)?;
        Ok(repo::publish(conn, &input, Some(actor.user_id))?)
    })
    .await?;
    Ok(created(format!("/api/v1/agreements/{}", terms.id), terms.version, &terms))
}
