//! HTTP handlers of the users slice: accounts and API keys (admins), signing in, and the caller's
//! own account. The slice's refusals become problems here, in one place.

pub mod accounts;
pub mod api_keys;
pub mod me;
pub mod session;

use actix_web::http::StatusCode;

use super::rules::Refusal;
use crate::http::{ApiError, FieldError};

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::LastActiveAdmin => ApiError::conflict("this is the last active admin; make another admin first"),
            Refusal::DeletingLastActiveAdmin => ApiError::conflict("this is the last active admin"),
            Refusal::OwnAccount => ApiError::conflict("you cannot delete your own account"),
            Refusal::ScopeMismatch(errors) => {
                ApiError::conflict("the role, hubs and organisation would not fit together").with_errors(errors)
            }
            // 403: the caller is signed in but has not proved they know the password.
            Refusal::WrongPassword => ApiError::new(
                StatusCode::FORBIDDEN,
                "wrong-password",
                "Wrong password",
                "current_password is not your current password",
            )
            .with_errors(vec![FieldError::new("current_password", "is not your current password")]),
        }
    }
}
