//! `/api/v1/webhooks` and its delivery log; `deliver` is the step the worker runs for each
//! claimed delivery.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use serde_json::json;
use uuid::Uuid;

use super::models::{
    Created, Deliveries, DeliveriesQuery, Delivery, NewWebhook, Outgoing, Poster, Redeliver, UpdateWebhook, Webhook,
    Webhooks,
};
use super::repo;
use super::rules::{self, Outcome};
use crate::auth::{Actor, Principal, Role};
use crate::http::{
    ApiError, AppState, IfMatch, Json, Problems, Query, created, in_transaction, run_blocking, with_etag,
};

/// Who manages subscriptions: admins (the scheme's own, and any partner's) and partners (their
/// organisation's).
const MANAGERS: &[Role] = &[Role::Admin, Role::Partner];

/// The organisation a partner acts for; `None` for an admin, who sees the whole scheme.
fn owner(actor: &Actor) -> Option<crate::ids::OrganisationId> {
    if actor.is_admin() { None } else { actor.organisation_id }
}

/// The subscription, if the caller may see it (another organisation's is not found).
fn visible(conn: &mut PgConnection, actor: &Actor, id: Uuid) -> Result<Webhook, ApiError> {
    repo::find(conn, id)?
        .filter(|w| actor.is_admin() || (w.organisation_id.is_some() && w.organisation_id == actor.organisation_id))
        .ok_or_else(|| ApiError::not_found("webhook"))
}

pub async fn list(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, MANAGERS)?;
        Ok(repo::list(conn, owner(&actor))?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Webhooks { items }))
}

/// Subscribes a URL: an admin's for the scheme, a partner's for its organisation. The answer
/// carries the signing secret, shown this once.
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewWebhook>,
) -> Result<HttpResponse, ApiError> {
    let allow_private = state.settings.webhook_allow_private;
    let mut problems = Problems::new();
    rules::check_url(&mut problems, "url", &input.url, allow_private);
    rules::check_description(&mut problems, input.description.as_deref());
    problems.finish()?;
    let created_hook = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, MANAGERS)?;
        let mut problems = Problems::new();
        rules::check_events(&mut problems, &input.event_types, !actor.is_admin());
        problems.finish()?;
        let secret = rules::new_secret();
        let row = repo::NewRow {
            organisation_id: owner(&actor),
            url: input.url.trim(),
            event_types: input.event_types.iter().map(|e| e.as_str().to_owned()).collect(),
            description: input.description.as_deref().map(str::trim),
            secret: &secret,
            created_by: actor.user_id,
        };
        Ok(Created { webhook: repo::insert(conn, row)?, secret })
    })
    .await?;
    let hook = &created_hook.webhook;
    Ok(created(format!("/api/v1/webhooks/{}", hook.id), hook.version, &created_hook))
}

pub async fn show(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let hook = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, MANAGERS)?;
        visible(conn, &actor, id)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), hook.version, &hook))
}

/// Changes the URL, events or description, or switches the subscription off or back on.
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    Json(patch): Json<UpdateWebhook>,
) -> Result<HttpResponse, ApiError> {
    let allow_private = state.settings.webhook_allow_private;
    let mut problems = Problems::new();
    if let Some(url) = &patch.url {
        rules::check_url(&mut problems, "url", url, allow_private);
    }
    rules::check_description(&mut problems, patch.description.as_ref().and_then(|d| d.as_deref()));
    if let Some(events) = &patch.event_types {
        // Empty or repeated lists are refused before the version is compared (which events a
        // partner may hear of depends on the subscription, checked once it is read).
        rules::check_events(&mut problems, events, false);
    }
    problems.finish()?;
    let id = id.into_inner();
    let hook = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, MANAGERS)?;
        in_transaction(conn, |conn| {
            let current = visible(conn, &actor, id)?;
            let version = if_match.required_version(current.version)?;
            let changes = changes_of(&actor, &current, patch)?;
            let hook = repo::update(conn, id, version, &changes)?.ok_or_else(ApiError::precondition_failed)?;
            if changes.enabled == Some(false) && current.enabled {
                repo::give_up_queued(conn, id)?;
            }
            Ok(hook)
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), hook.version, &hook))
}

fn changes_of(actor: &Actor, current: &Webhook, patch: UpdateWebhook) -> Result<repo::Changes, ApiError> {
    let mut problems = Problems::new();
    if let Some(events) = &patch.event_types {
        rules::check_events(&mut problems, events, current.organisation_id.is_some());
    }
    problems.finish()?;
    let switched = patch.enabled.filter(|e| *e != current.enabled);
    let (disabled_at, disabled_reason) = match switched {
        Some(true) => (Some(None), Some(None)),
        Some(false) => (Some(Some(Utc::now())), Some(Some(format!("switched off by {}", actor.role)))),
        None => (None, None),
    };
    Ok(repo::Changes {
        url: patch.url.map(|u| u.trim().to_owned()),
        event_types: patch.event_types.map(|e| e.iter().map(|t| t.as_str().to_owned()).collect()),
        description: patch.description.map(|d| d.map(|d| d.trim().to_owned())),
        enabled: switched,
        disabled_at,
        disabled_reason,
    })
}

pub async fn remove(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, MANAGERS)?;
        visible(conn, &actor, id)?;
        repo::delete(conn, id)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The delivery log, newest first.
pub async fn deliveries(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Query(query): Query<DeliveriesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid_query("limit must be 1 to 200", "limit", "must be 1 to 200"));
    }
    let id = id.into_inner();
    let items = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, MANAGERS)?;
        visible(conn, &actor, id)?;
        Ok(repo::deliveries(conn, id, query.status, limit)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Deliveries { items }))
}

/// Sends a delivered or given-up message again, now.
pub async fn redeliver(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    Json(input): Json<Redeliver>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let delivery = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, MANAGERS)?;
        let hook = visible(conn, &actor, id)?;
        if !hook.enabled {
            return Err(ApiError::conflict(
                "the subscription is switched off; switch it on (PATCH enabled: true) first",
            ));
        }
        if let Some(again) = repo::redeliver(conn, id, input.delivery_id)? {
            return Ok(again);
        }
        match repo::find_delivery(conn, id, input.delivery_id)? {
            Some(_) => Err(ApiError::conflict("the delivery is still on its way")),
            None => Err(ApiError::unknown_reference("delivery_id")),
        }
    })
    .await?;
    Ok(HttpResponse::Accepted().json(delivery))
}

/// Signs and posts one claimed delivery and records what happened. A failure is kept for
/// another try, or given up after the last; it is not an error here.
pub fn deliver(conn: &mut PgConnection, id: Uuid, poster: &dyn Poster, now: DateTime<Utc>) -> Result<(), ApiError> {
    let Some((delivery, hook, secret)) = repo::for_sending(conn, id)? else { return Ok(()) };
    if !hook.enabled {
        repo::failed(conn, id, None, "the subscription was switched off", None)?;
        return Ok(());
    }
    let body = delivery.payload.to_string();
    let headers = match rules::signed_headers(&secret, &rules::message_id(delivery.id), Utc::now().timestamp(), &body) {
        Ok(mut headers) => {
            headers.push(("content-type", "application/json".to_owned()));
            headers
        }
        Err(e) => return Ok(repo::failed(conn, id, None, &e, None).map(|_| ())?),
    };
    match poster.post(&Outgoing { url: hook.url.clone(), headers, body }) {
        Ok(code) => match rules::outcome(code) {
            Outcome::Delivered => repo::delivered(conn, &delivery, code)?,
            Outcome::Gone => {
                repo::failed(conn, id, Some(code), "the endpoint answered 410 Gone", None)?;
                switch_off(conn, &hook, "the endpoint answered 410 Gone")?;
            }
            Outcome::Failed => {
                retry_or_give_up(conn, (&delivery, &hook), Some(code), &format!("answered {code}"), now)?
            }
        },
        Err(e) => retry_or_give_up(conn, (&delivery, &hook), None, &e, now)?,
    }
    Ok(())
}

/// Waits for the next try; after the last, gives up, and if nothing reached the subscription in
/// all that time (more than a day) switches it off.
fn retry_or_give_up(
    conn: &mut PgConnection,
    (delivery, hook): (&Delivery, &Webhook),
    code: Option<u16>,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let next = rules::retry_after(delivery.attempts).map(|wait| now + wait);
    repo::failed(conn, delivery.id, code, error, next)?;
    if next.is_none() && hook.last_success_at.is_none_or(|t| t < delivery.created_at) {
        switch_off(conn, hook, "every delivery attempt failed for more than a day")?;
    }
    Ok(())
}

/// Switches the subscription off and tells whoever set it up.
fn switch_off(conn: &mut PgConnection, hook: &Webhook, reason: &str) -> Result<(), ApiError> {
    in_transaction(conn, |conn| {
        if let Some(off) = repo::disable(conn, hook.id, reason)?
            && let Some(user) = off.created_by
        {
            let data = json!({ "url": off.url, "reason": reason, "webhook_id": off.id });
            let key = format!("webhook:{}:disabled:{}", off.id, off.version);
            crate::notices::handlers::tell_user(conn, user, &key, &data)?;
        }
        Ok(())
    })
}
