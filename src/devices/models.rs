//! Device rows, views and forms.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::lifecycle::{self, Action, DeviceStatus};
use crate::db::schema::{device_events, devices};

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
    pub id: Uuid,
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
    pub hub_id: Option<Uuid>,
    pub transfer_to_hub_id: Option<Uuid>,
    pub donation_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A device as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Device {
    pub id: Uuid,
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
    pub hub_id: Option<Uuid>,
    pub transfer_to_hub_id: Option<Uuid>,
    pub donation_id: Option<Uuid>,
    /// Lifecycle actions the status allows now.
    pub allowed_actions: Vec<Action>,
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
    pub id: Uuid,
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
    pub hub_id: Option<Uuid>,
    pub donation_id: Option<Uuid>,
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
    pub hub_id: Option<Uuid>,
    pub donation_id: Option<Uuid>,
    pub donor_id: Option<Uuid>,
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
    pub id: Uuid,
    pub device_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub from_hub_id: Option<Uuid>,
    pub to_hub_id: Option<Uuid>,
    pub details: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
