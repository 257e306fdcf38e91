//! HTTP handlers of the sales slice: reading sales (`read`), selling and refunding (`sell`) and
//! receipts (`receipt`). The slice's refusals become problems here, in one place.

pub mod read;
pub mod receipt;
pub mod sell;

use actix_web::http::StatusCode;
use diesel::pg::PgConnection;
use serde_json::Value;

use super::models::Sale;
use super::repo;
use super::rules::Refusal;
use crate::http::ApiError;
use crate::ids::ResidentId;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("sale"),
            Refusal::OverrideNeedsAdmin => {
                ApiError::forbidden().with_detail("only an admin may override the household rule")
            }
            Refusal::HouseholdRule { receipt_number, sold_at, months } => ApiError::new(
                StatusCode::CONFLICT,
                "household-rule",
                "Household rule",
                format!(
                    "this resident bought a device on {} (receipt {receipt_number}); the scheme allows one every {months} months. An admin may override it with a reason",
                    sold_at.date_naive()
                ),
            )
            .with_extension("previous_receipt_number", receipt_number)
            .with_extension("previous_sale_at", sold_at.to_rfc3339()),
            Refusal::SessionClosed => ApiError::conflict("the pop-up session is closed"),
            Refusal::NotSetAsideForSession => ApiError::conflict("the device is not set aside for this session"),
            Refusal::SetAsideForSession => {
                ApiError::conflict("the device is set aside for a pop-up session; sell it there")
            }
            Refusal::WipeRequired => ApiError::new(
                StatusCode::CONFLICT,
                "wipe-required",
                "Data wipe required",
                "the device has no verified data wipe on record",
            ),
            Refusal::AlreadyRefunded => ApiError::conflict("this sale was already refunded"),
            Refusal::TooLateToRefund { window_days, sold_at } => ApiError::conflict(format!(
                "refunds are possible for {window_days} days after a sale; this one was on {}",
                sold_at.date_naive()
            )),
        }
    }
}

/// The resident's sales, for a subject access export.
pub fn export_section(conn: &mut PgConnection, resident: ResidentId) -> Result<Vec<Value>, ApiError> {
    repo::of_resident(conn, resident)?
        .into_iter()
        .map(|s| serde_json::to_value(Sale::from(s)).map_err(ApiError::internal))
        .collect()
}
