//! Signing in: `POST /auth/login` (email and password) and `POST /auth/token` (an integration's
//! API key), each answered with a short-lived bearer token. Failures count towards the throttle,
//! and an unknown email costs the same time as a wrong password.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::{JwtKeys, api_key, password, throttle};
use crate::http::{ApiError, AppState, Json, run_blocking};
use crate::users::models::{ApiKeyExchange, Login};
use crate::users::repo;

/// The client's address: the TCP peer, or the first `X-Forwarded-For` hop when configured to trust
/// a proxy in front of the service.
pub fn client_addr(req: &HttpRequest, trust_forwarded: bool) -> String {
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
    keys: web::Data<JwtKeys>,
    req: HttpRequest,
    Json(input): Json<Login>,
) -> Result<HttpResponse, ApiError> {
    let addr = client_addr(&req, state.settings.trust_forwarded_for);
    let limits = state.settings.login;
    let token = run_blocking(&state.pool, move |conn| {
        let account = input.email.trim().to_lowercase();
        throttle::check(conn, &limits, &account, &addr)?;
        let user = repo::sign_in_account(conn, &account)?;
        let verified = match user.as_ref().and_then(|(u, _)| u.password_hash.as_deref()) {
            Some(hash) => password::verify(&input.password, hash),
            None => {
                password::verify_against_nothing(&input.password);
                false
            }
        };
        match user {
            Some((user, scheme_active)) if verified && user.active => {
                throttle::clear_account(conn, &account)?;
                if !scheme_active {
                    return Err(ApiError::scheme_suspended());
                }
                keys.issue(user.scheme_id, user.id, user.role, user.token_epoch, None)
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
    keys: web::Data<JwtKeys>,
    req: HttpRequest,
    Json(input): Json<ApiKeyExchange>,
) -> Result<HttpResponse, ApiError> {
    let addr = client_addr(&req, state.settings.trust_forwarded_for);
    let limits = state.settings.login;
    let token = run_blocking(&state.pool, move |conn| {
        // A guessed key names no account, so key failures count against the address alone.
        let account = format!("api-key@{addr}");
        throttle::check(conn, &limits, &account, &addr)?;
        let found = match api_key::split(input.api_key.trim()) {
            Some((prefix, secret)) => repo::sign_in_key(conn, prefix)?
                .filter(|(_, digest, _, _)| api_key::same_digest(&api_key::digest(secret), digest)),
            None => None,
        };
        match found {
            Some((key_id, _, user, scheme_active)) if user.active => {
                if !scheme_active {
                    return Err(ApiError::scheme_suspended());
                }
                repo::touch_api_key(conn, key_id)?;
                keys.issue(user.scheme_id, user.id, user.role, user.token_epoch, Some(key_id))
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
