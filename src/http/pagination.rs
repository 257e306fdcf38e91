//! Keyset pagination. Collections are ordered by id (UUID v7, so creation order); the cursor is
//! the last id of a page, so pages stay stable while rows are added, and each page costs one
//! index range scan however deep the caller goes.

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// An opaque position in a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub Uuid);

impl Cursor {
    pub fn encode(id: Uuid) -> String {
        id.simple().to_string()
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        let shaped = raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        shaped
            .then(|| Uuid::try_parse(&raw).ok())
            .flatten()
            .map(Cursor)
            .ok_or_else(|| serde::de::Error::custom("not a cursor this service issued"))
    }
}

/// The `limit` and `cursor` of a list request, validated.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<Uuid>,
}

impl PageRequest {
    pub fn new(limit: Option<i64>, cursor: Option<Cursor>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            let detail = format!("limit must be between 1 and {MAX_LIMIT}");
            return Err(ApiError::invalid_query(detail, "limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        Ok(Self { limit, after: cursor.map(|c| c.0) })
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

/// `{ "items": [...], "next_cursor": ... }`
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows ordered by id.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        request: &PageRequest,
        id: impl Fn(&R) -> Uuid,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let more = rows.len() as i64 > request.limit;
        rows.truncate(request.limit as usize);
        let next_cursor = if more { rows.last().map(|r| Cursor::encode(id(r))) } else { None };
        Self { items: rows.into_iter().map(view).collect(), next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_points_at_its_last_row() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let req = PageRequest::new(Some(2), None).expect("valid");
        let page = Page::from_rows(ids.clone(), &req, |id| *id, |id| id);
        assert_eq!(page.items, ids[..2]);
        assert_eq!(page.next_cursor, Some(Cursor::encode(ids[1])));
        let last = Page::from_rows(ids[2..].to_vec(), &req, |id| *id, |id| id);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        assert!(PageRequest::new(Some(0), None).is_err());
        assert!(PageRequest::new(Some(MAX_LIMIT + 1), None).is_err());
        assert!(PageRequest::new(None, None).is_ok());
    }
}

/// A position in a feed ordered by update time: `<microseconds since the epoch>-<id>`. Used where
/// callers poll for changes (`updated_since`), so the order is the order things changed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeCursor {
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub id: Uuid,
}

impl ChangeCursor {
    pub fn encode(updated_at: chrono::DateTime<chrono::Utc>, id: Uuid) -> String {
        format!("{}-{}", updated_at.timestamp_micros(), id.simple())
    }

    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::invalid_query(
                "cursor is not one this service issued",
                "cursor",
                "not a cursor this service issued",
            )
        };
        let (micros, id) = raw.split_once('-').ok_or_else(bad)?;
        let shaped = !micros.is_empty()
            && micros.len() <= 19
            && micros.bytes().all(|b| b.is_ascii_digit())
            && id.len() == 32
            && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !shaped {
            return Err(bad());
        }
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        let updated_at = chrono::DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
        let id = Uuid::try_parse(id).map_err(|_| bad())?;
        Ok(Self { updated_at, id })
    }
}

#[cfg(test)]
mod change_cursor_tests {
    use super::*;

    #[test]
    fn a_change_cursor_round_trips() {
        let at = chrono::DateTime::from_timestamp_micros(1_764_000_000_123_456).expect("time");
        let id = Uuid::now_v7();
        let parsed = ChangeCursor::parse(&ChangeCursor::encode(at, id)).expect("parses");
        assert_eq!((parsed.updated_at, parsed.id), (at, id));
        assert!(ChangeCursor::parse("12-xyz").is_err());
        assert!(ChangeCursor::parse("nonsense").is_err());
    }
}
