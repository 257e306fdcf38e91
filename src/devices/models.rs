//! Device rows, views and forms: the statuses and actions of the lifecycle, descriptive fields,
//! custody moves and history events, and the disposal record of a recycled device.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rules::lifecycle;
use crate::calendar::Date;
use crate::db::schema::{device_events, devices};
use crate::ids::{DeviceId, DonationId, HubId, OrganisationId, UserId};

crate::text_enum! {
    pub enum DeviceStatus {
        Received => "received",
        AwaitingRefurbishment => "awaiting_refurbishment",
        InRefurbishment => "in_refurbishment",
        Ready => "ready",
        Reserved => "reserved",
        OnLoan => "on_loan",
        AwaitingReset => "awaiting_reset",
        Sold => "sold",
        BeyondRepair => "beyond_repair",
        Recycled => "recycled",
        Lost => "lost",
    }
}

crate::text_enum! {
    /// Everything that can happen to a device's status.
    pub enum Action {
        AssignForRefurbishment => "assign_for_refurbishment",
        StartRefurbishment => "start_refurbishment",
        CancelRefurbishment => "cancel_refurbishment",
        CompleteRefurbishment => "complete_refurbishment",
        DeclareBeyondRepair => "declare_beyond_repair",
        Recycle => "recycle",
        Reserve => "reserve",
        ReleaseReservation => "release_reservation",
        Lend => "lend",
        ReturnInGoodOrder => "return_in_good_order",
        ReturnDamaged => "return_damaged",
        Sell => "sell",
        Refund => "refund",
        RefundFaulty => "refund_faulty",
        MarkLost => "mark_lost",
        Reset => "reset",
    }
}

impl DeviceStatus {
    /// No move leads out of these, except a refund out of `sold`.
    pub fn is_final(self) -> bool {
        matches!(self, DeviceStatus::Sold | DeviceStatus::Recycled | DeviceStatus::Lost)
    }

    /// Statuses in which the device is physically in the scheme's hands at a hub (so it may be
    /// transferred between hubs).
    pub fn is_in_stock(self) -> bool {
        matches!(
            self,
            DeviceStatus::Received
                | DeviceStatus::AwaitingRefurbishment
                | DeviceStatus::Ready
                | DeviceStatus::AwaitingReset
                | DeviceStatus::BeyondRepair
        )
    }
}

crate::text_enum! {
    /// Device categories; the names match the impact factor tables.
    pub enum Category {
        Laptop => "laptop",
        LaptopSmall => "laptop_small",
        LaptopLarge => "laptop_large",
        Desktop => "desktop",
        Tablet => "tablet",
        Phone => "phone",
        Monitor => "monitor",
        MonitorSmall => "monitor_small",
        MonitorLarge => "monitor_large",
        Router => "router",
        Printer => "printer",
        Accessory => "accessory",
    }
}

crate::text_enum! {
    pub enum StorageType {
        Hdd => "hdd",
        Ssd => "ssd",
        Nvme => "nvme",
        Emmc => "emmc",
        None => "none",
    }
}

crate::text_enum! {
    /// Cosmetic grade after refurbishment.
    pub enum Grade {
        A => "A",
        B => "B",
        C => "C",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub category: Category,
    pub cpu: Option<String>,
    pub ram_gb: Option<i32>,
    pub storage_gb: Option<i32>,
    pub storage_type: Option<StorageType>,
    pub operating_system: Option<String>,
    pub battery_health_pct: Option<i32>,
    pub weight_g: Option<i32>,
    pub grade: Option<Grade>,
    pub notes: Option<String>,
    pub status: DeviceStatus,
    pub hub_id: Option<HubId>,
    pub transfer_to_hub_id: Option<HubId>,
    pub donation_id: Option<DonationId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it last went to a resident (lent or sold).
    pub handed_over_at: Option<DateTime<Utc>>,
    /// When it was last verifiably wiped or reset.
    pub sanitised_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
impl DeviceRow {
    /// A laptop in `status`, at `hub`, travelling to `travelling_to`: for the unit tests of rules.
    pub fn example(status: DeviceStatus, hub: Option<HubId>, travelling_to: Option<HubId>) -> Self {
        let now = Utc::now();
        Self {
            id: DeviceId::new(),
            asset_tag: "T4A-000001".into(),
            serial_number: None,
            make: None,
            model: None,
            category: Category::Laptop,
            cpu: None,
            ram_gb: None,
            storage_gb: None,
            storage_type: None,
            operating_system: None,
            battery_health_pct: None,
            weight_g: None,
            grade: None,
            notes: None,
            status,
            hub_id: hub,
            transfer_to_hub_id: travelling_to,
            donation_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
            handed_over_at: None,
            sanitised_at: None,
        }
    }
}

/// A device as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    pub id: DeviceId,
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub category: Category,
    pub cpu: Option<String>,
    pub ram_gb: Option<i32>,
    pub storage_gb: Option<i32>,
    pub storage_type: Option<StorageType>,
    pub operating_system: Option<String>,
    pub battery_health_pct: Option<i32>,
    pub weight_kg: Option<f64>,
    pub grade: Option<Grade>,
    pub notes: Option<String>,
    pub status: DeviceStatus,
    pub hub_id: Option<HubId>,
    pub transfer_to_hub_id: Option<HubId>,
    pub donation_id: Option<DonationId>,
    /// Lifecycle actions the status allows now.
    pub allowed_actions: Vec<Action>,
    /// When it last went to a resident (lent or sold); it must be reset or wiped again after this
    /// before it goes to anyone else.
    pub handed_over_at: Option<DateTime<Utc>>,
    /// When it was last verifiably wiped or reset.
    pub sanitised_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<DeviceRow> for Device {
    fn from(r: DeviceRow) -> Self {
        Self {
            id: r.id,
            asset_tag: r.asset_tag,
            serial_number: r.serial_number,
            make: r.make,
            model: r.model,
            category: r.category,
            cpu: r.cpu,
            ram_gb: r.ram_gb,
            storage_gb: r.storage_gb,
            storage_type: r.storage_type,
            operating_system: r.operating_system,
            battery_health_pct: r.battery_health_pct,
            weight_kg: r.weight_g.map(|g| f64::from(g) / 1000.0),
            grade: r.grade,
            notes: r.notes,
            allowed_actions: lifecycle::allowed(r.status),
            status: r.status,
            hub_id: r.hub_id,
            transfer_to_hub_id: r.transfer_to_hub_id,
            donation_id: r.donation_id,
            handed_over_at: r.handed_over_at,
            sanitised_at: r.sanitised_at,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The descriptive fields of one device, as sent in an import or a create.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceInput {
    pub serial_number: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub category: Option<Category>,
    pub cpu: Option<String>,
    pub ram_gb: Option<i32>,
    pub storage_gb: Option<i32>,
    pub storage_type: Option<StorageType>,
    pub operating_system: Option<String>,
    pub battery_health_pct: Option<i32>,
    pub weight_kg: Option<f64>,
    pub grade: Option<Grade>,
    pub notes: Option<String>,
}

/// A checked device ready to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = devices)]
pub struct NewDevice {
    pub id: DeviceId,
    pub serial_number: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub category: Category,
    pub cpu: Option<String>,
    pub ram_gb: Option<i32>,
    pub storage_gb: Option<i32>,
    pub storage_type: Option<StorageType>,
    pub operating_system: Option<String>,
    pub battery_health_pct: Option<i32>,
    pub weight_g: Option<i32>,
    pub grade: Option<Grade>,
    pub notes: Option<String>,
    pub hub_id: Option<HubId>,
    pub donation_id: Option<DonationId>,
}

/// A merge-patch of descriptive fields; status and custody never change through PATCH.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateDevice {
    #[serde(default, with = "crate::http::json::double_option")]
    pub serial_number: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub make: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub model: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub category: Option<Category>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub cpu: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub ram_gb: Option<Option<i32>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub storage_gb: Option<Option<i32>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub storage_type: Option<Option<StorageType>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub operating_system: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub battery_health_pct: Option<Option<i32>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub weight_kg: Option<Option<f64>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub grade: Option<Option<Grade>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub notes: Option<Option<String>>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = devices)]
pub struct DeviceChanges {
    pub serial_number: Option<Option<String>>,
    pub make: Option<Option<String>>,
    pub model: Option<Option<String>>,
    pub category: Option<Category>,
    pub cpu: Option<Option<String>>,
    pub ram_gb: Option<Option<i32>>,
    pub storage_gb: Option<Option<i32>>,
    pub storage_type: Option<Option<StorageType>>,
    pub operating_system: Option<Option<String>>,
    pub battery_health_pct: Option<Option<i32>>,
    pub weight_g: Option<Option<i32>>,
    pub grade: Option<Option<Grade>>,
    pub notes: Option<Option<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceFilter {
    pub status: Option<DeviceStatus>,
    pub category: Option<Category>,
    pub hub_id: Option<HubId>,
    pub donation_id: Option<DonationId>,
    pub donor_id: Option<OrganisationId>,
    /// Exact serial number (any case).
    pub serial_number: Option<String>,
    /// Part of the asset tag, serial number, make or model.
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = device_events)]
pub struct DeviceEvent {
    pub id: uuid::Uuid,
    pub device_id: DeviceId,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub from_hub_id: Option<HubId>,
    pub to_hub_id: Option<HubId>,
    pub details: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub to_hub_id: HubId,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkLost {
    pub note: String,
}

/// Disposal of a beyond-repair device to a recycler.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recycle {
    pub recycler_id: OrganisationId,
    pub waste_transfer_note: String,
    pub disposed_on: Date,
    pub weight_kg: Option<f64>,
    pub harvested_parts: Option<String>,
}

/// A recycled device's disposal record, checked, as stored.
#[derive(Debug, Clone)]
pub struct Disposal {
    pub device_id: DeviceId,
    pub recycler_id: OrganisationId,
    pub waste_transfer_note: String,
    pub disposed_on: Date,
    pub weight_g: Option<i32>,
    pub harvested_parts: Option<String>,
    pub recorded_by: UserId,
}

/// What a move changes. Fields left `None` stay as they are.
#[derive(Debug, Clone)]
pub struct Move {
    /// History event kind, e.g. `transfer_started`.
    pub kind: &'static str,
    pub action: Option<Action>,
    pub hub_id: Option<Option<HubId>>,
    pub transfer_to_hub_id: Option<Option<HubId>>,
    pub details: Value,
    /// Where the history event says the device is going, when that is not (yet) its hub.
    pub heading_to: Option<HubId>,
    /// When the move happened, if not now (records of past events, such as the demo year).
    pub at: Option<DateTime<Utc>>,
}

impl Move {
    pub fn new(kind: &'static str) -> Self {
        Self {
            kind,
            action: None,
            hub_id: None,
            transfer_to_hub_id: None,
            details: Value::Object(Default::default()),
            heading_to: None,
            at: None,
        }
    }

    pub fn action(mut self, action: Action) -> Self {
        self.action = Some(action);
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = Some(at);
        self
    }

    /// The device arrives at (is in the custody of) `hub`, ending any journey.
    pub fn to_hub(mut self, hub: HubId) -> Self {
        self.hub_id = Some(Some(hub));
        self
    }

    /// Any journey between hubs ends where the device is.
    pub fn ending_transfer(mut self) -> Self {
        self.transfer_to_hub_id = Some(None);
        self
    }
}

/// One entry for a device's history.
#[derive(Debug, Clone)]
pub struct Change {
    pub device_id: DeviceId,
    pub actor_id: Option<UserId>,
    pub kind: &'static str,
    pub from_status: Option<DeviceStatus>,
    pub to_status: Option<DeviceStatus>,
    pub from_hub_id: Option<HubId>,
    pub to_hub_id: Option<HubId>,
    pub details: Value,
    /// When it happened, if not now (records of past events, such as the demo year).
    pub occurred_at: Option<DateTime<Utc>>,
}

impl Change {
    /// A change that is not a move: a descriptive edit, a record added.
    pub fn note(device_id: DeviceId, actor_id: Option<UserId>, kind: &'static str, details: Value) -> Self {
        Self {
            device_id,
            actor_id,
            kind,
            from_status: None,
            to_status: None,
            from_hub_id: None,
            to_hub_id: None,
            details,
            occurred_at: None,
        }
    }
}
