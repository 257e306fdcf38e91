//! Optimistic concurrency: every resource carries a `version`; `GET` returns it as a strong
//! `ETag`, and `PATCH` must send it back in `If-Match` (428 without, 412 when stale).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures_util::future::{Ready, ready};
use serde::Serialize;

use super::error::ApiError;

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// A JSON response carrying the resource's `ETag`.
pub fn with_etag<T: Serialize>(mut response: actix_web::HttpResponseBuilder, version: i32, body: &T) -> HttpResponse {
    response.insert_header((header::ETAG, etag(version))).json(body)
}

/// The version a conditional request expects; `Any` for `If-Match: *`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Version(i32),
    /// A tag this service never issues (weak or malformed): matches nothing, so 412.
    Never,
}

impl IfMatch {
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        if raw == "*" {
            return IfMatch::Any;
        }
        // A list of tags is allowed by RFC 9110; the first one this service could have issued wins.
        raw.split(',')
            .filter_map(|tag| {
                let tag = tag.trim();
                tag.strip_prefix('"')?.strip_suffix('"')?.parse::<i32>().ok()
            })
            .next()
            .map(IfMatch::Version)
            .unwrap_or(IfMatch::Never)
    }

    /// The version to require in a conditional update, or 412 when nothing can match.
    pub fn required_version(self, current: i32) -> Result<i32, ApiError> {
        match self {
            IfMatch::Any => Ok(current),
            IfMatch::Version(v) if v == current => Ok(v),
            _ => Err(ApiError::precondition_failed()),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req.headers().get(header::IF_MATCH).map(|v| v.to_str().map(IfMatch::parse));
        ready(match value {
            None => Err(ApiError::precondition_required()),
            Some(Ok(m)) => Ok(m),
            Some(Err(_)) => Ok(IfMatch::Never),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_understands_what_we_issue_and_nothing_else() {
        assert_eq!(IfMatch::parse("\"3\""), IfMatch::Version(3));
        assert_eq!(IfMatch::parse("*"), IfMatch::Any);
        assert_eq!(IfMatch::parse("W/\"3\""), IfMatch::Never);
        assert_eq!(IfMatch::parse("3"), IfMatch::Never);
        assert_eq!(IfMatch::parse("\"x\", \"4\""), IfMatch::Version(4));
        assert!(IfMatch::Version(2).required_version(3).is_err());
        assert_eq!(IfMatch::Any.required_version(3).ok(), Some(3));
    }
}
