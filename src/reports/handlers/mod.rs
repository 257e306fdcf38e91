//! HTTP handlers of the reports: sustainability (`sustainability`), distribution (`distribution`),
//! exclusion risk (`exclusion`) and the charts drawn from the first two (`chart`). Each parses its
//! query, checks the caller may read reports, reads through the repo and leaves the sums to the
//! rules. The slice's refusals become problems here, in one place.

pub mod chart;
pub mod distribution;
pub mod exclusion;
pub mod sustainability;

use super::rules::Refusal;
use crate::http::ApiError;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::BadQuery { field, message } => bad_query(field, message),
            Refusal::UnknownFactorSet => ApiError::unknown_reference("factor_set"),
        }
    }
}

/// 400 for a query parameter that cannot be used, naming it.
pub fn bad_query(field: &str, message: String) -> ApiError {
    ApiError::invalid_query(format!("{field}: {message}"), field, message)
}
