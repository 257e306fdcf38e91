//! UK GDPR rights, carried out by admins as the scheme's data-protection function: the subject
//! access export (everything held about a resident, each slice answering for its own records) and
//! erasure (personal fields removed; history and aggregate figures stay whole).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::auth::{ADMIN, Principal};
use crate::http::{ApiError, AppState, in_transaction, run_blocking, with_etag};
use crate::ids::ResidentId;
use crate::residents::models::{PersonalData, Resident};
use crate::residents::repo;
use crate::residents::rules::Refusal;

/// Subject access request: everything held about the resident, as JSON. Hub staff keep what they
/// need at the counter through the other routes; the whole record of a person is not theirs to
/// take away.
pub async fn export(
    state: web::Data<AppState>,
    personal_data: web::Data<PersonalData>,
    who: Principal,
    id: web::Path<ResidentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let export = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        let row = repo::find(conn, id)?.ok_or(Refusal::NotFound)?;
        let mut export = Map::new();
        export.insert("generated_at".into(), json!(Utc::now()));
        export.insert("resident".into(), serde_json::to_value(Resident::from(row)).map_err(ApiError::internal)?);
        for (name, section) in &personal_data.sections {
            export.insert((*name).into(), Value::Array(section(conn, id)?));
        }
        Ok(Value::Object(export))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"resident-{id}.json\"")))
        .json(export))
}

/// Erasure: removes every personal field; repeating it is harmless.
pub async fn erase(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ResidentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let resident = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            repo::find(conn, id)?.ok_or(Refusal::NotFound)?;
            repo::erase(conn, id)?;
            Ok(Resident::from(repo::find(conn, id)?.ok_or(Refusal::NotFound)?))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), resident.version, &resident))
}
