//! HTTP handlers for `/api/v1/users` (admin only) and users' API keys.

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::accounts;
use super::models::{ApiKeyView, CreateApiKey, CreateUser, UpdateUser, UserFilter, UserView};
use super::repo;
use crate::AppState;
use crate::auth::principal::ADMIN;
use crate::auth::{Principal, api_key};
use crate::db::{in_transaction, run_blocking};
use crate::http::{ApiError, IfMatch, Json, Page, PageRequest, Query, created, with_etag};

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<UserFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        let rows = repo::list(conn, &filter, &page)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut hubs = repo::hub_ids_of(conn, &ids)?;
        Ok(Page::from_rows(
            rows,
            &page,
            |r| r.id,
            |r| {
                let h = hubs.remove(&r.id).unwrap_or_default();
                UserView::new(r, h)
            },
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let user = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        accounts::create(conn, input)
    })
    .await?;
    Ok(created(format!("/api/v1/users/{}", user.id), user.version, &user))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        accounts::view(conn, id)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), user.version, &user))
}

pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Json(patch): Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        accounts::update(conn, id, if_match, patch)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), user.version, &user))
}

/// Deletes an account that nothing refers to; accounts with history are disabled instead (409).
pub async fn delete(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, ADMIN)?;
        if actor.user_id == id {
            return Err(ApiError::conflict("you cannot delete your own account"));
        }
        in_transaction(conn, |conn| {
            let user = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
            if user.role == crate::auth::Role::Admin && user.active && repo::other_active_admins(conn, id)? == 0 {
                return Err(ApiError::conflict("this is the last active admin"));
            }
            repo::delete(conn, id)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn create_api_key(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        let mut problems = crate::http::Problems::new();
        problems.length("name", &input.name, 1, 200);
        problems.finish()?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
        let key = api_key::generate();
        let row = repo::insert_api_key(conn, id, &input.name, &key.prefix, &key.secret_sha256)?;
        let mut view = ApiKeyView::from(row);
        view.api_key = Some(key.plain);
        Ok(view)
    })
    .await?;
    let location = format!("/api/v1/users/{id}/api-keys/{}", view.id);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(view))
}

pub async fn list_api_keys(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let page = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
        let items: Vec<ApiKeyView> = repo::api_keys_of(conn, id)?.into_iter().map(ApiKeyView::from).collect();
        Ok(Page { items, next_cursor: None })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Revokes a key; tokens already exchanged for it stop working at once. Repeating it is harmless.
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (user, key) = path.into_inner();
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        if repo::revoke_api_key(conn, user, key)? { Ok(()) } else { Err(ApiError::not_found("API key")) }
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
