//! The hold queue's decisions: which device a waiting hold may be offered, how long a reserved
//! device is kept, when a reservation has lapsed, and which holds can still be cancelled.

use chrono::{DateTime, Duration, Utc};

use crate::devices::models::{DeviceRow, DeviceStatus};
use crate::holds::models::{Hold, HoldStatus};
use crate::ids::HubId;

/// Why a hold cannot change as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// Fulfilled, expired or cancelled already.
    Closed {
        status: HoldStatus,
    },
}

/// The hub and category a device can be offered at: a ready device, at rest at a hub.
pub fn offerable(device: &DeviceRow) -> Option<HubId> {
    match (device.hub_id, device.status, device.transfer_to_hub_id) {
        // Not one still carrying its last borrower's data (ready from before resets were kept).
        (Some(hub), DeviceStatus::Ready, None) if crate::devices::rules::custody::sanitised_for_next(device) => {
            Some(hub)
        }
        _ => None,
    }
}

/// The deadline to collect, moved to the end of the hub's next open day when it falls on a day
/// the hub is closed (`open_day` is the first open day from the deadline's own).
pub fn collect_by(until: DateTime<Utc>, open_day: chrono::NaiveDate) -> DateTime<Utc> {
    if crate::calendar::local_date(until) == open_day { until } else { crate::calendar::end_of_day(open_day) }
}

/// Until when a device reserved now is kept for its holder.
pub fn kept_until(now: DateTime<Utc>, hold_days: i32) -> DateTime<Utc> {
    now + Duration::days(i64::from(hold_days))
}

/// Whether a ready hold's time to collect has passed.
pub fn lapsed(hold: &Hold, now: DateTime<Utc>) -> bool {
    hold.status == HoldStatus::Ready && hold.expires_at.is_some_and(|t| t < now)
}

/// Only a waiting or ready hold can be cancelled.
pub fn may_cancel(hold: &Hold) -> Result<(), Refusal> {
    match hold.status {
        HoldStatus::Waiting | HoldStatus::Ready => Ok(()),
        status => Err(Refusal::Closed { status }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::models::Category;
    use crate::ids::{HoldId, ResidentId};

    #[test]
    fn a_deadline_on_a_closed_day_moves_to_the_end_of_the_next_open_one() {
        use chrono::TimeZone;
        let sunday_noon = Utc.with_ymd_and_hms(2026, 12, 20, 12, 0, 0).single().expect("valid");
        let monday = chrono::NaiveDate::from_ymd_opt(2026, 12, 21).expect("valid");
        assert_eq!(collect_by(sunday_noon, monday), crate::calendar::end_of_day(monday));
        assert_eq!(collect_by(sunday_noon, sunday_noon.date_naive()), sunday_noon, "open that day: unchanged");
    }

    fn hold(status: HoldStatus, expires_at: Option<DateTime<Utc>>) -> Hold {
        let now = Utc::now();
        Hold {
            id: HoldId::new(),
            resident_id: ResidentId::new(),
            hub_id: HubId::new(),
            category: Category::Laptop,
            status,
            device_id: None,
            ready_at: None,
            expires_at,
            created_by: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_reservation_lapses_only_once_its_time_has_passed() {
        let now = Utc::now();
        assert!(lapsed(&hold(HoldStatus::Ready, Some(now - Duration::minutes(1))), now));
        assert!(!lapsed(&hold(HoldStatus::Ready, Some(now + Duration::minutes(1))), now));
        assert!(!lapsed(&hold(HoldStatus::Waiting, None), now));
        assert_eq!(kept_until(now, 3), now + Duration::days(3));
    }

    #[test]
    fn closed_holds_cannot_be_cancelled() {
        assert_eq!(may_cancel(&hold(HoldStatus::Waiting, None)), Ok(()));
        assert_eq!(may_cancel(&hold(HoldStatus::Ready, None)), Ok(()));
        for status in [HoldStatus::Fulfilled, HoldStatus::Expired, HoldStatus::Cancelled] {
            assert_eq!(may_cancel(&hold(status, None)), Err(Refusal::Closed { status }));
        }
    }
}
