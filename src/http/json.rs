//! Request bodies and query strings. `Json<T>` and `Query<T>` replace actix's extractors so that
//! every malformed, mistyped, missing or unknown field is reported by name in a problem body.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::{LocalBoxFuture, Ready, ready};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, FieldError};
use super::text::json_without_nul;

/// Largest bodies accepted, shared through app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub json: usize,
    pub import: usize,
}

/// A JSON request body (`application/json` or any `+json` type).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<BodyLimits>>().map(|l| l.json).unwrap_or(1 << 20);
        let is_json = is_json_content_type(req);
        let declared = declared_length(req);
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::unsupported_media_type("application/json"));
            }
            let bytes = read_body(&mut payload, declared, limit).await?;
            parse_json_object(&bytes).map(Json)
        })
    }
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
        })
        .unwrap_or(false)
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// Reads a whole body, refusing (413) as soon as it is known to exceed `limit`.
pub async fn read_body<S>(payload: &mut S, declared: Option<usize>, limit: usize) -> Result<Vec<u8>, ApiError>
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::payload_too_large(limit));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("could not read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// serde_json appends " at line L column C" to messages; fields are named separately.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Text between the first pair of backticks (serde names missing/unknown fields that way).
fn quoted_name(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

fn join_path(parent: &str, name: &str) -> String {
    if parent.is_empty() || parent == "." { name.to_owned() } else { format!("{parent}.{name}") }
}

/// Names the field a serde message is about: the path where it failed, plus the field serde
/// quotes for missing and unknown fields.
pub fn field_error(path: &str, message: &str) -> FieldError {
    let message = without_position(message);
    let named = quoted_name(&message).unwrap_or_default();
    let field = if message.starts_with("unknown field") && (path == named || path.ends_with(&format!(".{named}"))) {
        path.to_owned()
    } else if message.starts_with("missing field") || message.starts_with("unknown field") {
        join_path(path, named)
    } else if path.is_empty() || path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    FieldError::new(field, message)
}

/// Parses a JSON document: syntax errors are 400, shape errors (types, missing or unknown
/// fields) are 422 with the field named. Whole numbers written with a fraction (`8.0`) count as
/// integers, as JSON Schema says they are.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    shape(document(bytes)?)
}

/// A request body that must be a JSON object (every `Json<T>` body is one).
pub fn parse_json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = document(bytes)?;
    if !value.is_object() {
        return Err(ApiError::invalid_field("body", "must be a JSON object"));
    }
    shape(value)
}

/// The syntax step: any well-formed JSON document, with whole-number floats made integers, that
/// holds no text PostgreSQL cannot store (`http::text`).
fn document(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::malformed_body("the request body is empty; send a JSON document"));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::malformed_body(format!("the body is not valid JSON: {e}")))?;
    json_without_nul(&value).map_err(|e| ApiError::validation(vec![e]))?;
    Ok(whole_numbers(value))
}

/// The shape step: the document as `T`, naming the field at fault.
fn shape<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        ApiError::validation(vec![field_error(&path, &err.into_inner().to_string())])
    })
}

fn whole_numbers(value: Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(whole_numbers).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, whole_numbers(v))).collect()),
        other => other,
    }
}

/// A typed query string. Unknown parameters are refused so a typo never silently widens a list.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(Query))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner().to_string();
        let detail = format!("invalid query parameter: {}", without_position(&inner));
        let error = field_error(&path, &inner);
        ApiError::invalid_query(detail, error.field, error.message)
    })
}

/// `Option<Option<T>>` for merge-patch fields: absent → `None`, `null` → `Some(None)`.
/// Use with `#[serde(default, with = "crate::http::json::double_option")]`.
pub mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// For optional fields that may be left out but not sent as `null` (a merge-patch `null` means
/// "clear", which these fields do not allow). Use with `#[serde(default, deserialize_with = …)]`.
pub fn non_null<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Hub {
        name: String,
        ward: Ward,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Ward {
        score: f64,
    }

    fn field_of(body: &str) -> (u16, String) {
        let err = parse_json::<Hub>(body.as_bytes()).expect_err("must fail");
        (err.status.as_u16(), err.errors.first().map(|e| e.field.clone()).unwrap_or_default())
    }

    #[test]
    fn each_kind_of_bad_body_names_its_field() {
        assert_eq!(field_of(r#"{"ward":{"score":1}}"#), (422, "name".into()));
        assert_eq!(field_of(r#"{"name":"a","ward":{"score":"x"}}"#), (422, "ward.score".into()));
        assert_eq!(field_of(r#"{"name":"a","ward":{"score":1},"x":1}"#), (422, "x".into()));
        assert_eq!(field_of(r#"{"name":"a","ward":{"score":1,"y":2}}"#), (422, "ward.y".into()));
        assert_eq!(field_of("\"text\""), (422, "body".into()));
        assert_eq!(field_of("{\"name\":"), (400, String::new()));
        assert_eq!(field_of(""), (400, String::new()));
    }
}
