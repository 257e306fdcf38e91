//! The lending decisions as plain functions: whether a resident may borrow a device now (reserved
//! for someone else, the loan limit, an overdue loan) and until when, whether a loan may be
//! renewed or written off, and which hub takes a return. Due dates and overdue days are days of
//! the scheme's calendar (`crate::calendar`); which loan rule applies is `crate::loan_rules`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::auth::Actor;
use crate::calendar;
use crate::devices::models::{Action, DeviceStatus};
use crate::http::{FieldError, Problems};
use crate::ids::{HubId, ResidentId};
use crate::loan_rules::models::LoanRule;
use crate::loans::models::{LoanRow, Return, ReturnCondition};

/// Why a loan cannot be made or changed as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// Only an admin may lend for longer than the rule gives.
    LongerLoanNeedsAdmin,
    /// The device is reserved for another resident's hold.
    ReservedForSomeoneElse,
    /// The device is set aside for a pop-up sale.
    SetAsideForSale,
    LoanLimit {
        open: usize,
        limit: i32,
    },
    OverdueLoan,
    /// A requested due date that is not after today, or more than a year away.
    DueDateOutOfRange,
    /// Returned or written off already.
    Closed,
    Renewal(RenewalRefusal),
    NotOverdueEnough {
        overdue: i64,
        after: i32,
    },
    /// Another request changed the loan first.
    ChangedMeanwhile,
}

/// Why a renewal is refused, if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewalRefusal {
    MaximumReached { max: i32 },
    TooOverdue { days: i64, allowed: i32 },
    SomeoneWaiting,
}

impl std::fmt::Display for RenewalRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::MaximumReached { max } => write!(f, "this loan has already been renewed the maximum {max} time(s)"),
            Self::TooOverdue { days, allowed } => {
                write!(f, "the loan is {days} day(s) overdue; renewals are allowed up to {allowed} day(s) overdue")
            }
            Self::SomeoneWaiting => {
                write!(f, "someone is waiting for this kind of device at this hub and no other is free")
            }
        }
    }
}

pub fn check_renewal(
    renewals: i32,
    max_renewals: i32,
    overdue_days: i64,
    renew_overdue_up_to_days: i32,
    someone_waiting_without_alternative: bool,
) -> Result<(), RenewalRefusal> {
    if renewals >= max_renewals {
        return Err(RenewalRefusal::MaximumReached { max: max_renewals });
    }
    if overdue_days > i64::from(renew_overdue_up_to_days) {
        return Err(RenewalRefusal::TooOverdue { days: overdue_days, allowed: renew_overdue_up_to_days });
    }
    if someone_waiting_without_alternative {
        return Err(RenewalRefusal::SomeoneWaiting);
    }
    Ok(())
}

/// Whether the resident may borrow the device now, and until when: a device reserved for a hold
/// goes to that hold's resident only; the rule caps open loans and may refuse anyone with an
/// overdue one; an admin may give a later due date (up to a year), never an earlier one.
pub fn checkout(
    device_status: DeviceStatus,
    reserved_for: Option<ResidentId>,
    resident: ResidentId,
    open_loans: &[LoanRow],
    rule: &LoanRule,
    lent_at: DateTime<Utc>,
    asked_due_on: Option<NaiveDate>,
) -> Result<NaiveDate, Refusal> {
    if device_status == DeviceStatus::Reserved && reserved_for != Some(resident) {
        return Err(Refusal::ReservedForSomeoneElse);
    }
    if open_loans.len() as i64 >= i64::from(rule.max_active_loans) {
        return Err(Refusal::LoanLimit { open: open_loans.len(), limit: rule.max_active_loans });
    }
    let today = calendar::local_date(lent_at);
    if !rule.borrow_while_overdue && open_loans.iter().any(|l| calendar::days_overdue(l.due_on, today) > 0) {
        return Err(Refusal::OverdueLoan);
    }
    let standard = calendar::due_on(lent_at, rule.loan_days as u32);
    match asked_due_on {
        Some(d) if d <= today || d > today + chrono::Days::new(366) => Err(Refusal::DueDateOutOfRange),
        Some(d) => Ok(d.max(standard)),
        None => Ok(standard),
    }
}

/// What a return does to the device: back to stock in good order, to refurbishment otherwise.
pub fn return_action(condition: ReturnCondition) -> Action {
    if condition == ReturnCondition::Ok { Action::ReturnInGoodOrder } else { Action::ReturnDamaged }
}

/// A return's own fields: its notes, and a reset only with a device in good order (a damaged one
/// goes to refurbishment, where a partner's wipe sanitises it).
pub fn check_return(input: &Return, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    if let Some(n) = &input.notes {
        problems.length("notes", n, 0, 2000);
    }
    if let Some(reset) = &input.reset {
        problems.check(
            input.condition == ReturnCondition::Ok,
            "reset",
            "only a device returned in good order is reset at the counter; a damaged one goes to refurbishment",
        );
        if let Err(errors) = crate::resets::rules::check(reset, now) {
            errors.into_iter().for_each(|e| problems.add(format!("reset.{}", e.field), e.message));
        }
    }
    problems.into_errors()
}

/// The loan is still open: neither returned nor written off.
pub fn open(loan: &LoanRow) -> Result<(), Refusal> {
    if loan.is_open() { Ok(()) } else { Err(Refusal::Closed) }
}

/// The new due date of a renewal on `today`: renewals extend from the due date, or from today if
/// later, so an early renewal loses nothing.
pub fn renewed_due_on(loan: &LoanRow, rule: &LoanRule, today: NaiveDate) -> NaiveDate {
    loan.due_on.max(today) + chrono::Days::new(rule.renewal_days as u64)
}

/// A loan overdue beyond the rule's `lost_after_days` can be written off; returns the days overdue.
pub fn may_write_off(loan: &LoanRow, rule: &LoanRule, today: NaiveDate) -> Result<i64, Refusal> {
    let overdue = calendar::days_overdue(loan.due_on, today);
    if overdue <= i64::from(rule.lost_after_days) {
        return Err(Refusal::NotOverdueEnough { overdue, after: rule.lost_after_days });
    }
    Ok(overdue)
}

/// The hub taking a return: the one named if the caller works there (else it names nothing the
/// caller may use), else the caller's first hub; an admin without a hub takes it where it was lent.
pub fn return_hub(actor: &Actor, named: Option<HubId>, named_exists: bool, lent_at: HubId) -> Option<HubId> {
    match named {
        Some(h) if actor.works_at(h) && named_exists => Some(h),
        Some(_) => None,
        None => Some(actor.hub_ids.first().copied().unwrap_or(lent_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_refusals_give_their_reason() {
        assert_eq!(check_renewal(0, 2, 0, 0, false), Ok(()));
        assert_eq!(check_renewal(2, 2, 0, 0, false), Err(RenewalRefusal::MaximumReached { max: 2 }));
        assert_eq!(check_renewal(0, 2, 3, 2, false), Err(RenewalRefusal::TooOverdue { days: 3, allowed: 2 }));
        assert_eq!(check_renewal(0, 2, 1, 2, true), Err(RenewalRefusal::SomeoneWaiting));
    }

    use crate::ids::{DeviceId, LoanId, LoanRuleId};
    use chrono::TimeZone;

    fn rule() -> LoanRule {
        let now = Utc::now();
        LoanRule {
            id: LoanRuleId::new(),
            hub_id: None,
            category: None,
            loan_days: 21,
            renewal_days: 21,
            max_renewals: 2,
            max_active_loans: 1,
            borrow_while_overdue: false,
            renew_overdue_up_to_days: 0,
            hold_days: 3,
            lost_after_days: 60,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn loan(due_on: NaiveDate) -> LoanRow {
        let now = Utc::now();
        LoanRow {
            id: LoanId::new(),
            device_id: DeviceId::new(),
            resident_id: ResidentId::new(),
            hub_id: HubId::new(),
            lent_by: None,
            lent_at: now,
            due_on,
            renewals: 0,
            returned_at: None,
            returned_to_hub_id: None,
            return_condition: None,
            return_notes: None,
            received_by: None,
            lost_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    #[test]
    fn a_checkout_is_due_by_the_rule_unless_an_admin_gives_longer() {
        let lent = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).single().expect("valid");
        let me = ResidentId::new();
        let due = checkout(DeviceStatus::Ready, None, me, &[], &rule(), lent, None);
        assert_eq!(due, Ok(day(2026, 12, 16)));
        assert_eq!(
            checkout(DeviceStatus::Ready, None, me, &[], &rule(), lent, Some(day(2027, 1, 31))),
            Ok(day(2027, 1, 31))
        );
        assert_eq!(
            checkout(DeviceStatus::Ready, None, me, &[], &rule(), lent, Some(day(2026, 11, 30))),
            Ok(day(2026, 12, 16)),
            "never shorter"
        );
        assert_eq!(
            checkout(DeviceStatus::Ready, None, me, &[], &rule(), lent, Some(day(2026, 11, 25))),
            Err(Refusal::DueDateOutOfRange)
        );
        assert_eq!(
            checkout(DeviceStatus::Ready, None, me, &[], &rule(), lent, Some(day(2028, 1, 1))),
            Err(Refusal::DueDateOutOfRange)
        );
    }

    #[test]
    fn a_reserved_device_goes_only_to_its_holder_and_limits_and_overdue_loans_refuse() {
        let lent = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).single().expect("valid");
        let (me, them) = (ResidentId::new(), ResidentId::new());
        assert_eq!(
            checkout(DeviceStatus::Reserved, Some(them), me, &[], &rule(), lent, None),
            Err(Refusal::ReservedForSomeoneElse)
        );
        assert!(checkout(DeviceStatus::Reserved, Some(me), me, &[], &rule(), lent, None).is_ok());
        let open = [loan(day(2026, 12, 1))];
        assert_eq!(
            checkout(DeviceStatus::Ready, None, me, &open, &rule(), lent, None),
            Err(Refusal::LoanLimit { open: 1, limit: 1 })
        );
        let two = LoanRule { max_active_loans: 2, ..rule() };
        let overdue = [loan(day(2026, 11, 20))];
        assert_eq!(checkout(DeviceStatus::Ready, None, me, &overdue, &two, lent, None), Err(Refusal::OverdueLoan));
        let lenient = LoanRule { borrow_while_overdue: true, ..two };
        assert!(checkout(DeviceStatus::Ready, None, me, &overdue, &lenient, lent, None).is_ok());
    }

    #[test]
    fn only_a_device_back_in_good_order_returns_to_stock() {
        assert_eq!(return_action(ReturnCondition::Ok), Action::ReturnInGoodOrder);
        assert_eq!(return_action(ReturnCondition::Damaged), Action::ReturnDamaged);
        assert_eq!(return_action(ReturnCondition::MissingParts), Action::ReturnDamaged);
    }

    #[test]
    fn renewals_extend_from_the_later_of_due_and_today_and_write_offs_wait() {
        let l = loan(day(2026, 12, 1));
        assert_eq!(renewed_due_on(&l, &rule(), day(2026, 11, 25)), day(2026, 12, 22));
        assert_eq!(renewed_due_on(&l, &rule(), day(2026, 12, 5)), day(2026, 12, 26));
        assert_eq!(
            may_write_off(&l, &rule(), day(2027, 1, 30)),
            Err(Refusal::NotOverdueEnough { overdue: 60, after: 60 })
        );
        assert_eq!(may_write_off(&l, &rule(), day(2027, 1, 31)), Ok(61));
    }
}
