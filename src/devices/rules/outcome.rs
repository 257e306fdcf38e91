//! What a device's status means to the donor who gave it.

use crate::devices::models::DeviceStatus;

crate::text_enum! {
    /// What became of a donated device, in the donor's terms.
    pub enum Outcome {
        AwaitingRefurbishment => "awaiting_refurbishment",
        InRefurbishment => "in_refurbishment",
        Refurbished => "refurbished",
        Distributed => "distributed",
        BeyondRepair => "beyond_repair",
        Recycled => "recycled",
        Lost => "lost",
    }
}

pub fn outcome(status: DeviceStatus) -> Outcome {
    use DeviceStatus as S;
    match status {
        S::Received => Outcome::AwaitingRefurbishment,
        S::AwaitingRefurbishment | S::InRefurbishment => Outcome::InRefurbishment,
        // Back in stock between people counts as refurbished, as a ready device does.
        S::Ready | S::Reserved | S::AwaitingReset => Outcome::Refurbished,
        S::OnLoan | S::Sold => Outcome::Distributed,
        S::BeyondRepair => Outcome::BeyondRepair,
        S::Recycled => Outcome::Recycled,
        S::Lost => Outcome::Lost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_an_outcome_a_donor_understands() {
        assert_eq!(outcome(DeviceStatus::Reserved), Outcome::Refurbished);
        assert_eq!(outcome(DeviceStatus::OnLoan), Outcome::Distributed);
        assert_eq!(outcome(DeviceStatus::AwaitingRefurbishment), Outcome::InRefurbishment);
        assert_eq!(outcome(DeviceStatus::Received), Outcome::AwaitingRefurbishment);
    }
}
