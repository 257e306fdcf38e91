//! What a pop-up session may hold: devices ready at its hub, at most 500 at a time, while open.

use crate::devices::models::{DeviceRow, DeviceStatus};
use crate::http::{FieldError, Problems};
use crate::sales_sessions::models::{NewSession, SessionRow, SetAside};

/// Most devices set aside in one request.
pub const MAX_DEVICES: usize = 500;

/// Why a session cannot change as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// Closed sessions take no devices.
    Closed,
    /// Closing twice.
    AlreadyClosed,
    /// Some devices cannot be set aside (each named); none were.
    Unavailable(Vec<FieldError>),
}

pub fn check_new(input: &NewSession) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    if let Some(name) = &input.name {
        problems.length("name", name, 0, 200);
    }
    problems.check(input.device_ids.len() <= MAX_DEVICES, "device_ids", "at most 500 devices");
    problems.into_errors()
}

pub fn check_set_aside(input: &SetAside) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.check((1..=MAX_DEVICES).contains(&input.device_ids.len()), "device_ids", "give 1 to 500 devices");
    problems.into_errors()
}

pub fn open(session: &SessionRow) -> Result<(), Refusal> {
    if session.closed_at.is_some() { Err(Refusal::Closed) } else { Ok(()) }
}

/// Why the device (named by `field`) cannot be set aside for the session, if it cannot.
pub fn settable(field: &str, session: &SessionRow, device: &DeviceRow) -> Option<FieldError> {
    let ready_there = device.status == DeviceStatus::Ready
        && device.hub_id == Some(session.hub_id)
        && device.transfer_to_hub_id.is_none();
    if !ready_there {
        return Some(FieldError::new(field, format!("must be ready at the session's hub (it is {})", device.status)));
    }
    (!crate::devices::rules::custody::sanitised_for_next(device))
        .then(|| FieldError::new(field, "was handed to someone since it was last reset or wiped; record a reset first"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DeviceId;

    #[test]
    fn between_one_and_five_hundred_devices_at_a_time() {
        assert!(check_set_aside(&SetAside { device_ids: vec![] }).is_err());
        assert!(check_set_aside(&SetAside { device_ids: vec![DeviceId::new()] }).is_ok());
        assert!(check_set_aside(&SetAside { device_ids: vec![DeviceId::new(); 501] }).is_err());
    }
}
