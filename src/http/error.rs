//! `ApiError`: every failure the API reports, rendered as RFC 9457 `application/problem+json`.
//! Diesel errors are mapped once, here: not found → 404, unique/exclusion violation → 409 (named
//! by constraint), foreign-key violation → 422 (or 409 when a delete is blocked), check violation
//! → 422, timeouts and lost connections → 503. Internal causes are logged, never returned.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use serde_json::{Map, Value};

use super::request_id;

/// One field-level problem in a request.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    /// 1-based row of a bulk import (the line number in a CSV file, header = 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { row: None, field: field.into(), message: message.into() }
    }

    pub fn at_row(row: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { row: Some(row), field: field.into(), message: message.into() }
    }
}

/// A failure as reported to the caller. Boxed so `Result<T, ApiError>` stays one pointer wide.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Problem>);

/// The members of a problem+json body (and the headers that go with it).
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// Last segment of the problem `type` URI, e.g. `not-found`.
    pub kind: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    /// Extra members of the problem object (e.g. `current_status`).
    pub extensions: Map<String, Value>,
    pub retry_after: Option<u64>,
    pub allow: Option<&'static str>,
}

/// Base of every problem `type`; relative, resolved against the service's own address.
pub const PROBLEM_BASE: &str = "/problems/";

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(Problem {
            status,
            kind,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            extensions: Map::new(),
            retry_after: None,
            allow: None,
        }))
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail)
    }

    /// 400 for a query parameter that is malformed, mistyped or out of range, naming it.
    pub fn invalid_query(detail: impl Into<String>, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-query", "Bad request", detail)
            .with_errors(vec![FieldError::new(field, message)])
    }

    pub fn malformed_body(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed-body", "Malformed request body", detail)
    }

    /// 422 with one entry per offending field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "Invalid request", detail);
        e.errors = errors;
        e
    }

    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", format!("no such {what}"))
    }

    /// A body field names a record that does not exist, or that the caller may not see: 422 with
    /// the field named, the same answer either way so nothing leaks. Not 404, which is kept for the
    /// resource in the URL: a client must never take a bad reference for that resource being gone.
    pub fn unknown_reference(field: &str) -> Self {
        Self::invalid_field(field, "refers to a record that does not exist")
    }

    /// The same problem with its fields named under `parent` (`email` becomes `admin.email`), for
    /// a form nested inside another.
    pub fn under(mut self, parent: &str) -> Self {
        for error in &mut self.0.errors {
            error.field = format!("{parent}.{}", error.field);
        }
        self
    }

    pub fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", "no route matches this path")
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            format!("this resource supports {allow}"),
        );
        e.allow = Some(allow);
        e
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required", detail)
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", "your role does not allow this action")
    }

    /// The caller's scheme is suspended by the platform: its users are refused until it is
    /// reinstated (nothing of it is deleted).
    pub fn scheme_suspended() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "scheme-suspended",
            "Scheme suspended",
            "this scheme is suspended; ask the platform's administrators to reinstate it",
        )
    }

    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            "Precondition required",
            "send If-Match with the ETag from your last GET of this resource",
        )
    }

    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "Precondition failed",
            "the resource changed since you read it; GET it again and retry",
        )
    }

    pub fn too_many_requests(retry_after: u64, detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests", detail);
        e.retry_after = Some(retry_after.max(1));
        e
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload too large",
            format!("the request body is larger than the {limit}-byte limit"),
        )
    }

    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!("send the body as {expected}"),
        )
    }

    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "the database is busy or unreachable; retry shortly",
        );
        e.retry_after = Some(2);
        e
    }

    /// A bug or an unexpected failure: the cause is logged, the caller sees only a reference.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(cause = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "something went wrong on our side; quote the request id when reporting it",
        )
    }

    /// The same problem, explained otherwise.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    /// The same problem, naming the fields (or rows) at fault.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// The same problem, telling the caller when to try again.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs.max(1));
        self
    }

    pub fn with_extension(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(key.to_owned(), value.into());
        self
    }

    fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("type".into(), format!("{PROBLEM_BASE}{}", self.kind).into());
        body.insert("title".into(), self.title.into());
        body.insert("status".into(), self.status.as_u16().into());
        body.insert("detail".into(), self.detail.clone().into());
        if !self.errors.is_empty() {
            body.insert("errors".into(), serde_json::to_value(&self.errors).unwrap_or_default());
        }
        if let Some(id) = request_id::current() {
            body.insert("request_id".into(), id.into());
        }
        for (k, v) in &self.extensions {
            body.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(body)
    }
}

impl std::ops::Deref for ApiError {
    type Target = Problem;
    fn deref(&self) -> &Problem {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Problem {
        &mut self.0
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.title, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        if let Some(secs) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = self.allow {
            response.insert_header((header::ALLOW, allow));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.body(self.body().to_string())
    }
}

impl ApiError {
    /// 409: the device went to someone after it was last reset or wiped (DESIGN §10).
    pub fn reset_required() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "reset-required",
            "Reset required",
            "the device was handed to someone after it was last reset or wiped; record a reset \
             (POST /api/v1/devices/{id}/resets) or a new verified wipe before it goes to the next person",
        )
    }

    /// 409 with `Retry-After` for a transaction PostgreSQL cancelled because another one clashed
    /// with it (serialisation failure, deadlock): nothing of it was kept, and a retry will succeed.
    fn concurrent_change() -> Self {
        let mut e = Self::conflict("a concurrent change interfered; retry the request");
        e.retry_after = Some(1);
        e
    }
}

/// Friendly messages for constraint violations, by constraint name. Resource slices add theirs.
fn constraint_message(constraint: &str) -> Option<&'static str> {
    Some(match constraint {
        "wards_name_key" => "a ward with this name already exists",
        "hubs_name_key" => "a hub with this name already exists",
        "organisations_name_key" => "an organisation with this name already exists",
        "users_email_key" => "a user with this email already exists",
        "users_partner_has_organisation" => "partner users need an organisation, and only partners have one",
        "devices_serial_key" => "a device with this serial number from this maker is already recorded",
        "refurbishment_jobs_one_open_per_device" => "the device already has an open refurbishment job",
        "disposal_records_device_id_key" => "the device already has a disposal record",
        "impact_factor_sets_name_version_key" => "a factor set with this name and version already exists",
        "schemes_code_key" => "a scheme with this code already exists",
        "schemes_name_key" => "a scheme with this name already exists",
        "agreement_terms_version_key" => {
            "another version of these terms was published at the same moment; publish again"
        }
        "accessory_kinds_name_key" => "an accessory kind with this name already exists",
        "stocktakes_one_open_per_hub" => "a stocktake of this hub is already open; close it first",
        _ => return None,
    })
}

/// The request field a foreign key is filled from, by constraint name.
fn constraint_field(constraint: &str) -> Option<&'static str> {
    Some(match constraint {
        "hubs_ward_id_fkey" => "ward_id",
        "user_hubs_hub_id_fkey" => "hub_ids",
        "users_organisation_id_fkey" => "organisation_id",
        "donations_hub_id_fkey" => "hub_id",
        "donations_donor_id_fkey" => "donor_id",
        "residents_ward_id_fkey" => "ward_id",
        "residents_registered_at_hub_id_fkey" => "hub_id",
        "sales_sessions_hub_id_fkey" => "hub_id",
        "sim_allocations_hub_id_fkey" => "hub_id",
        "loans_returned_to_hub_id_fkey" => "hub_id",
        "holds_hub_id_fkey" => "hub_id",
        _ => return None,
    })
}

impl From<crate::db::DbError> for ApiError {
    fn from(error: crate::db::DbError) -> Self {
        match error {
            crate::db::DbError::Unavailable(_) => Self::unavailable(),
            crate::db::DbError::TaskFailed(cause) => Self::internal(cause),
        }
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::not_found("resource"),
            DieselError::DatabaseError(kind, info) => {
                let constraint = info.constraint_name().unwrap_or_default().to_owned();
                let friendly = constraint_message(&constraint);
                let described = |fallback: &str| friendly.map(str::to_owned).unwrap_or_else(|| fallback.to_owned());
                match kind {
                    DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ExclusionViolation => {
                        Self::conflict(described("this would duplicate an existing record"))
                    }
                    DatabaseErrorKind::ForeignKeyViolation if info.message().starts_with("update or delete") => {
                        Self::conflict("other records still refer to this one")
                    }
                    DatabaseErrorKind::ForeignKeyViolation => {
                        let field = constraint_field(&constraint).or(info.column_name()).unwrap_or("id");
                        Self::unknown_reference(field)
                    }
                    DatabaseErrorKind::CheckViolation if constraint == "devices_wipe_gate" => Self::new(
                        StatusCode::CONFLICT,
                        "wipe-required",
                        "Data wipe required",
                        "the device has no verified data wipe on record",
                    ),
                    DatabaseErrorKind::CheckViolation if constraint == "devices_reset_gate" => Self::reset_required(),
                    DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                        let field = info.column_name().unwrap_or("body").to_owned();
                        Self::invalid_field(field, described("violates a rule of the record"))
                    }
                    DatabaseErrorKind::RestrictViolation => Self::conflict("this record is in use and cannot change"),
                    DatabaseErrorKind::SerializationFailure => Self::concurrent_change(),
                    _ if info.message().contains("deadlock detected") => Self::concurrent_change(),
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => Self::unavailable(),
                    _ if info.message().contains("statement timeout") || info.message().contains("lock timeout") => {
                        tracing::warn!(message = info.message(), "database timeout");
                        Self::unavailable()
                    }
                    _ if info.message().contains("out of range") => {
                        Self::invalid_field("body", "a date or number is outside the range the service can store")
                    }
                    // PostgreSQL text and jsonb cannot hold U+0000; JSON can. Requests are refused
                    // while parsed (`http::text`); this is the last line behind that.
                    _ if info.message().contains("0x00") || info.message().contains("unsupported Unicode escape") => {
                        Self::invalid_field("body", "text must not contain the NUL character (U+0000)")
                    }
                    _ if info.message().contains("terminating connection")
                        || info.message().contains("shutting down") =>
                    {
                        Self::unavailable()
                    }
                    _ => Self::internal(format!("database error: {}", info.message())),
                }
            }
            DieselError::RollbackTransaction => Self::conflict("the change was rolled back"),
            other => Self::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_body_has_the_rfc_9457_members() {
        let body = ApiError::invalid_field("name", "must not be empty").body();
        assert_eq!(body["type"], "/problems/validation");
        assert_eq!(body["status"], 422);
        assert_eq!(body["errors"][0]["field"], "name");
        assert!(body["title"].is_string() && body["detail"].is_string());
    }

    #[test]
    fn diesel_not_found_is_a_404() {
        assert_eq!(ApiError::from(DieselError::NotFound).status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let body = ApiError::internal("relation \"secret_table\" does not exist").body();
        assert!(!body.to_string().contains("secret_table"));
    }
}
