//! `/api/v1/me`: every role reads its own account and changes its own password.

use actix_web::{HttpRequest, HttpResponse, web};

use super::accounts::account;
use super::session::client_addr;
use crate::auth::{Principal, password, throttle};
use crate::http::{ApiError, AppState, Json, in_transaction, run_blocking, with_etag};
use crate::users::models::ChangeOwnPassword;
use crate::users::rules::{AccountChange, Refusal};
use crate::users::{repo, rules};

pub async fn me(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let user = run_blocking(&state.pool, move |conn| {
        let actor = who.any_actor(conn)?;
        account(conn, actor.user_id)
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), user.version, &user))
}

/// Guesses at the current password count as failed sign-ins, so a stolen token cannot be used to
/// brute-force the password behind it. The caller's tokens stop working once it is changed.
pub async fn change_own_password(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    Json(input): Json<ChangeOwnPassword>,
) -> Result<HttpResponse, ApiError> {
    let addr = client_addr(&req, state.settings.trust_forwarded_for);
    let limits = state.settings.login;
    run_blocking(&state.pool, move |conn| {
        let actor = who.any_actor(conn)?;
        let user = repo::find(conn, actor.user_id)?.ok_or_else(|| ApiError::not_found("user"))?;
        throttle::check(conn, &limits, &user.email, &addr)?;
        let mut problems = crate::http::Problems::new();
        rules::check_password(&mut problems, "new_password", &input.new_password);
        problems.finish()?;
        if !user.password_hash.as_deref().is_some_and(|h| password::verify(&input.current_password, h)) {
            throttle::record_failure(conn, &limits, &user.email, &addr)?;
            return Err(Refusal::WrongPassword.into());
        }
        let hash = password::hash(&input.new_password)?;
        in_transaction(conn, |conn| {
            repo::apply_change(conn, user.id, user.version, &AccountChange::default(), Some(hash))?
                .ok_or_else(ApiError::precondition_failed)
                .map(|_| ())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
