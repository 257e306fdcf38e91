//! When a reset may be recorded and what it does to the device.

use chrono::{DateTime, Duration, Utc};

use super::models::NewReset;
use crate::devices::models::{Action, Category, DeviceStatus};
use crate::devices::rules::fields::holds_data;
use crate::http::{FieldError, Problems};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// With a resident now (on loan, sold): it is reset when it comes back.
    WithResident {
        status: DeviceStatus,
    },
    /// With a refurbisher, or out of use: a partner's wipe is what sanitises it.
    NotAtCounter {
        status: DeviceStatus,
    },
    /// Already reset or wiped since it was last handed over.
    AlreadySanitised {
        status: DeviceStatus,
    },
}

pub fn check(input: &NewReset, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    if let Some(notes) = &input.notes {
        problems.length("notes", notes, 0, 2000);
    }
    if let Some(at) = input.performed_at {
        problems.check(at <= now + Duration::minutes(5), "performed_at", "must not be in the future");
    }
    problems.into_errors()
}

/// What recording a reset does to a device in `status`: a verified reset of a device awaiting one
/// makes it ready; an unverified one is kept as evidence and moves nothing. A device in stock that
/// went back to ready without one (before resets were recorded) may be reset there; one already
/// sanitised since its last hand-over needs no second reset (so a repeated request is refused,
/// not doubled).
pub fn outcome(status: DeviceStatus, verified: bool, sanitised_for_next: bool) -> Result<Option<Action>, Refusal> {
    use DeviceStatus as S;
    match status {
        S::AwaitingReset => Ok(verified.then_some(Action::Reset)),
        S::Ready | S::Reserved if sanitised_for_next => Err(Refusal::AlreadySanitised { status }),
        S::Ready | S::Reserved => Ok(None),
        S::OnLoan | S::Sold => Err(Refusal::WithResident { status }),
        _ => Err(Refusal::NotAtCounter { status }),
    }
}

/// A device that holds no data (a monitor, an accessory) has nothing of the last person's on it:
/// back from them, it is ready without a reset.
pub fn needs_no_reset(category: Category, status: DeviceStatus) -> bool {
    status == DeviceStatus::AwaitingReset && !holds_data(category)
}

/// A reset done before the device's last hand-over sanitised the previous person's use, not the
/// last one's: refused, so the record cannot look like it opened the gate.
pub fn after_hand_over(performed_at: DateTime<Utc>, handed_over_at: Option<DateTime<Utc>>) -> Result<(), FieldError> {
    match handed_over_at {
        Some(handed) if performed_at <= handed => Err(FieldError::new(
            "performed_at",
            format!("is before the device was last handed over ({})", handed.to_rfc3339()),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resets::models::ResetMethod;
    use DeviceStatus as S;

    fn reset(performed_at: Option<DateTime<Utc>>) -> NewReset {
        NewReset { method: ResetMethod::FactoryReset, verified: true, notes: None, performed_at }
    }

    #[test]
    fn only_a_verified_reset_of_a_device_awaiting_one_makes_it_ready() {
        assert_eq!(outcome(S::AwaitingReset, true, false), Ok(Some(Action::Reset)));
        assert_eq!(outcome(S::AwaitingReset, false, false), Ok(None));
    }

    #[test]
    fn a_ready_device_is_reset_only_when_it_went_back_without_one() {
        assert_eq!(outcome(S::Ready, true, false), Ok(None));
        assert_eq!(outcome(S::Reserved, true, false), Ok(None));
        assert_eq!(outcome(S::Ready, true, true), Err(Refusal::AlreadySanitised { status: S::Ready }));
    }

    #[test]
    fn a_device_with_a_resident_or_a_refurbisher_is_not_reset_at_the_counter() {
        assert_eq!(outcome(S::OnLoan, true, false), Err(Refusal::WithResident { status: S::OnLoan }));
        assert_eq!(outcome(S::Sold, true, false), Err(Refusal::WithResident { status: S::Sold }));
        for status in [S::Received, S::InRefurbishment, S::Recycled, S::Lost] {
            assert_eq!(outcome(status, true, false), Err(Refusal::NotAtCounter { status }));
        }
    }

    #[test]
    fn a_monitor_back_from_someone_needs_no_reset_but_a_laptop_does() {
        assert!(needs_no_reset(Category::Monitor, S::AwaitingReset));
        assert!(!needs_no_reset(Category::Laptop, S::AwaitingReset));
        assert!(!needs_no_reset(Category::Monitor, S::Ready));
    }

    #[test]
    fn times_in_the_future_or_before_the_hand_over_are_refused() {
        let now = Utc::now();
        assert!(check(&reset(None), now).is_ok());
        assert!(check(&reset(Some(now + Duration::hours(1))), now).is_err());
        let long = NewReset { notes: Some("x".repeat(2001)), ..reset(None) };
        assert!(check(&long, now).is_err());
        assert!(after_hand_over(now, Some(now - Duration::days(1))).is_ok());
        assert!(after_hand_over(now - Duration::days(2), Some(now - Duration::days(1))).is_err());
        assert!(after_hand_over(now, None).is_ok());
    }
}
