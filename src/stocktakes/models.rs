//! Stocktake rows, forms and the count's view.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{stocktake_scans, stocktakes};
use crate::devices::models::DeviceStatus;
use crate::ids::{DeviceId, HubId, StocktakeId, UserId};

crate::text_enum! {
    pub enum StocktakeStatus {
        Open => "open",
        Closed => "closed",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stocktakes)]
pub struct StocktakeRow {
    pub id: StocktakeId,
    pub hub_id: HubId,
    pub status: StocktakeStatus,
    pub notes: Option<String>,
    pub opened_by: Option<UserId>,
    pub opened_at: DateTime<Utc>,
    pub closed_by: Option<UserId>,
    pub closed_at: Option<DateTime<Utc>>,
    pub outcome: Option<serde_json::Value>,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stocktake_scans)]
pub struct ScanRow {
    pub code: String,
    pub device_id: Option<DeviceId>,
    pub scanned_by: Option<UserId>,
    pub scanned_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStocktake {
    pub hub_id: HubId,
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewScan {
    /// An asset tag, a QR label's content, a device's id or link, or a serial number.
    pub code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Close {
    /// Missing devices to mark lost.
    #[serde(default)]
    pub mark_lost: Vec<DeviceId>,
    /// Unexpected devices to record as being at this hub.
    #[serde(default)]
    pub receive: Vec<DeviceId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StocktakeFilter {
    pub hub_id: Option<HubId>,
    pub status: Option<StocktakeStatus>,
}

/// A device as a count shows it: what it is and where the record says it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    pub device_id: DeviceId,
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub status: DeviceStatus,
    pub hub_id: Option<HubId>,
    /// Its status when the count opened, for devices that were expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_status: Option<DeviceStatus>,
}

/// A code that named no device, or more than one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownCode {
    pub code: String,
    pub scanned_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub expected: usize,
    pub found: usize,
    pub not_yet_scanned: usize,
    pub missing: usize,
    pub unexpected: usize,
    pub moved: usize,
    pub unknown: usize,
}

/// The count as it stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub counts: Counts,
    /// Expected and scanned.
    pub found: Vec<Counted>,
    /// Expected, not scanned, still recorded here as it was (while the count is open).
    pub not_yet_scanned: Vec<Counted>,
    /// Expected, never scanned, still recorded here as it was (once the count is closed).
    pub missing: Vec<Counted>,
    /// Scanned, but recorded at another hub, travelling, or in a status the count did not expect.
    pub unexpected: Vec<Counted>,
    /// Expected and not scanned, and moved (lent, sold, sent elsewhere) while the count ran.
    pub moved: Vec<Counted>,
    pub unknown: Vec<UnknownCode>,
}

#[derive(Debug, Serialize)]
pub struct Stocktake {
    pub id: StocktakeId,
    pub hub_id: HubId,
    pub status: StocktakeStatus,
    pub notes: Option<String>,
    pub opened_by: Option<UserId>,
    pub opened_at: DateTime<Utc>,
    pub closed_by: Option<UserId>,
    pub closed_at: Option<DateTime<Utc>>,
    /// What closing did: `{"marked_lost": [...], "received": [...]}`.
    pub outcome: Option<serde_json::Value>,
    pub version: i32,
    #[serde(flatten)]
    pub report: Report,
}

impl Stocktake {
    pub fn new(row: StocktakeRow, report: Report) -> Self {
        Self {
            id: row.id,
            hub_id: row.hub_id,
            status: row.status,
            notes: row.notes,
            opened_by: row.opened_by,
            opened_at: row.opened_at,
            closed_by: row.closed_by,
            closed_at: row.closed_at,
            outcome: row.outcome,
            version: row.version,
            report,
        }
    }
}

/// One stocktake in a list: no device lists.
#[derive(Debug, Serialize)]
pub struct StocktakeSummary {
    pub id: StocktakeId,
    pub hub_id: HubId,
    pub status: StocktakeStatus,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
}

#[derive(Debug, Serialize)]
pub struct Stocktakes {
    pub items: Vec<StocktakeSummary>,
}

crate::text_enum! {
    /// What one scan found.
    pub enum ScanResult {
        Found => "found",
        Unexpected => "unexpected",
        Unknown => "unknown",
        Ambiguous => "ambiguous",
    }
}

/// The answer to one scan.
#[derive(Debug, Serialize)]
pub struct Scanned {
    pub code: String,
    pub result: ScanResult,
    /// Scanned before in this count (by this code or another of the device's); nothing changed.
    pub repeated: bool,
    pub device: Option<Counted>,
    /// For a serial number shared by several devices: their asset tags (scan one of those).
    pub candidates: Vec<String>,
}
