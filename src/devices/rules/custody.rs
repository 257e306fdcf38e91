//! Who may see and hold a device, and when it may travel between hubs, be received, be marked
//! lost or be handed to a resident. Admins see every device; hub staff see devices at their hubs
//! and those travelling to them; partners see the devices their organisation was given to work
//! on. Anything else is "not found", so ids leak nothing.

use crate::auth::{Actor, Role};
use crate::devices::models::{Action, DeviceRow, DeviceStatus};
use crate::devices::rules::lifecycle::{self, IllegalMove};
use crate::ids::HubId;

/// Why a device cannot be seen, held or moved as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such device, or one the caller may not see.
    NotFound,
    /// A body field names a device that does not exist or the caller may not see.
    UnknownReference(&'static str),
    /// The lifecycle does not allow the action from the device's status.
    Illegal(IllegalMove),
    /// Another request moved the device first; it is now `now`.
    ChangedMeanwhile { now: DeviceStatus },
    /// Travelling to the caller's hub, not yet received.
    OnItsWay,
    /// Travelling between hubs, so not to be handed over.
    InTransit,
    /// Not at any hub.
    NotAtHub,
    /// Still with a refurbisher.
    OpenJob,
    /// Already travelling.
    AlreadyTravelling { to: HubId },
    /// Not held in stock, so it cannot travel.
    NotInStock { status: DeviceStatus },
    /// The destination hub is closed for good.
    InactiveHub,
    /// The destination is where the device already is.
    AlreadyAtHub,
    /// Nothing to receive.
    NotInTransit,
    /// Only the destination hub receives a device.
    NotTheDestination,
    /// On loan: the loan's own write-off keeps the resident's record right.
    OnLoan,
    /// Reserved for a hold: the hold must be cancelled first.
    ReservedForHold,
    /// The organisation named to recycle the device is not recorded as a recycler.
    NotARecycler,
    /// Handed to someone since it was last reset or wiped: sanitise it before the next person.
    ResetRequired,
}

/// Whether the actor may see the device, given whether the actor's organisation was given it.
pub fn may_see(actor: &Actor, device: &DeviceRow, given_to_actors_organisation: bool) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::HubStaff => {
            device.hub_id.is_some_and(|h| actor.hub_ids.contains(&h))
                || device.transfer_to_hub_id.is_some_and(|h| actor.hub_ids.contains(&h))
        }
        Role::Partner => given_to_actors_organisation,
        Role::Reporter | Role::PlatformAdmin => false,
    }
}

/// Whether a list filtered to `hub` (if any) needs no further limit to what the actor may see:
/// admins see everything, and staff see every device at one of their own hubs. The list then
/// asks the database only for that hub's devices (an index range in id order, not a merge of the
/// caller's hubs and the devices travelling to them, sorted afterwards).
pub fn sees_all_of(actor: &Actor, hub: Option<HubId>) -> bool {
    actor.is_admin() || (actor.role == Role::HubStaff && hub.is_some_and(|h| actor.hub_ids.contains(&h)))
}

/// A device the actor sees is in their hands when they are an admin or it is at one of their hubs
/// (not merely travelling to one).
pub fn in_custody(actor: &Actor, device: &DeviceRow) -> Result<(), Refusal> {
    if actor.is_admin() || device.hub_id.is_some_and(|h| actor.hub_ids.contains(&h)) {
        Ok(())
    } else {
        Err(Refusal::OnItsWay)
    }
}

/// A device about to be handed to a resident (`Sell`, `Lend`): its status allows `action` and it
/// is at a hub, not travelling. Returns that hub.
pub fn hand_over(device: &DeviceRow, action: Action) -> Result<HubId, Refusal> {
    lifecycle::next(device.status, action).map_err(Refusal::Illegal)?;
    if device.transfer_to_hub_id.is_some() {
        return Err(Refusal::InTransit);
    }
    if !sanitised_for_next(device) {
        return Err(Refusal::ResetRequired);
    }
    device.hub_id.ok_or(Refusal::NotAtHub)
}

/// Whether the device may go to the next person as far as its last owner is concerned: nothing to
/// wipe, never handed over, or reset or wiped since it was (DESIGN §10). The database's gate
/// decides the same (`device_sanitised_for_next`); this answers first, with the reason.
pub fn sanitised_for_next(device: &DeviceRow) -> bool {
    match device.handed_over_at {
        None => true,
        Some(_) if !super::fields::holds_data(device.category) => true,
        Some(handed) => device.sanitised_at.is_some_and(|s| s > handed),
    }
}

/// Whether the device may start travelling at all: in stock, at rest, not with a refurbisher.
pub fn may_travel(device: &DeviceRow, has_open_job: bool) -> Result<(), Refusal> {
    if has_open_job {
        return Err(Refusal::OpenJob);
    }
    if let Some(to) = device.transfer_to_hub_id {
        return Err(Refusal::AlreadyTravelling { to });
    }
    if !device.status.is_in_stock() {
        return Err(Refusal::NotInStock { status: device.status });
    }
    Ok(())
}

/// Whether `to` (active or not) can be the device's destination: another hub, still open.
pub fn destination(device: &DeviceRow, to: HubId, to_active: bool) -> Result<(), Refusal> {
    if !to_active {
        return Err(Refusal::InactiveHub);
    }
    if device.hub_id == Some(to) {
        return Err(Refusal::AlreadyAtHub);
    }
    Ok(())
}

/// The hub receiving a travelling device: the one it is travelling to, if the actor works there.
pub fn receive(actor: &Actor, device: &DeviceRow) -> Result<HubId, Refusal> {
    let to = device.transfer_to_hub_id.ok_or(Refusal::NotInTransit)?;
    if actor.works_at(to) { Ok(to) } else { Err(Refusal::NotTheDestination) }
}

/// Loans and holds have their own ways to end, which keep the resident's record right.
pub fn mark_lost(device: &DeviceRow) -> Result<(), Refusal> {
    match device.status {
        DeviceStatus::OnLoan => Err(Refusal::OnLoan),
        DeviceStatus::Reserved => Err(Refusal::ReservedForHold),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    fn device(status: DeviceStatus, hub: Option<HubId>, travelling_to: Option<HubId>) -> DeviceRow {
        DeviceRow::example(status, hub, travelling_to)
    }

    fn staff(hubs: Vec<HubId>) -> Actor {
        Actor {
            scheme_id: crate::ids::SchemeId::FIRST,
            user_id: UserId::new(),
            role: Role::HubStaff,
            hub_ids: hubs,
            organisation_id: None,
            rules: crate::config::SchemeRules::standard(),
        }
    }

    #[test]
    fn staff_see_their_hubs_and_what_travels_to_them_and_hold_only_what_arrived() {
        let (here, there) = (HubId::new(), HubId::new());
        let me = staff(vec![here]);
        let arriving = device(DeviceStatus::Ready, Some(there), Some(here));
        assert!(may_see(&me, &arriving, false));
        assert_eq!(in_custody(&me, &arriving), Err(Refusal::OnItsWay));
        assert!(!may_see(&me, &device(DeviceStatus::Ready, Some(there), None), false));
        assert_eq!(in_custody(&me, &device(DeviceStatus::Ready, Some(here), None)), Ok(()));
    }

    #[test]
    fn a_list_of_ones_own_hub_needs_no_further_limit_but_another_hubs_does() {
        let (here, there) = (HubId::new(), HubId::new());
        let me = staff(vec![here]);
        assert!(sees_all_of(&me, Some(here)));
        assert!(!sees_all_of(&me, Some(there)), "only what travels from there to my hubs");
        assert!(!sees_all_of(&me, None));
        let admin = Actor { role: Role::Admin, hub_ids: vec![], ..staff(vec![]) };
        assert!(sees_all_of(&admin, None));
    }

    #[test]
    fn a_hand_over_waits_for_a_reset_after_the_last_one() {
        let hub = HubId::new();
        let mut lent_before = device(DeviceStatus::Ready, Some(hub), None);
        let now = chrono::Utc::now();
        lent_before.handed_over_at = Some(now - chrono::Duration::days(30));
        lent_before.sanitised_at = Some(now - chrono::Duration::days(40));
        assert_eq!(hand_over(&lent_before, Action::Lend), Err(Refusal::ResetRequired));
        lent_before.sanitised_at = Some(now - chrono::Duration::days(1));
        assert_eq!(hand_over(&lent_before, Action::Lend), Ok(hub));
        let mut monitor = device(DeviceStatus::Ready, Some(hub), None);
        monitor.category = crate::devices::models::Category::Monitor;
        monitor.handed_over_at = Some(now);
        assert_eq!(hand_over(&monitor, Action::Sell), Ok(hub), "nothing on it to reset");
    }

    #[test]
    fn a_hand_over_needs_the_right_status_and_a_device_at_rest_at_a_hub() {
        let hub = HubId::new();
        assert_eq!(hand_over(&device(DeviceStatus::Ready, Some(hub), None), Action::Sell), Ok(hub));
        assert_eq!(
            hand_over(&device(DeviceStatus::Ready, Some(hub), Some(HubId::new())), Action::Sell),
            Err(Refusal::InTransit)
        );
        assert!(matches!(
            hand_over(&device(DeviceStatus::Sold, Some(hub), None), Action::Lend),
            Err(Refusal::Illegal(_))
        ));
    }

    #[test]
    fn only_stock_at_rest_travels_and_only_to_another_active_hub() {
        let (here, there) = (HubId::new(), HubId::new());
        let ready = device(DeviceStatus::Ready, Some(here), None);
        assert_eq!(may_travel(&ready, false), Ok(()));
        assert_eq!(destination(&ready, there, true), Ok(()));
        assert_eq!(may_travel(&ready, true), Err(Refusal::OpenJob));
        assert_eq!(destination(&ready, there, false), Err(Refusal::InactiveHub));
        assert_eq!(destination(&ready, here, true), Err(Refusal::AlreadyAtHub));
        let sold = device(DeviceStatus::Sold, Some(here), None);
        assert_eq!(may_travel(&sold, false), Err(Refusal::NotInStock { status: DeviceStatus::Sold }));
        let travelling = device(DeviceStatus::Ready, Some(here), Some(there));
        assert_eq!(may_travel(&travelling, false), Err(Refusal::AlreadyTravelling { to: there }));
        assert_eq!(receive(&staff(vec![there]), &travelling), Ok(there));
        assert_eq!(receive(&staff(vec![here]), &travelling), Err(Refusal::NotTheDestination));
        assert_eq!(receive(&staff(vec![here]), &ready), Err(Refusal::NotInTransit));
    }

    #[test]
    fn loans_and_holds_end_their_own_way() {
        assert_eq!(mark_lost(&device(DeviceStatus::OnLoan, None, None)), Err(Refusal::OnLoan));
        assert_eq!(mark_lost(&device(DeviceStatus::Reserved, None, None)), Err(Refusal::ReservedForHold));
        assert_eq!(mark_lost(&device(DeviceStatus::Ready, None, None)), Ok(()));
    }
}
