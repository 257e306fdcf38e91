//! The refurbishment rules as plain functions: how a job moves between its states, which
//! categories need a data wipe, and the wipe gate itself (the database enforces the same gate with
//! a trigger, so no code path can get round it).

use crate::devices::models::Category;

crate::text_enum! {
    pub enum JobStatus {
        Assigned => "assigned",
        InProgress => "in_progress",
        Completed => "completed",
        BeyondRepair => "beyond_repair",
        Cancelled => "cancelled",
    }
}

crate::text_enum! {
    pub enum JobAction {
        Start => "start",
        Complete => "complete",
        DeclareBeyondRepair => "declare_beyond_repair",
        Cancel => "cancel",
        RecordWipe => "record_wipe",
    }
}

impl JobStatus {
    pub fn is_open(self) -> bool {
        matches!(self, JobStatus::Assigned | JobStatus::InProgress)
    }
}

/// The job's status after `action`, or None when the action is not allowed in `status`.
/// Wipes are recorded while work is under way and change nothing.
pub fn next(status: JobStatus, action: JobAction) -> Option<JobStatus> {
    use JobAction as A;
    use JobStatus as S;
    Some(match (status, action) {
        (S::Assigned, A::Start) => S::InProgress,
        (S::InProgress, A::Complete) => S::Completed,
        (S::InProgress, A::DeclareBeyondRepair) => S::BeyondRepair,
        (S::Assigned | S::InProgress, A::Cancel) => S::Cancelled,
        (S::InProgress, A::RecordWipe) => S::InProgress,
        _ => return None,
    })
}

pub fn allowed(status: JobStatus) -> Vec<JobAction> {
    JobAction::ALL.iter().copied().filter(|a| next(status, *a).is_some()).collect()
}

/// Devices without data storage need no wipe (the same list as the database's
/// `category_has_storage`).
pub fn needs_wipe(category: Category) -> bool {
    !matches!(category, Category::Monitor | Category::MonitorSmall | Category::MonitorLarge | Category::Accessory)
}

/// Whether a device may become ready: a verified wipe is on record, or it has nothing to wipe.
pub fn passes_wipe_gate(category: Category, has_verified_wipe: bool) -> bool {
    has_verified_wipe || !needs_wipe(category)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_move_only_forwards() {
        use JobAction as A;
        use JobStatus as S;
        assert_eq!(next(S::Assigned, A::Start), Some(S::InProgress));
        assert_eq!(next(S::Assigned, A::Complete), None, "work must start first");
        assert_eq!(next(S::InProgress, A::Complete), Some(S::Completed));
        assert_eq!(next(S::InProgress, A::DeclareBeyondRepair), Some(S::BeyondRepair));
        assert_eq!(next(S::Assigned, A::Cancel), Some(S::Cancelled));
        assert_eq!(next(S::InProgress, A::RecordWipe), Some(S::InProgress));
        for done in [S::Completed, S::BeyondRepair, S::Cancelled] {
            assert!(allowed(done).is_empty(), "{done} is final");
        }
    }

    #[test]
    fn the_wipe_gate_holds_for_every_category_with_storage() {
        for category in Category::ALL.iter().copied() {
            assert!(passes_wipe_gate(category, true));
            let storage_free = matches!(
                category,
                Category::Monitor | Category::MonitorSmall | Category::MonitorLarge | Category::Accessory
            );
            assert_eq!(passes_wipe_gate(category, false), storage_free, "{category}");
        }
    }
}
