//! Sign-in (`/auth/login`, `/auth/token`) and the caller's own account (`/me`).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::{Principal, api_key, password, throttle};
use crate::AppState;
use crate::http::{ApiError, Json};
use crate::users::{accounts, models::ChangeOwnPassword, repo};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    email: String,
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyExchange {
    api_key: String,
}

/// The client's address: the TCP peer, or the first `X-Forwarded-For` hop when configured to trust
/// a proxy in front of the service.
fn client_addr(req: &HttpRequest, trust_forwarded: bool) -> String {
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| trust_forwarded && !v.is_empty());
    if let Some(first) = forwarded {
        return first.to_owned();
    }
    req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

fn no_store(body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok().insert_header((actix_web::http::header::CACHE_CONTROL, "no-store")).json(body)
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(input): Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let addr = client_addr(&req, state.settings.trust_forwarded_for);
    let limits = state.settings.login;
    let keys = state.keys.clone();
    let token = crate::db::run_blocking(&state.pool, move |conn| {
        let account = input.email.trim().to_lowercase();
        throttle::check(conn, &limits, &account, &addr)?;
        let user = repo::find_by_email(conn, &account)?;
        let verified = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
            Some(hash) => password::verify(&input.password, hash),
            None => {
                password::verify_against_nothing(&input.password);
                false
            }
        };
        match user {
            Some(user) if verified && user.active => {
                throttle::clear_account(conn, &account)?;
                keys.issue(user.id, user.role, user.token_epoch, None)
            }
            _ => {
                throttle::record_failure(conn, &limits, &account, &addr)?;
                Err(ApiError::unauthorized("the email or password is not right, or the account is disabled"))
            }
        }
    })
    .await?;
    Ok(no_store(&token))
}

pub async fn exchange_api_key(
    state: web::Data<AppState>,
    req: HttpRequest,
    Json(input): Json<ApiKeyExchange>,
) -> Result<HttpResponse, ApiError> {
    let addr = client_addr(&req, state.settings.trust_forwarded_for);
    let limits = state.settings.login;
    let keys = state.keys.clone();
    let token = crate::db::run_blocking(&state.pool, move |conn| {
        // A guessed key names no account, so key failures count against the address alone.
        let account = format!("api-key@{addr}");
        throttle::check(conn, &limits, &account, &addr)?;
        let found = match api_key::split(input.api_key.trim()) {
            Some((prefix, secret)) => repo::live_key_by_prefix(conn, prefix)?
                .filter(|(_, digest, _)| api_key::same_digest(&api_key::digest(secret), digest)),
            None => None,
        };
        match found {
            Some((key_id, _, user)) if user.active => {
                repo::touch_api_key(conn, key_id)?;
                keys.issue(user.id, user.role, user.token_epoch, Some(key_id))
            }
            _ => {
                throttle::record_failure(conn, &limits, &account, &addr)?;
                Err(ApiError::unauthorized("the API key is not valid, was revoked, or its account is disabled"))
            }
        }
    })
    .await?;
    Ok(no_store(&token))
}

pub async fn me(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let user = crate::db::run_blocking(&state.pool, move |conn| {
        let actor = who.actor(conn)?;
        accounts::view(conn, actor.user_id)
    })
    .await?;
    Ok(crate::http::with_etag(HttpResponse::Ok(), user.version, &user))
}

/// Guesses at the current password count as failed sign-ins, so a stolen token cannot be used to
/// brute-force the password behind it.
pub async fn change_own_password(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    Json(input): Json<ChangeOwnPassword>,
) -> Result<HttpResponse, ApiError> {
    let addr = client_addr(&req, state.settings.trust_forwarded_for);
    let limits = state.settings.login;
    crate::db::run_blocking(&state.pool, move |conn| {
        let actor = who.actor(conn)?;
        let account = repo::find(conn, actor.user_id)?.map(|u| u.email).unwrap_or_default();
        throttle::check(conn, &limits, &account, &addr)?;
        let outcome = accounts::change_own_password(conn, actor.user_id, &input.current_password, &input.new_password);
        if outcome.as_ref().is_err_and(|e| e.kind == "wrong-password") {
            throttle::record_failure(conn, &limits, &account, &addr)?;
        }
        outcome
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
