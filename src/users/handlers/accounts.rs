//! `/api/v1/users`: admins list, create, read, change and delete accounts. `create_account` is
//! also how the command line, the first start and the demo make accounts.

use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;

use crate::auth::{ADMIN, Principal, password};
use crate::http::{
    ApiError, AppState, IfMatch, Json, Page, PageRequest, Query, created, in_transaction, run_blocking, with_etag,
};
use crate::ids::UserId;
use crate::users::models::{CreateUser, UpdateUser, UserFilter, UserView};
use crate::users::{repo, rules};

/// Checks, hashes the password and creates the account with its hubs, in one transaction.
pub fn create_account(conn: &mut PgConnection, input: CreateUser) -> Result<UserView, ApiError> {
    let new = rules::new_account(input).map_err(ApiError::validation)?;
    let password_hash = new.password.as_deref().map(password::hash).transpose()?;
    let (row, hubs) = in_transaction(conn, |conn| Ok(repo::create_account(conn, &new, password_hash)?))?;
    Ok(UserView::new(row, hubs))
}

/// The account as the API shows it, or 404.
pub fn account(conn: &mut PgConnection, id: UserId) -> Result<UserView, ApiError> {
    let (row, hubs) = repo::find_with_hubs(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
    Ok(UserView::new(row, hubs))
}

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<UserFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        let rows = repo::list(conn, &filter, &page)?;
        let ids: Vec<UserId> = rows.iter().map(|r| r.id).collect();
        let mut hubs = repo::hub_ids_of(conn, &ids)?;
        Ok(Page::from_rows(
            rows,
            &page,
            |r| r.id.uuid(),
            |r| {
                let hub_ids = hubs.remove(&r.id).unwrap_or_default();
                UserView::new(r, hub_ids)
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
    rules::check_scheme_role(input.role).map_err(ApiError::validation)?;
    let user = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        create_account(conn, input)
    })
    .await?;
    Ok(created(format!("/api/v1/users/{}", user.id), user.version, &user))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<UserId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        account(conn, id)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), user.version, &user))
}

/// A merge-patch. Tokens issued before a role change, a password change or a disable stop working
/// at once. The last active admin can be neither disabled nor demoted.
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
    if_match: IfMatch,
    Json(patch): Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let user = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        rules::check_patch(&patch).map_err(ApiError::validation)?;
        let password_hash = patch.password.as_deref().map(password::hash).transpose()?;
        in_transaction(conn, |conn| {
            let (current, hubs) = repo::find_with_hubs(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
            let version = if_match.required_version(current.version)?;
            let change = rules::account_change(&current, &hubs, &patch, repo::other_active_admins(conn, id)?)?;
            let (row, hubs) = repo::apply_change(conn, id, version, &change, password_hash)?
                .ok_or_else(ApiError::precondition_failed)?;
            Ok(UserView::new(row, hubs))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), user.version, &user))
}

/// Deletes an account that nothing refers to; accounts with history are disabled instead (409).
pub async fn delete(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let user = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("user"))?;
            rules::may_delete(actor.user_id, &user, repo::other_active_admins(conn, id)?)?;
            repo::delete(conn, id)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
