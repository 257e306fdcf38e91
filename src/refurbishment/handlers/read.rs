//! Reading jobs: the changes feed partners poll, and single jobs.

use actix_web::{HttpResponse, web};

use super::view;
use crate::auth::{DEVICE_READERS, Principal, Role};
use crate::http::pagination::{ChangeCursor, DEFAULT_LIMIT, MAX_LIMIT};
use crate::http::{ApiError, AppState, Page, Query, run_blocking, with_etag};
use crate::ids::JobId;
use crate::refurbishment::models::JobFilter;
use crate::refurbishment::repo::{self, Audience};
use crate::refurbishment::rules::Refusal;

/// `GET /api/v1/refurbishment-jobs?status=&updated_since=`: jobs in the order they last changed,
/// so a partner can poll with the cursor (or `updated_since`) and see every change once.
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<JobFilter>,
) -> Result<HttpResponse, ApiError> {
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        let detail = format!("limit must be between 1 and {MAX_LIMIT}");
        return Err(ApiError::invalid_query(detail, "limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    let after = filter.cursor.as_deref().map(ChangeCursor::parse).transpose()?;
    let body = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
        let audience = match (actor.role, actor.organisation_id) {
            (Role::Admin, _) => Audience::Everyone,
            (Role::Partner, Some(org)) => Audience::Refurbisher(org),
            (Role::Partner, None) => return Ok(Page { items: Vec::new(), next_cursor: None }),
            _ => Audience::Hubs(&actor.hub_ids),
        };
        let mut rows = repo::list(conn, &filter, audience, after, limit)?;
        rows.truncate(limit as usize);
        // A changes feed always says where to continue: the last job seen, or where the caller was.
        let next_cursor = rows
            .last()
            .map(|j| ChangeCursor::encode(j.updated_at, j.id.uuid()))
            .or_else(|| after.map(|c| ChangeCursor::encode(c.updated_at, c.id)));
        Ok(Page { items: repo::views(conn, rows)?, next_cursor })
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<JobId>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let job = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
        let (job, _) = repo::visible(conn, &actor, id)?.ok_or(Refusal::NotFound)?;
        view(conn, job)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), job.version, &job))
}
