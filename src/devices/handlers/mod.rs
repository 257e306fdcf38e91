//! HTTP handlers of the devices slice: reading and describing devices (`read`), their labels
//! (`label`), custody moves hub staff make (`custody`) and recycling (`recycle`). Every refusal of
//! the slice becomes a problem here, in one place, for whichever slice met it.

pub mod custody;
pub mod label;
pub mod read;
pub mod recycle;

use actix_web::http::StatusCode;

use super::repo::DeviceError;
use super::rules::Refusal;
use super::rules::lifecycle::{self, IllegalMove};
use crate::http::ApiError;

/// The application's `Effects` (`crate::handover`), as app data for the handlers that move devices.
pub type Effects = actix_web::web::Data<dyn super::repo::moves::Effects>;

/// 409 for a move the lifecycle does not allow, naming the status and what is allowed instead.
fn illegal(e: IllegalMove) -> ApiError {
    let allowed: Vec<&str> = e.allowed_actions.iter().map(|a| a.as_str()).collect();
    ApiError::new(StatusCode::CONFLICT, "illegal-transition", "Not allowed in the device's status", e.to_string())
        .with_extension("current_status", e.current_status.as_str())
        .with_extension("allowed_actions", allowed)
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("device"),
            Refusal::UnknownReference(field) => ApiError::unknown_reference(field),
            Refusal::Illegal(e) => illegal(e),
            Refusal::ChangedMeanwhile { now } => {
                let allowed: Vec<&str> = lifecycle::allowed(now).iter().map(|a| a.as_str()).collect();
                ApiError::conflict(format!("the device changed while this request ran; it is now {now}"))
                    .with_extension("current_status", now.as_str())
                    .with_extension("allowed_actions", allowed)
            }
            Refusal::OnItsWay => ApiError::conflict("the device is on its way to your hub; receive it first"),
            Refusal::InTransit => ApiError::conflict("the device is in transit between hubs"),
            Refusal::NotAtHub => ApiError::conflict("the device is not at a hub"),
            Refusal::OpenJob => {
                ApiError::conflict("the device has an open refurbishment job; finish or cancel it first")
            }
            Refusal::AlreadyTravelling { to } => {
                ApiError::conflict(format!("the device is already on its way to hub {to}"))
            }
            Refusal::NotInStock { status } => ApiError::conflict(format!(
                "a device that is {status} cannot be transferred; only received, awaiting_refurbishment, ready, awaiting_reset or beyond_repair devices can"
            ))
            .with_extension("current_status", status.as_str()),
            Refusal::InactiveHub => ApiError::conflict("to_hub_id: the hub is no longer active"),
            Refusal::AlreadyAtHub => ApiError::conflict("to_hub_id: the device is already at this hub"),
            Refusal::NotInTransit => ApiError::conflict("the device is not in transit"),
            Refusal::NotTheDestination => ApiError::conflict("only the hub the device is travelling to can receive it"),
            Refusal::OnLoan => ApiError::conflict(
                "the device is on loan: write the loan off with POST /api/v1/loans/{id}/mark-lost",
            )
            .with_extension("current_status", "on_loan"),
            Refusal::ReservedForHold => ApiError::conflict("the device is reserved for a hold: cancel the hold first")
                .with_extension("current_status", "reserved"),
            // The same answer as for any organisation named for a part it does not play.
            Refusal::NotARecycler => ApiError::conflict("recycler_id: this organisation is not recorded as a recycler")
                .with_errors(vec![crate::http::FieldError::new("recycler_id", "is not recorded as a recycler")]),
            Refusal::ResetRequired => ApiError::reset_required(),
        }
    }
}

impl From<DeviceError> for ApiError {
    fn from(error: DeviceError) -> Self {
        match error {
            DeviceError::Refused(refusal) => refusal.into(),
            DeviceError::Query(e) => e.into(),
            DeviceError::Elsewhere(e) => e,
        }
    }
}
