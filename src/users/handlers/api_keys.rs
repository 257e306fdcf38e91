//! `/api/v1/users/{id}/api-keys`: admins give integration accounts API keys (shown once) and
//! revoke them; tokens exchanged for a revoked key stop working at once.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::auth::{ADMIN, Principal, api_key};
use crate::http::{ApiError, AppState, Json, Page, Problems, run_blocking};
use crate::ids::{ApiKeyId, UserId};
use crate::users::models::{ApiKeyView, CreateApiKey};
use crate::users::repo;

pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
    Json(input): Json<CreateApiKey>,
) -> Result<HttpResponse, ApiError> {
    let mut problems = Problems::new();
    problems.length("name", &input.name, 1, 200);
    let id = id.into_inner();
    let view = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        problems.finish()?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
        let key = api_key::generate();
        let row = repo::insert_api_key(conn, id, &input.name, &key.prefix, &key.secret_sha256)?;
        Ok(ApiKeyView { api_key: Some(key.plain), ..ApiKeyView::from(row) })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{id}/api-keys/{}", view.id)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(view))
}

pub async fn list(state: web::Data<AppState>, who: Principal, id: web::Path<UserId>) -> Result<HttpResponse, ApiError> {
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

/// Revokes a key; repeating it is harmless.
pub async fn revoke(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(UserId, ApiKeyId)>,
) -> Result<HttpResponse, ApiError> {
    let (user, key) = path.into_inner();
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        if repo::revoke_api_key(conn, user, key)? { Ok(()) } else { Err(ApiError::not_found("API key")) }
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
