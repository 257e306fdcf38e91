//! Pop-up sales session rows, views and forms.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::db::schema::sales_sessions;
use crate::ids::{DeviceId, HubId, SessionId, UserId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sales_sessions)]
pub struct SessionRow {
    pub id: SessionId,
    pub hub_id: HubId,
    pub held_on: NaiveDate,
    pub name: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub unsold_at_close: Option<i32>,
    pub created_by: Option<UserId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A pop-up session with its summary.
#[derive(Debug, Serialize)]
pub struct Session {
    pub id: SessionId,
    pub hub_id: HubId,
    pub held_on: NaiveDate,
    pub name: Option<String>,
    pub closed: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
    /// Devices still set aside (unsold); released back to stock when the session closes.
    pub set_aside_device_ids: Vec<DeviceId>,
    pub summary: SessionSummary,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct SessionSummary {
    pub devices_sold: i64,
    pub takings_pence: i64,
    pub subsidy_pence: i64,
    pub refunds: i64,
    pub unsold_devices: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    pub hub_id: HubId,
    pub held_on: Date,
    pub name: Option<String>,
    #[serde(default)]
    pub device_ids: Vec<DeviceId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAside {
    pub device_ids: Vec<DeviceId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionFilter {
    pub hub_id: Option<HubId>,
    pub held_from: Option<Date>,
    pub held_to: Option<Date>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
