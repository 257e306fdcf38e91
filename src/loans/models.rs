//! Loan rows, views and forms.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calendar::{self, Date};
use crate::db::schema::loans;
use crate::ids::{DeviceId, HubId, LoanId, ResidentId, UserId};

crate::text_enum! {
    pub enum ReturnCondition {
        Ok => "ok",
        Damaged => "damaged",
        MissingParts => "missing_parts",
    }
}

crate::text_enum! {
    pub enum LoanState {
        Active => "active",
        Overdue => "overdue",
        Returned => "returned",
        Lost => "lost",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = loans)]
pub struct LoanRow {
    pub id: LoanId,
    pub device_id: DeviceId,
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub lent_by: Option<UserId>,
    pub lent_at: DateTime<Utc>,
    pub due_on: NaiveDate,
    pub renewals: i32,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_to_hub_id: Option<HubId>,
    pub return_condition: Option<ReturnCondition>,
    pub return_notes: Option<String>,
    pub received_by: Option<UserId>,
    pub lost_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LoanRow {
    pub fn is_open(&self) -> bool {
        self.returned_at.is_none() && self.lost_at.is_none()
    }
}

#[derive(Debug, Serialize)]
pub struct Loan {
    pub id: LoanId,
    pub device_id: DeviceId,
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub state: LoanState,
    pub lent_by: Option<UserId>,
    pub lent_at: DateTime<Utc>,
    /// The day (Europe/London) by whose end the device is due back.
    pub due_on: NaiveDate,
    /// The last instant of `due_on` in London time, as UTC.
    pub due_at: DateTime<Utc>,
    pub days_overdue: i64,
    pub renewals: i32,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_to_hub_id: Option<HubId>,
    pub return_condition: Option<ReturnCondition>,
    pub return_notes: Option<String>,
    pub received_by: Option<UserId>,
    pub lost_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Loan {
    pub fn new(r: LoanRow, now: DateTime<Utc>) -> Self {
        let overdue = if r.is_open() { calendar::days_overdue(r.due_on, calendar::local_date(now)) } else { 0 };
        let state = match (r.returned_at, r.lost_at) {
            (Some(_), _) => LoanState::Returned,
            (_, Some(_)) => LoanState::Lost,
            _ if overdue > 0 => LoanState::Overdue,
            _ => LoanState::Active,
        };
        Self {
            id: r.id,
            device_id: r.device_id,
            resident_id: r.resident_id,
            hub_id: r.hub_id,
            state,
            lent_by: r.lent_by,
            lent_at: r.lent_at,
            due_on: r.due_on,
            due_at: calendar::end_of_day(r.due_on),
            days_overdue: overdue,
            renewals: r.renewals,
            returned_at: r.returned_at,
            returned_to_hub_id: r.returned_to_hub_id,
            return_condition: r.return_condition,
            return_notes: r.return_notes,
            received_by: r.received_by,
            lost_at: r.lost_at,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkout {
    pub device_id: DeviceId,
    pub resident_id: ResidentId,
    /// Admins only: a later due date than the rule gives (e.g. for a course).
    pub due_on: Option<Date>,
    /// What goes with the device (a charger, a bag …), from the scheme's accessory kinds.
    #[serde(default)]
    pub accessories: Vec<crate::accessories::models::Items>,
    /// The resident's acceptance of the scheme's loan terms (required when the latest terms say so).
    pub agreement: Option<crate::agreements::models::Acceptance>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Return {
    pub condition: ReturnCondition,
    pub notes: Option<String>,
    /// The hub receiving it (defaults to your first hub); any hub may take a return.
    pub hub_id: Option<HubId>,
    /// The reset done at the counter as it came back (good order only): with it, a verified reset
    /// makes the device ready at once; without it, the device waits in `awaiting_reset`.
    pub reset: Option<crate::resets::models::NewReset>,
    /// What came back of the accessories lent with it; absent, all of them did.
    pub accessories_returned: Option<Vec<crate::accessories::models::Items>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanFilter {
    pub state: Option<LoanState>,
    pub hub_id: Option<HubId>,
    pub resident_id: Option<ResidentId>,
    pub device_id: Option<DeviceId>,
    /// Open loans due within this many days.
    pub due_within_days: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
