//! Hold rows, views and forms: a resident's place in the queue for a category at a hub.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::holds;
use crate::devices::models::Category;
use crate::ids::{DeviceId, HoldId, HubId, ResidentId, UserId};

crate::text_enum! {
    pub enum HoldStatus {
        Waiting => "waiting",
        Ready => "ready",
        Fulfilled => "fulfilled",
        Expired => "expired",
        Cancelled => "cancelled",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = holds)]
pub struct Hold {
    pub id: HoldId,
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub category: Category,
    pub status: HoldStatus,
    /// The device reserved for the resident while the hold is ready.
    pub device_id: Option<DeviceId>,
    pub ready_at: Option<DateTime<Utc>>,
    /// Until when a ready hold's device is kept.
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<UserId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewHold {
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub category: Category,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldFilter {
    pub hub_id: Option<HubId>,
    pub category: Option<Category>,
    pub status: Option<HoldStatus>,
    pub resident_id: Option<ResidentId>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
