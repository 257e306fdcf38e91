//! Reset rows, the form staff send, and the view.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::device_resets;
use crate::devices::models::DeviceStatus;
use crate::ids::{DeviceId, ResetId, UserId};

crate::text_enum! {
    /// How the device was made ready for the next person.
    pub enum ResetMethod {
        FactoryReset => "factory_reset",
        Reimage => "reimage",
        AccountRemoval => "account_removal",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = device_resets)]
pub struct ResetRow {
    pub id: ResetId,
    pub device_id: DeviceId,
    pub method: ResetMethod,
    pub verified: bool,
    pub notes: Option<String>,
    pub performed_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReset {
    pub method: ResetMethod,
    /// Whether staff checked the result (the set-up screen shows, no old accounts remain).
    pub verified: bool,
    pub notes: Option<String>,
    /// When it was done; now if not given.
    pub performed_at: Option<DateTime<Utc>>,
}

/// A reset as the API shows it, with the device's status after it.
#[derive(Debug, Serialize)]
pub struct Reset {
    #[serde(flatten)]
    pub row: ResetRow,
    pub device_status: DeviceStatus,
}

#[derive(Debug, Serialize)]
pub struct Resets {
    pub items: Vec<ResetRow>,
}
