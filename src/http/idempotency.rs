//! Safe retries for every POST: a signed-in caller may send `Idempotency-Key`. The first request
//! with a key runs and its response (status, body, `Content-Type`, `Location`) is stored with the
//! key, the caller and a SHA-256 of the request; a retry with the same key gets that response again
//! (with `Idempotent-Replayed: true`) without the work being done twice. The same key with a
//! different request is 422; a retry while the first is still running is 409. Keys are kept for
//! 48 hours. Transient answers (5xx, or anything with `Retry-After`) and answers marked
//! `Cache-Control: no-store` (a new API key, shown once) are not stored: the caller can try again.
//!
//! The stored response is written after the handler's own transaction commits; the handlers'
//! database invariants (one open job per device, unique receipts …) still guard the short window
//! in which a crash could lose the stored response.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::json::{BodyLimits, read_body};
use super::{AppState, run_blocking};
use crate::db::schema::idempotency_keys as keys;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// A first request that was still running after this long is taken to have died with its instance.
const ABANDONED_AFTER_SECS: i64 = 300;
const KEPT_FOR_HOURS: i64 = 48;

/// Who is calling, as far as idempotency keys go. The auth layer answers (the application registers
/// its `Callers` as app data), so this module knows nothing of tokens.
pub trait Callers: Send + Sync + 'static {
    /// The caller if the request carries valid credentials, else `None` (the handler then answers
    /// 401 and nothing is made idempotent).
    fn identify(&self, req: &actix_web::HttpRequest) -> Option<Caller>;
}

/// The check, run inside the database work, that a caller may still act.
pub type Confirm = Box<dyn FnOnce(&mut PgConnection) -> Result<(), ApiError> + Send>;

/// A caller that an idempotency key belongs to.
pub struct Caller {
    /// Stable across the caller's requests (the user id).
    pub id: String,
    /// Confirms, inside the database work, that the caller may still act: a disabled account or a
    /// revoked key replays nothing, since stored answers may hold secrets.
    pub confirm: Confirm,
}

enum Claim {
    Proceed,
    Replay { status: u16, content_type: Option<String>, location: Option<String>, etag: Option<String>, body: Vec<u8> },
}

#[derive(Queryable)]
struct Stored {
    method: String,
    path: String,
    request_sha256: Vec<u8>,
    status: Option<i32>,
    content_type: Option<String>,
    location: Option<String>,
    etag: Option<String>,
    body: Option<Vec<u8>>,
    created_at: chrono::DateTime<chrono::Utc>,
}

fn claim(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    method: &str,
    path: &str,
    hash: &[u8],
) -> Result<Claim, ApiError> {
    let now = chrono::Utc::now();
    diesel::delete(keys::table.filter(keys::created_at.lt(now - chrono::Duration::hours(KEPT_FOR_HOURS))))
        .execute(conn)?;
    let inserted = diesel::insert_into(keys::table)
        .values((
            keys::caller.eq(caller),
            keys::key.eq(key),
            keys::method.eq(method),
            keys::path.eq(path),
            keys::request_sha256.eq(hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    if inserted == 1 {
        return Ok(Claim::Proceed);
    }
    let stored: Option<Stored> = keys::table
        .find((caller, key))
        .select((
            keys::method,
            keys::path,
            keys::request_sha256,
            keys::status,
            keys::content_type,
            keys::location,
            keys::etag,
            keys::body,
            keys::created_at,
        ))
        .first(conn)
        .optional()?;
    // The first attempt failed and freed the key in the meantime: let the caller retry.
    let Some(stored) = stored else { return Err(in_progress()) };
    if stored.method != method || stored.path != path || stored.request_sha256 != hash {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency key reused",
            "this Idempotency-Key was already used for a different request; use a new key",
        ));
    }
    match stored.status {
        Some(status) => Ok(Claim::Replay {
            status: status as u16,
            content_type: stored.content_type,
            location: stored.location,
            etag: stored.etag,
            body: stored.body.unwrap_or_default(),
        }),
        None if (now - stored.created_at).num_seconds() > ABANDONED_AFTER_SECS => {
            // Take over only if nobody else did in the meantime.
            let taken = diesel::update(keys::table.find((caller, key)).filter(keys::created_at.eq(stored.created_at)))
                .set(keys::created_at.eq(now))
                .execute(conn)?;
            if taken == 1 { Ok(Claim::Proceed) } else { Err(in_progress()) }
        }
        None => Err(in_progress()),
    }
}

fn in_progress() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "idempotency-in-progress",
        "Request in progress",
        "a request with this Idempotency-Key is still being processed; retry shortly",
    )
    .with_retry_after(1)
}

fn problem(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(error.error_response())
}

/// SHA-256 of the request a key is used for: method, path with query, and body.
fn request_hash(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for part in [method.as_bytes(), b"\n", path.as_bytes(), b"\n", body] {
        hasher.update(part);
    }
    hasher.finalize().to_vec()
}

/// The first answer, again, marked as a replay.
fn replay(req: ServiceRequest, status: u16, headers: Kept, body: Vec<u8>) -> ServiceResponse<BoxBody> {
    let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    let Kept { content_type, location, etag } = headers;
    for (name, value) in [(header::CONTENT_TYPE, content_type), (header::LOCATION, location), (header::ETAG, etag)] {
        if let Some(value) = value {
            response.insert_header((name, value));
        }
    }
    response.insert_header((HeaderName::from_static(REPLAYED), HeaderValue::from_static("true")));
    req.into_response(response.body(body))
}

/// The headers of an answer that are kept with it.
struct Kept {
    content_type: Option<String>,
    location: Option<String>,
    etag: Option<String>,
}

/// Keeps the answer with the key, or frees the key when the answer is transient (5xx, anything
/// with `Retry-After`) or must not be kept (`Cache-Control: no-store`, such as a new API key).
fn store(
    conn: &mut PgConnection,
    (caller, key): (&str, &str),
    status: StatusCode,
    kept: Kept,
    body: Vec<u8>,
    keep: bool,
) -> QueryResult<()> {
    let row = keys::table.find((caller, key));
    if !keep {
        return diesel::delete(row).execute(conn).map(|_| ());
    }
    diesel::update(row)
        .set((
            keys::status.eq(i32::from(status.as_u16())),
            keys::content_type.eq(kept.content_type),
            keys::location.eq(kept.location),
            keys::etag.eq(kept.etag),
            keys::body.eq(body),
            keys::completed_at.eq(chrono::Utc::now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Runs the request and keeps its answer with the key.
async fn run_and_keep(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: web::Data<AppState>,
    (caller, key): (String, String),
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?;
    let (request, response) = response.into_parts();
    let status = response.status();
    let text = |name| response.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_owned);
    let kept =
        Kept { content_type: text(header::CONTENT_TYPE), location: text(header::LOCATION), etag: text(header::ETAG) };
    let keep = !status.is_server_error()
        && !response.headers().contains_key(header::RETRY_AFTER)
        && text(header::CACHE_CONTROL).is_none_or(|c| !c.contains("no-store"));
    let (head, body) = response.into_parts();
    let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
    let stored = bytes.to_vec();
    let outcome =
        run_blocking(&state.pool, move |conn| Ok(store(conn, (&caller, &key), status, kept, stored, keep)?)).await;
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not store the response for an idempotency key");
    }
    Ok(ServiceResponse::new(request, head.set_body(BoxBody::new(bytes))))
}

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = req.headers().get(HEADER).map(|v| v.to_str().map(str::to_owned));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(key), Some(state), true) = (key, state, req.method() == Method::POST) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    // Only a request a token vouches for is made idempotent; without one the handler answers 401.
    let callers = req.app_data::<web::Data<dyn Callers>>().cloned();
    let Some(Caller { id: caller, confirm }) = callers.and_then(|c| c.identify(req.request())) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let key = match key {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => k,
        _ => {
            let e = ApiError::invalid_field("Idempotency-Key", "must be 1 to 255 visible ASCII characters");
            return Ok(problem(req, e));
        }
    };
    let limit = req.app_data::<web::Data<BodyLimits>>().map(|l| l.import).unwrap_or(16 << 20);
    let body = match read_body(&mut req.take_payload(), None, limit).await {
        Ok(body) => body,
        Err(e) => return Ok(problem(req, e)),
    };
    let method = req.method().to_string();
    let path = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let hash = request_hash(&method, &path, &body);
    req.set_payload(actix_web::dev::Payload::from(web::Bytes::from(body)));
    let (c, k) = (caller.clone(), key.clone());
    let claimed = run_blocking(&state.pool, move |conn| {
        confirm(conn)?;
        claim(conn, &c, &k, &method, &path, &hash)
    })
    .await;
    match claimed {
        Err(e) => Ok(problem(req, e)),
        Ok(Claim::Replay { status, content_type, location, etag, body }) => {
            Ok(replay(req, status, Kept { content_type, location, etag }, body))
        }
        Ok(Claim::Proceed) => run_and_keep(req, next, state, (caller, key)).await,
    }
}
