//! HTTP handlers for reading and describing devices: list, by id, by asset tag, PATCH, history.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::history::{self, Change};
use super::models::{Device, DeviceChanges, DeviceFilter, HistoryQuery, UpdateDevice};
use super::repo::{self, Reach};
use super::{rules, scope};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::{in_transaction, run_blocking};
use crate::http::{ApiError, FieldError, IfMatch, Json, Page, PageRequest, Query, with_etag};

pub const READERS: &[Role] = &[Role::Admin, Role::HubStaff, Role::Partner];
pub const STAFF: &[Role] = &[Role::Admin, Role::HubStaff];

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<DeviceFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let reach = if actor.is_admin() { Reach::Everywhere } else { Reach::Hubs(&actor.hub_ids) };
        let rows = repo::list(conn, &filter, reach, &page)?;
        Ok(Page::from_rows(rows, &page, |d| d.id, Device::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, READERS)?;
        Ok(Device::from(scope::visible(conn, &actor, id)?))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), device.version, &device))
}

pub async fn by_tag(
    state: web::Data<AppState>,
    who: Principal,
    tag: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tag = tag.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, READERS)?;
        let row = repo::find_by_tag(conn, &tag)?.ok_or_else(|| ApiError::not_found("device"))?;
        Ok(Device::from(scope::visible(conn, &actor, row.id)?))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), device.version, &device))
}

/// Checks a patch and turns it into column changes.
fn changes_from(patch: UpdateDevice) -> Result<DeviceChanges, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let text = |errors: &mut Vec<FieldError>, field: &str, v: Option<Option<String>>, max: usize| {
        v.map(|v| {
            let v = rules::clean(v);
            if v.as_ref().is_some_and(|s| s.chars().count() > max || s.chars().any(char::is_control)) {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {max} characters, without control characters"),
                ));
            }
            v
        })
    };
    let range = |errors: &mut Vec<FieldError>, field: &str, v: Option<Option<i32>>, min: i32, max: i32| {
        if v.flatten().is_some_and(|n| !(min..=max).contains(&n)) {
            errors.push(FieldError::new(field, format!("must be from {min} to {max}")));
        }
        v
    };
    let weight_g = patch.weight_kg.map(|kg| {
        kg.and_then(|kg| {
            let g = rules::grams(kg);
            if g.is_none() {
                errors.push(FieldError::new("weight_kg", "must be more than 0 and at most 1000"));
            }
            g
        })
    });
    let changes = DeviceChanges {
        serial_number: text(&mut errors, "serial_number", patch.serial_number, 100),
        make: text(&mut errors, "make", patch.make, 100),
        model: text(&mut errors, "model", patch.model, 200),
        category: patch.category,
        cpu: text(&mut errors, "cpu", patch.cpu, 200),
        ram_gb: range(&mut errors, "ram_gb", patch.ram_gb, 0, 4096),
        storage_gb: range(&mut errors, "storage_gb", patch.storage_gb, 0, 1_048_576),
        storage_type: patch.storage_type,
        operating_system: text(&mut errors, "operating_system", patch.operating_system, 200),
        battery_health_pct: range(&mut errors, "battery_health_pct", patch.battery_health_pct, 0, 100),
        weight_g,
        grade: patch.grade,
        notes: text(&mut errors, "notes", patch.notes, 2000),
    };
    if errors.is_empty() { Ok(changes) } else { Err(ApiError::validation(errors)) }
}

/// The fields that differ between two views, as `{field: {from, to}}`.
fn diff(before: &Device, after: &Device) -> Value {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Value::Null;
    };
    let mut changed = Map::new();
    for (key, old) in &a {
        if matches!(key.as_str(), "version" | "updated_at" | "allowed_actions") {
            continue;
        }
        let new = b.get(key).cloned().unwrap_or(Value::Null);
        if *old != new {
            changed.insert(key.clone(), serde_json::json!({ "from": old, "to": new }));
        }
    }
    Value::Object(changed)
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Json(patch): Json<UpdateDevice>,
) -> Result<HttpResponse, ApiError> {
    let changes = changes_from(patch)?;
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        in_transaction(conn, |conn| {
            let current = scope::in_custody(conn, &actor, id)?;
            let version = if_match.required_version(current.version)?;
            let row = repo::update_fields(conn, id, version, &changes)?.ok_or_else(ApiError::precondition_failed)?;
            let (before, after) = (Device::from(current), Device::from(row));
            history::record(
                conn,
                Change {
                    device_id: id,
                    actor_id: Some(actor.user_id),
                    kind: "details_updated",
                    from_status: None,
                    to_status: None,
                    from_hub_id: None,
                    to_hub_id: None,
                    details: serde_json::json!({ "changes": diff(&before, &after) }),
                    occurred_at: None,
                },
            )?;
            Ok(after)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), device.version, &device))
}

pub async fn history(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Query(query): Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.limit, query.cursor)?;
    let id = id.into_inner();
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, READERS)?;
        scope::visible(conn, &actor, id)?;
        let rows = history::of_device(conn, id, &page)?;
        Ok(Page::from_rows(rows, &page, |e| e.id, |e| e))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}
