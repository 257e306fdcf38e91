//! Text that PostgreSQL cannot store. Its `text` and `jsonb` types refuse U+0000 (NUL), which JSON,
//! CSV and percent-encoded URIs can all carry, so the one rule lives here and every way text comes
//! in applies it while the request is parsed: the URI (`refuse_nul_in_uri`, a middleware in front
//! of every route), JSON bodies (`json_without_nul`, called by the JSON parser) and uploaded tables
//! (`http::csv::read_table`). A handler or field added later gets the check without asking for it.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use serde_json::Value;

use super::error::{ApiError, FieldError};

pub const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// The first place in a JSON document that holds NUL, in a string or a member name, as a field
/// error. A top-level array is a bulk upload: its items are rows (1-based), as its other errors are.
pub fn json_without_nul(value: &Value) -> Result<(), FieldError> {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if let Some(path) = nul_path(item, String::new()) {
                    let field = if path.is_empty() { "body".to_owned() } else { path };
                    return Err(FieldError::at_row(i + 1, field, NUL_MESSAGE));
                }
            }
            Ok(())
        }
        other => match nul_path(other, String::new()) {
            Some(path) if path.is_empty() => Err(FieldError::new("body", NUL_MESSAGE)),
            Some(path) => Err(FieldError::new(path, NUL_MESSAGE)),
            None => Ok(()),
        },
    }
}

/// Where NUL first occurs under `value`, named the way the JSON parser names fields
/// (`items[3].serial`); `Some("")` when `value` itself is such a string.
fn nul_path(value: &Value, at: String) -> Option<String> {
    match value {
        Value::String(s) if has_nul(s) => Some(at),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| nul_path(item, format!("{at}[{i}]"))),
        Value::Object(members) => members.iter().find_map(|(name, member)| {
            let shown = name.replace('\0', "\u{fffd}");
            let here = if at.is_empty() { shown } else { format!("{at}.{shown}") };
            if has_nul(name) { Some(here) } else { nul_path(member, here) }
        }),
        _ => None,
    }
}

/// `%00` anywhere in the path or query. No record has a name with NUL in it, so such a path is
/// 404 like any other name that is not found; a query parameter holding it is a 400 naming it.
pub async fn refuse_nul_in_uri(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if encodes_nul(req.path()) {
        return Err(ApiError::not_found("resource").into());
    }
    if let Some(name) = query_parameter_with_nul(req.query_string()) {
        let detail = format!("invalid query parameter: {name} {NUL_MESSAGE}");
        return Err(ApiError::invalid_query(detail, name, NUL_MESSAGE).into());
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

fn encodes_nul(raw: &str) -> bool {
    raw.as_bytes().windows(3).any(|w| w == b"%00")
}

/// The (decoded) name of the first query parameter whose name or value decodes to text with NUL.
fn query_parameter_with_nul(query: &str) -> Option<String> {
    if !encodes_nul(query) {
        return None;
    }
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, value)| has_nul(name) || has_nul(value))
        .map(|(name, _)| name.replace('\0', "\u{fffd}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_is_found_wherever_it_hides_in_a_body() {
        let found = |v: Value| json_without_nul(&v).err().map(|e| (e.row, e.field));
        assert_eq!(found(json!({"note": "a\u{0}b"})), Some((None, "note".into())));
        assert_eq!(found(json!({"ward": {"names": ["x", "\u{0}"]}})), Some((None, "ward.names[1]".into())));
        assert_eq!(found(json!({"details": {"k\u{0}": 1}})), Some((None, "details.k\u{fffd}".into())));
        assert_eq!(found(json!([{"serial": "ok"}, {"serial": "\u{0}"}])), Some((Some(2), "serial".into())));
        assert_eq!(found(json!(["ok", "\u{0}"])), Some((Some(2), "body".into())));
        assert_eq!(found(json!("\u{0}")), Some((None, "body".into())));
        assert_eq!(found(json!({"note": "fine", "n": 0})), None);
    }

    #[test]
    fn only_an_encoded_nul_in_the_query_names_its_parameter() {
        assert_eq!(query_parameter_with_nul("q=a%00b&limit=5"), Some("q".into()));
        assert_eq!(query_parameter_with_nul("a%00=1"), Some("a\u{fffd}".into()));
        assert_eq!(query_parameter_with_nul("q=a%200b"), None);
        assert!(encodes_nul("/api/v1/devices/by-tag/%00"));
        assert!(!encodes_nul("/api/v1/devices/by-tag/T4A-000100"));
    }
}
