//! HTTP handlers of the residents slice: the records staff keep (`records`) and the data-protection
//! rights admins carry out (`privacy`). The slice's refusals become problems here, in one place,
//! for whichever slice met them.

pub mod privacy;
pub mod records;

use super::repo::ResidentError;
use super::rules::Refusal;
use crate::http::ApiError;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("resident"),
            Refusal::UnknownReference(field) => ApiError::unknown_reference(field),
            Refusal::Erased => ApiError::conflict("this resident's personal data was erased; register them again"),
            Refusal::ErasedForService => ApiError::conflict("this resident's record was erased; register them again"),
        }
    }
}

impl From<ResidentError> for ApiError {
    fn from(error: ResidentError) -> Self {
        match error {
            ResidentError::Refused(refusal) => refusal.into(),
            ResidentError::Query(e) => e.into(),
        }
    }
}
