//! The refurbishment rules as plain functions: how a job moves between its states, who may see a
//! job, what the assigning side and the partner must send, which devices can be assigned, and the
//! wipe gate itself (the database enforces the same gate with a trigger, so no code path can get
//! round it).

use crate::auth::{Actor, Role};
use crate::devices::models::{Category, DeviceRow};
use crate::devices::rules::holds_data;
use crate::http::{FieldError, Problems};
use crate::refurbishment::models::{AssignJobs, BeyondRepair, CompleteJob, FunctionalResult, JobRow, NewWipe};

pub use crate::refurbishment::models::{JobAction, JobStatus};

/// Most devices assigned in one request.
pub const MAX_DEVICES: usize = 1000;

/// Why a job action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such job, or one the caller may not see.
    NotFound,
    /// The job's status does not allow the action.
    Illegal { status: JobStatus, action: JobAction },
    /// Another request changed the job first.
    ChangedMeanwhile,
    /// A device that holds data cannot be completed without a verified wipe.
    WipeRequired { asset_tag: String },
    /// A device with no storage has nothing to wipe.
    NothingToWipe { category: Category },
    /// A donation named for assignment has no received devices waiting.
    NothingToAssign,
    /// Some of the devices named cannot be assigned now (each named in `errors`).
    DevicesUnavailable(Vec<FieldError>),
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

/// `action` on the job, or the refusal naming its status.
pub fn check_action(job: &JobRow, action: JobAction) -> Result<JobStatus, Refusal> {
    next(job.status, action).ok_or(Refusal::Illegal { status: job.status, action })
}

/// Admins see every job; partners their organisation's; hub staff those for devices at their hubs.
pub fn may_see(actor: &Actor, job: &JobRow, device: &DeviceRow) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Partner => actor.organisation_id == Some(job.refurbisher_id),
        Role::HubStaff => device.hub_id.is_some_and(|h| actor.hub_ids.contains(&h)),
        Role::Reporter | Role::PlatformAdmin => false,
    }
}

/// Whether a device may become ready: a verified wipe is on record, or it has nothing to wipe.
pub fn passes_wipe_gate(category: Category, has_verified_wipe: bool) -> bool {
    has_verified_wipe || !holds_data(category)
}

/// The request names devices or a donation (not both), each device once, at most `MAX_DEVICES`.
pub fn check_assign(input: &AssignJobs) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    match (input.device_ids.len(), input.donation_id) {
        (0, None) => problems.add("device_ids", "name the devices, or a donation_id"),
        (n, Some(_)) if n > 0 => problems.add("donation_id", "give device_ids or a donation_id, not both"),
        (n, _) if n > MAX_DEVICES => problems.add("device_ids", format!("at most {MAX_DEVICES} devices at once")),
        _ => {}
    }
    let mut seen = std::collections::HashSet::new();
    if input.device_ids.iter().any(|id| !seen.insert(*id)) {
        problems.add("device_ids", "lists a device more than once");
    }
    if let Some(notes) = &input.notes {
        problems.length("notes", notes, 0, 2000);
    }
    problems.into_errors()
}

/// Why a named device (the `i`-th) cannot be assigned by the actor now, if it cannot: it is
/// travelling, or not at one of the actor's hubs.
pub fn unavailable(actor: &Actor, i: usize, device: &DeviceRow) -> Option<FieldError> {
    let field = format!("device_ids[{i}]");
    if device.transfer_to_hub_id.is_some() {
        Some(FieldError::new(field, "the device is in transit between hubs"))
    } else if !(actor.is_admin() || device.hub_id.is_some_and(|h| actor.hub_ids.contains(&h))) {
        Some(FieldError::new(field, "the device is not at your hub"))
    } else {
        None
    }
}

/// A donation's received devices that the actor may assign: those since moved to another hub are
/// that hub's to assign.
pub fn assignable(actor: &Actor, device: &DeviceRow) -> bool {
    actor.is_admin() || device.hub_id.is_some_and(|h| actor.hub_ids.contains(&h))
}

pub fn check_wipe(input: &NewWipe, now: chrono::DateTime<chrono::Utc>) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.length("tool", &input.tool, 1, 200);
    problems.length("operator_name", &input.operator_name, 1, 200);
    if let Some(v) = &input.tool_version {
        problems.length("tool_version", v, 0, 100);
    }
    if let Some(c) = &input.certificate_reference {
        problems.length("certificate_reference", c, 0, 200);
    }
    problems.check(
        input.performed_at <= now + chrono::Duration::minutes(5),
        "performed_at",
        "must not be in the future",
    );
    problems.into_errors()
}

fn check_costs(problems: &mut Problems, parts: Option<i32>, minutes: Option<i32>) {
    problems.check(
        parts.is_none_or(|p| (0..=10_000_000).contains(&p)),
        "parts_cost_pence",
        "must be from 0 to 10000000",
    );
    problems.check(minutes.is_none_or(|m| (0..=100_000).contains(&m)), "labour_minutes", "must be from 0 to 100000");
}

pub fn check_complete(input: &CompleteJob) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.check(
        input.functional_result != FunctionalResult::Failed,
        "functional_result",
        "a device that failed its tests is declared beyond repair, not completed",
    );
    check_costs(&mut problems, input.parts_cost_pence, input.labour_minutes);
    problems.check(
        input.ram_upgraded_to_gb.is_none_or(|g| (0..=4096).contains(&g)),
        "ram_upgraded_to_gb",
        "must be from 0 to 4096",
    );
    problems.check(
        input.storage_upgraded_to_gb.is_none_or(|g| (0..=1_048_576).contains(&g)),
        "storage_upgraded_to_gb",
        "must be from 0 to 1048576",
    );
    if let Some(n) = &input.functional_notes {
        problems.length("functional_notes", n, 0, 2000);
    }
    if let Some(os) = &input.os_installed {
        problems.length("os_installed", os, 0, 200);
    }
    problems.into_errors()
}

pub fn check_beyond_repair(input: &BeyondRepair) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    check_costs(&mut problems, input.parts_cost_pence, input.labour_minutes);
    if let Some(n) = &input.notes {
        problems.length("notes", n, 0, 2000);
    }
    problems.into_errors()
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

    #[test]
    fn an_assignment_names_devices_or_a_donation_each_device_once() {
        let device = crate::ids::DeviceId::new();
        let input = |device_ids, donation_id| AssignJobs {
            refurbisher_id: crate::ids::OrganisationId::new(),
            device_ids,
            donation_id,
            notes: None,
        };
        let field = |r: Result<(), Vec<FieldError>>| r.err().map(|e| e[0].field.clone());
        assert_eq!(field(check_assign(&input(vec![], None))).as_deref(), Some("device_ids"));
        let both = input(vec![device], Some(crate::ids::DonationId::new()));
        assert_eq!(field(check_assign(&both)).as_deref(), Some("donation_id"));
        assert_eq!(field(check_assign(&input(vec![device, device], None))).as_deref(), Some("device_ids"));
        assert!(check_assign(&input(vec![device], None)).is_ok());
    }

    #[test]
    fn a_failed_device_is_declared_beyond_repair_not_completed() {
        let complete = CompleteJob {
            grade: crate::devices::models::Grade::A,
            functional_result: FunctionalResult::Failed,
            functional_notes: None,
            ram_upgraded_to_gb: Some(5000),
            storage_upgraded_to_gb: None,
            os_installed: None,
            parts_cost_pence: None,
            labour_minutes: None,
        };
        let fields: Vec<String> =
            check_complete(&complete).expect_err("refused").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["functional_result", "ram_upgraded_to_gb"]);
    }
}
