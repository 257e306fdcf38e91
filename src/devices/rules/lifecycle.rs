//! The device lifecycle (DESIGN §4) as a pure function: given a status and an action, the next
//! status or the reason it is refused. Every move in the service goes through `next`; the database
//! update is then conditional on the status read, so two concurrent moves cannot both succeed.
//!
//! ```text
//! received → awaiting_refurbishment → in_refurbishment → ready ─┬→ on_loan ─(returned ok)→ awaiting_reset ─(reset)→ ready
//!                                               │               │          └(damaged)→ in_refurbishment
//!                                               │               ├→ reserved → on_loan
//!                                               │               └→ sold ─(refund)→ awaiting_reset / in_refurbishment
//!                                               └→ beyond_repair → recycled
//! any non-final state → lost
//! ```

use serde::Serialize;

use crate::devices::models::{Action, DeviceStatus};

/// A refused move: what the device is, and what could be done with it instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IllegalMove {
    pub current_status: DeviceStatus,
    pub action: Action,
    pub allowed_actions: Vec<Action>,
}

impl std::fmt::Display for IllegalMove {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "a device that is {} cannot be {}", self.current_status, describe(self.action))?;
        if self.allowed_actions.is_empty() {
            write!(f, "; nothing more can happen to it")
        } else {
            let names: Vec<&str> = self.allowed_actions.iter().map(|a| a.as_str()).collect();
            write!(f, "; allowed now: {}", names.join(", "))
        }
    }
}

fn describe(action: Action) -> &'static str {
    use Action::*;
    match action {
        AssignForRefurbishment => "assigned for refurbishment",
        StartRefurbishment => "started on by a refurbisher",
        CancelRefurbishment => "taken off refurbishment",
        CompleteRefurbishment => "completed by a refurbisher",
        DeclareBeyondRepair => "declared beyond repair",
        Recycle => "recycled",
        Reserve => "reserved",
        ReleaseReservation => "released from a reservation",
        Lend => "lent",
        ReturnInGoodOrder | ReturnDamaged => "returned from loan",
        Sell => "sold",
        Refund | RefundFaulty => "refunded",
        MarkLost => "marked lost",
        Reset => "reset for the next person",
    }
}

/// The status after `action`, or why it is not allowed.
pub fn next(current: DeviceStatus, action: Action) -> Result<DeviceStatus, IllegalMove> {
    transition(current, action).ok_or_else(|| IllegalMove {
        current_status: current,
        action,
        allowed_actions: allowed(current),
    })
}

/// Every action `next` accepts from `current`.
pub fn allowed(current: DeviceStatus) -> Vec<Action> {
    Action::ALL.iter().copied().filter(|a| transition(current, *a).is_some()).collect()
}

fn transition(current: DeviceStatus, action: Action) -> Option<DeviceStatus> {
    use Action as A;
    use DeviceStatus as S;
    Some(match (current, action) {
        // In refurbishment without a job (a damaged return, a faulty refund): give it to a partner.
        (S::Received | S::Ready | S::InRefurbishment | S::AwaitingReset, A::AssignForRefurbishment) => {
            S::AwaitingRefurbishment
        }
        (S::AwaitingRefurbishment, A::StartRefurbishment) => S::InRefurbishment,
        (S::AwaitingRefurbishment | S::InRefurbishment, A::CancelRefurbishment) => S::Received,
        (S::InRefurbishment, A::CompleteRefurbishment) => S::Ready,
        (S::InRefurbishment, A::DeclareBeyondRepair) => S::BeyondRepair,
        (S::BeyondRepair, A::Recycle) => S::Recycled,
        (S::Ready, A::Reserve) => S::Reserved,
        (S::Reserved, A::ReleaseReservation) => S::Ready,
        (S::Ready | S::Reserved, A::Lend) => S::OnLoan,
        // Given back in good order: sanitised before anyone else has it (DESIGN §10).
        (S::OnLoan, A::ReturnInGoodOrder) => S::AwaitingReset,
        (S::OnLoan, A::ReturnDamaged) => S::InRefurbishment,
        (S::Ready, A::Sell) => S::Sold,
        (S::Sold, A::Refund) => S::AwaitingReset,
        (S::Sold, A::RefundFaulty) => S::InRefurbishment,
        (S::AwaitingReset, A::Reset) => S::Ready,
        (from, A::MarkLost) if !from.is_final() => S::Lost,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use DeviceStatus as S;

    /// The whole table: every (status, action) pair and its expected outcome.
    fn expected(from: DeviceStatus, action: Action) -> Option<DeviceStatus> {
        Some(match (from, action) {
            (S::Received, A::AssignForRefurbishment) => S::AwaitingRefurbishment,
            (S::Ready, A::AssignForRefurbishment) => S::AwaitingRefurbishment,
            (S::InRefurbishment, A::AssignForRefurbishment) => S::AwaitingRefurbishment,
            (S::AwaitingReset, A::AssignForRefurbishment) => S::AwaitingRefurbishment,
            (S::AwaitingRefurbishment, A::StartRefurbishment) => S::InRefurbishment,
            (S::AwaitingRefurbishment, A::CancelRefurbishment) => S::Received,
            (S::InRefurbishment, A::CancelRefurbishment) => S::Received,
            (S::InRefurbishment, A::CompleteRefurbishment) => S::Ready,
            (S::InRefurbishment, A::DeclareBeyondRepair) => S::BeyondRepair,
            (S::BeyondRepair, A::Recycle) => S::Recycled,
            (S::Ready, A::Reserve) => S::Reserved,
            (S::Reserved, A::ReleaseReservation) => S::Ready,
            (S::Ready, A::Lend) => S::OnLoan,
            (S::Reserved, A::Lend) => S::OnLoan,
            (S::OnLoan, A::ReturnInGoodOrder) => S::AwaitingReset,
            (S::OnLoan, A::ReturnDamaged) => S::InRefurbishment,
            (S::Ready, A::Sell) => S::Sold,
            (S::Sold, A::Refund) => S::AwaitingReset,
            (S::Sold, A::RefundFaulty) => S::InRefurbishment,
            (S::AwaitingReset, A::Reset) => S::Ready,
            (S::Received, A::MarkLost)
            | (S::AwaitingRefurbishment, A::MarkLost)
            | (S::InRefurbishment, A::MarkLost)
            | (S::Ready, A::MarkLost)
            | (S::Reserved, A::MarkLost)
            | (S::OnLoan, A::MarkLost)
            | (S::AwaitingReset, A::MarkLost)
            | (S::BeyondRepair, A::MarkLost) => S::Lost,
            _ => return None,
        })
    }

    #[test]
    fn every_status_and_action_pair_matches_the_table() {
        let mut legal = 0;
        for from in DeviceStatus::ALL.iter().copied() {
            for action in Action::ALL.iter().copied() {
                let got = next(from, action);
                match expected(from, action) {
                    Some(to) => {
                        legal += 1;
                        assert_eq!(got, Ok(to), "{from} --{action}--> {to}");
                    }
                    None => {
                        let err = got.expect_err("must be refused");
                        assert_eq!(err.current_status, from);
                        assert!(!err.allowed_actions.contains(&action), "{from} {action}");
                    }
                }
            }
        }
        assert_eq!(legal, 28);
    }

    #[test]
    fn allowed_actions_are_exactly_the_legal_ones() {
        for from in DeviceStatus::ALL.iter().copied() {
            let from_table: Vec<Action> =
                Action::ALL.iter().copied().filter(|a| expected(from, *a).is_some()).collect();
            assert_eq!(allowed(from), from_table, "{from}");
        }
    }

    #[test]
    fn final_states_allow_nothing_but_refunds_of_sales() {
        assert!(allowed(S::Recycled).is_empty());
        assert!(allowed(S::Lost).is_empty());
        assert_eq!(allowed(S::Sold), vec![A::Refund, A::RefundFaulty]);
    }

    #[test]
    fn a_refusal_explains_itself() {
        let err = next(S::Sold, A::Lend).expect_err("refused");
        assert_eq!(err.to_string(), "a device that is sold cannot be lent; allowed now: refund, refund_faulty");
    }
}
