//! What a device's move causes elsewhere, decided from the device before and after the move.

use crate::devices::models::{Action, DeviceRow, DeviceStatus};
use crate::impact::rules::{Kind, kind_for};

/// The consequences of one move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Consequences {
    /// The device stopped being ready and at rest at its hub, so it leaves any pop-up session it
    /// was set aside for.
    pub leaves_session: bool,
    /// The device was put back into use (sold, lent) or recycled: counted in the impact ledger,
    /// once in its life.
    pub counts: Option<Kind>,
    /// The device was lost: a refurbishment job still open for it ends.
    pub ends_open_job: bool,
    /// The device became ready (returned, refunded, refurbished, released from a reservation):
    /// offered to the first person waiting for its kind at its hub.
    pub offered_to_hold: bool,
}

pub fn consequences(before: &DeviceRow, after: &DeviceRow, action: Option<Action>) -> Consequences {
    Consequences {
        leaves_session: after.status != DeviceStatus::Ready
            || after.transfer_to_hub_id.is_some()
            || after.hub_id != before.hub_id,
        counts: action.and_then(kind_for),
        ends_open_job: after.status == DeviceStatus::Lost && before.status != DeviceStatus::Lost,
        offered_to_hold: after.status == DeviceStatus::Ready && before.status != DeviceStatus::Ready,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::HubId;

    fn device(status: DeviceStatus, hub: Option<HubId>, travelling_to: Option<HubId>) -> DeviceRow {
        DeviceRow::example(status, hub, travelling_to)
    }

    #[test]
    fn a_sale_leaves_the_session_and_counts_as_reuse() {
        let hub = Some(HubId::new());
        let c = consequences(
            &device(DeviceStatus::Ready, hub, None),
            &device(DeviceStatus::Sold, hub, None),
            Some(Action::Sell),
        );
        assert_eq!(
            c,
            Consequences {
                leaves_session: true,
                counts: Some(Kind::Reused),
                ends_open_job: false,
                offered_to_hold: false
            }
        );
    }

    #[test]
    fn a_device_that_becomes_ready_is_offered_to_whoever_waits_and_stays_in_its_session() {
        let hub = Some(HubId::new());
        let returned = consequences(
            &device(DeviceStatus::OnLoan, hub, None),
            &device(DeviceStatus::Ready, hub, None),
            Some(Action::ReturnInGoodOrder),
        );
        assert!(returned.offered_to_hold && returned.counts.is_none());
        let described =
            consequences(&device(DeviceStatus::Ready, hub, None), &device(DeviceStatus::Ready, hub, None), None);
        assert_eq!(described, Consequences::default(), "a ready device at rest keeps its place and is not re-offered");
    }

    #[test]
    fn travelling_or_moving_hub_leaves_a_session_and_losing_ends_a_job() {
        let (here, there) = (Some(HubId::new()), Some(HubId::new()));
        let ready = device(DeviceStatus::Ready, here, None);
        assert!(consequences(&ready, &device(DeviceStatus::Ready, here, there), None).leaves_session);
        assert!(consequences(&ready, &device(DeviceStatus::Ready, there, None), None).leaves_session);
        let lost = consequences(
            &device(DeviceStatus::InRefurbishment, here, None),
            &device(DeviceStatus::Lost, here, None),
            Some(Action::MarkLost),
        );
        assert!(lost.ends_open_job && lost.counts.is_none());
        let recycled = consequences(
            &device(DeviceStatus::BeyondRepair, here, None),
            &device(DeviceStatus::Recycled, None, None),
            Some(Action::Recycle),
        );
        assert_eq!(recycled.counts, Some(Kind::Recycled));
    }
}
