//! HTTP handlers for `/api/v1/schemes` (platform administrators) and `/api/v1/scheme` (the
//! caller's own scheme).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use diesel::pg::PgConnection;

use super::models::{
    CreateGrant, CreateScheme, CreatedScheme, NewGrant, NewScheme, SchemeFilter, SchemeSettings, SchemeView,
    UpdateScheme, UpdateSettings,
};
use super::rules::Refusal;
use super::{repo, rules};
use crate::auth::{ADMIN, ANY_ROLE, Principal, Role, password};
use crate::config::SchemeRules;
use crate::http::{
    ApiError, AppState, IfMatch, Json, Page, PageRequest, Query, created, in_transaction, run_blocking, with_etag,
};
use crate::ids::{SchemeId, UserId};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotAReporter => ApiError::invalid_field("email", "is not a reporter's account"),
            Refusal::OwnScheme => ApiError::invalid_field("email", "is a reporter of this scheme already"),
        }
    }
}
use crate::users::handlers::accounts::create_account;
use crate::users::models::CreateUser;

pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(filter): Query<SchemeFilter>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(filter.limit, filter.cursor)?;
    let body = run_blocking(&state.pool, move |conn| {
        who.platform_actor(conn)?;
        let rows = repo::list(conn, &filter, &page)?;
        Ok(Page::from_rows(rows, &page, |s| s.id.uuid(), SchemeView::from))
    })
    .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Creates the scheme, its default loan rule and its first admin in one transaction. A generated
/// password is answered once (and never stored in a cache).
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<CreateScheme>,
) -> Result<HttpResponse, ApiError> {
    rules::check_new(&input).map_err(ApiError::validation)?;
    let defaults = state.settings.scheme_defaults();
    let body = run_blocking(&state.pool, move |conn| {
        who.platform_actor(conn)?;
        in_transaction(conn, |conn| create_scheme(conn, input, defaults))
    })
    .await?;
    let mut response = created(format!("/api/v1/schemes/{}", body.scheme.id), body.scheme.version, &body);
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

fn create_scheme(conn: &mut PgConnection, input: CreateScheme, rules: SchemeRules) -> Result<CreatedScheme, ApiError> {
    let (asset_tag_prefix, receipt_prefix) = rules::prefixes(&input);
    let row = repo::insert(
        conn,
        &NewScheme {
            id: SchemeId::new(),
            name: input.name.trim().to_owned(),
            code: input.code.clone(),
            sale_price_pence: rules.sale_price_pence,
            household_rule_months: rules.household_rule_months,
            refund_window_days: rules.refund_window_days,
            sim_limit_per_resident: rules.sim_limit_per_resident,
            retention_months: rules.retention_months,
            asset_tag_prefix,
            receipt_prefix,
            default_factor_set_id: crate::impact::BUILT_IN_DEFAULT,
        },
    )?;
    // What follows belongs to the new scheme.
    crate::db::enter_scheme(conn, row.id)?;
    crate::loan_rules::repo::insert_default(conn)?;
    let generated = input.admin.password.is_none().then(password::generate);
    let admin = CreateUser {
        email: input.admin.email,
        display_name: input.admin.display_name,
        role: Role::Admin,
        password: input.admin.password.or_else(|| generated.clone()),
        hub_ids: Vec::new(),
        organisation_id: None,
    };
    let admin = create_account(conn, admin).map_err(|e| e.under("admin"))?;
    Ok(CreatedScheme {
        scheme: SchemeView::from(row),
        admin_user_id: admin.id,
        admin_email: admin.email,
        admin_password: generated,
    })
}

pub async fn get(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SchemeId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let scheme = run_blocking(&state.pool, move |conn| {
        who.platform_actor(conn)?;
        repo::find(conn, id)?.map(SchemeView::from).ok_or_else(|| ApiError::not_found("scheme"))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), scheme.version, &scheme))
}

/// Renames, suspends or reinstates a scheme. Suspending refuses its users at once (their tokens
/// included) and deletes nothing.
pub async fn update(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SchemeId>,
    if_match: IfMatch,
    Json(patch): Json<UpdateScheme>,
) -> Result<HttpResponse, ApiError> {
    rules::check_update(&patch).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let scheme = run_blocking(&state.pool, move |conn| {
        who.platform_actor(conn)?;
        in_transaction(conn, |conn| {
            let current = repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("scheme"))?;
            let version = if_match.required_version(current.version)?;
            let status = rules::suspension(current.status, patch.status, chrono::Utc::now())
                .map(|at| (patch.status.unwrap_or(current.status), at));
            repo::update(conn, (id, version), patch.name.as_deref(), status)?.ok_or_else(ApiError::precondition_failed)
        })
    })
    .await?;
    let scheme = SchemeView::from(scheme);
    Ok(with_etag(HttpResponse::Ok(), scheme.version, &scheme))
}

/// The caller's scheme and its rules.
pub async fn own(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let settings = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        let row = repo::own(conn)?;
        Ok(SchemeSettings::new(row, crate::loan_rules::repo::default_rule(conn)?))
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), settings.version, &settings))
}

/// Changes the scheme's rules (admins, with `If-Match`). New numbers take a changed prefix; numbers
/// already given keep theirs.
pub async fn update_own(
    state: web::Data<AppState>,
    who: Principal,
    if_match: IfMatch,
    Json(patch): Json<UpdateSettings>,
) -> Result<HttpResponse, ApiError> {
    rules::check_settings(&patch).map_err(ApiError::validation)?;
    let settings = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let current = repo::own(conn)?;
            let version = if_match.required_version(current.version)?;
            if let Some(set) = patch.default_factor_set_id {
                crate::impact::repo::load(conn, Some(set))?
                    .first()
                    .ok_or_else(|| ApiError::unknown_reference("default_factor_set_id"))?;
            }
            let row = repo::update_settings(conn, version, &patch)?.ok_or_else(ApiError::precondition_failed)?;
            let loans = match &patch.loan_defaults {
                Some(loans) => {
                    crate::loan_rules::repo::update_default(conn, loans)?.ok_or_else(ApiError::precondition_failed)?
                }
                None => crate::loan_rules::repo::default_rule(conn)?,
            };
            Ok(SchemeSettings::new(row, loans))
        })
    })
    .await?;
    Ok(with_etag(HttpResponse::Ok(), settings.version, &settings))
}

/// The reporters of other schemes granted this scheme's reports.
pub async fn grants(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SchemeId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let grants = run_blocking(&state.pool, move |conn| {
        who.platform_actor(conn)?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("scheme"))?;
        Ok(repo::grants(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": grants })))
}

/// Grants a reporter of another scheme this scheme's reports (a network such as a combined
/// authority). Granting again changes nothing.
pub async fn grant(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SchemeId>,
    Json(input): Json<CreateGrant>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let grant = run_blocking(&state.pool, move |conn| {
        who.platform_actor(conn)?;
        repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("scheme"))?;
        let email = input.email.trim().to_lowercase();
        let (user, _) =
            crate::users::repo::sign_in_account(conn, &email)?.ok_or_else(|| ApiError::unknown_reference("email"))?;
        rules::may_grant(id, user.scheme_id, user.role)?;
        let new = NewGrant { scheme_id: id, user_id: user.id, user_scheme_id: user.scheme_id };
        Ok(repo::grant(conn, &new)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(grant))
}

pub async fn revoke(
    state: web::Data<AppState>,
    who: Principal,
    path: web::Path<(SchemeId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (id, user) = path.into_inner();
    run_blocking(&state.pool, move |conn| {
        who.platform_actor(conn)?;
        repo::revoke(conn, id, user)?.then_some(()).ok_or_else(|| ApiError::not_found("grant"))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
