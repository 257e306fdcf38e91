//! HTTP handlers of the loans slice: lists and single loans (`read`) and lending itself
//! (`lending`). The slice's refusals become problems here, in one place.

pub mod lending;
pub mod read;

use actix_web::http::StatusCode;
use chrono::Utc;
use diesel::pg::PgConnection;
use serde_json::Value;

use super::models::Loan;
use super::repo;
use super::rules::Refusal;
use crate::http::ApiError;
use crate::ids::ResidentId;

fn refusal(kind: &'static str, title: &'static str, detail: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, kind, title, detail)
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::NotFound => ApiError::not_found("loan"),
            Refusal::LongerLoanNeedsAdmin => {
                ApiError::forbidden().with_detail("only an admin may set a longer due date")
            }
            Refusal::ReservedForSomeoneElse => refusal(
                "reserved",
                "Reserved for someone else",
                "the device is reserved for another resident's hold".into(),
            ),
            Refusal::SetAsideForSale => ApiError::conflict("the device is set aside for a pop-up sales session"),
            Refusal::LoanLimit { open, limit } => refusal(
                "loan-limit",
                "Loan limit reached",
                format!("the resident already has {open} device(s) on loan; the limit is {limit}"),
            ),
            Refusal::OverdueLoan => refusal(
                "overdue-loan",
                "Overdue loan",
                "the resident has an overdue loan; it must come back first".into(),
            ),
            Refusal::DueDateOutOfRange => ApiError::invalid_field("due_on", "must be after today and within a year"),
            Refusal::Closed => {
                refusal("loan-closed", "Loan already closed", "this loan was already returned or marked lost".into())
            }
            Refusal::Renewal(reason) => refusal("renewal-refused", "Renewal refused", reason.to_string()),
            Refusal::NotOverdueEnough { overdue, after } => refusal(
                "not-overdue-enough",
                "Not overdue long enough",
                format!("a loan can be marked lost after {after} days overdue; this one is {overdue}"),
            ),
            Refusal::ChangedMeanwhile => ApiError::conflict("the loan changed while this request ran; read it again"),
        }
    }
}

/// The resident's loans, for a subject access export.
pub fn export_section(conn: &mut PgConnection, resident: ResidentId) -> Result<Vec<Value>, ApiError> {
    let now = Utc::now();
    repo::of_resident(conn, resident)?
        .into_iter()
        .map(|l| serde_json::to_value(Loan::new(l, now)).map_err(ApiError::internal))
        .collect()
}
