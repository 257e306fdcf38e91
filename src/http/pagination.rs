//! Keyset pagination. Collections are ordered by id (UUID v7, so creation order); the cursor is
//! the last id of a page, so pages stay stable while rows are added, and each page costs one
//! index range scan however deep the caller goes.

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::error::{ApiError, FieldError};

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
            let mut e = ApiError::bad_request(format!("limit must be between 1 and {MAX_LIMIT}"));
            e.kind = "invalid-query";
            e.errors = vec![FieldError::new("limit", format!("must be between 1 and {MAX_LIMIT}"))];
            return Err(e);
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
