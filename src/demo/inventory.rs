//! Demo inventory: three donors, a donation from each with a realistic mix of devices, and a few
//! devices already moved (one in transit to another hub, one lost). Deterministic, so every demo
//! looks the same.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::new_id;
use crate::db::schema::{donations, organisations};
use crate::devices::models::Change;
use crate::devices::models::Move;
use crate::devices::models::{Action, DeviceStatus};
use crate::devices::models::{Category, NewDevice, StorageType};
use crate::devices::repo;
use crate::devices::repo::history;
use crate::devices::repo::moves;
use crate::handover::Handover;
use crate::http::ApiError;

/// (make, model, category, ram GB, storage GB, weight g)
type Kind = (&'static str, &'static str, Category, Option<i32>, Option<i32>, Option<i32>);

const OFFICE_LAPTOPS: &[Kind] = &[
    ("Dell", "Latitude 5490", Category::Laptop, Some(8), Some(256), Some(1_600)),
    ("HP", "EliteBook 840 G5", Category::Laptop, Some(8), Some(256), Some(1_480)),
    ("Lenovo", "ThinkPad T480", Category::Laptop, Some(8), Some(256), Some(1_580)),
    ("Lenovo", "ThinkPad X280", Category::LaptopSmall, Some(8), Some(128), Some(1_130)),
    ("Dell", "OptiPlex 7060", Category::Desktop, Some(8), Some(256), None),
    ("Dell", "P2419H", Category::Monitor, None, None, Some(3_300)),
];

const HOUSEHOLD_MIX: &[Kind] = &[
    ("Apple", "iPad (6th generation)", Category::Tablet, Some(2), Some(32), Some(469)),
    ("Samsung", "Galaxy Tab A 10.1", Category::Tablet, Some(2), Some(32), Some(470)),
    ("Acer", "Aspire 5", Category::Laptop, Some(8), Some(512), None),
    ("HP", "ProBook 450 G6", Category::LaptopLarge, Some(8), Some(256), Some(2_000)),
];

const TELECOM_STOCK: &[Kind] = &[
    ("Samsung", "Galaxy A12", Category::Phone, Some(3), Some(32), Some(205)),
    ("Motorola", "moto g30", Category::Phone, Some(4), Some(64), Some(200)),
    ("Huawei", "E5576 4G MiFi", Category::Router, None, None, Some(100)),
    ("TP-Link", "M7350 4G MiFi", Category::Router, None, None, Some(120)),
];

/// (donor name, its roles, serial prefix, received on, hub index, device count, device mix)
type DemoDonation = (&'static str, &'static [&'static str], &'static str, &'static str, usize, usize, &'static [Kind]);

const DONATIONS: &[DemoDonation] = &[
    ("Royal Mail", &["donor"], "RM", "2026-09-15", 0, 30, OFFICE_LAPTOPS),
    ("Trafford Homes Housing Association", &["donor"], "THA", "2026-10-02", 1, 16, HOUSEHOLD_MIX),
    ("Mercury Mobile", &["donor", "connectivity_supplier"], "MM", "2026-10-20", 6, 20, TELECOM_STOCK),
];

/// Returns the ids of the first donation's devices (Royal Mail's laptops at Altrincham), in order.
pub fn seed(conn: &mut PgConnection, hub_ids: &[Uuid]) -> Result<Vec<Uuid>, ApiError> {
    let mut first_devices = Vec::new();
    let mut royal_mail = Vec::new();
    for (donor, roles, prefix, received_on, hub_index, count, mix) in DONATIONS {
        let donor_id = new_id();
        diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(donor_id),
                organisations::name.eq(donor),
                organisations::roles.eq(roles.iter().map(|r| r.to_string()).collect::<Vec<_>>()),
            ))
            .execute(conn)?;
        let hub = hub_ids[*hub_index];
        let donation = new_id();
        let received = chrono::NaiveDate::parse_from_str(received_on, "%Y-%m-%d").map_err(ApiError::internal)?;
        diesel::insert_into(donations::table)
            .values((
                donations::id.eq(donation),
                donations::donor_id.eq(donor_id),
                donations::hub_id.eq(hub),
                donations::received_on.eq(received),
                donations::donor_reference.eq(format!("{prefix}-2026-{:03}", count)),
                donations::declared_device_count.eq(*count as i32),
            ))
            .execute(conn)?;
        let devices: Vec<NewDevice> = (0..*count)
            .map(|i| {
                let (make, model, category, ram, storage, weight) = mix[i % mix.len()];
                NewDevice {
                    id: crate::ids::DeviceId::new(),
                    serial_number: Some(format!("{prefix}{:06}", 100_000 + i * 37)),
                    make: Some(make.into()),
                    model: Some(model.into()),
                    category,
                    cpu: None,
                    ram_gb: ram,
                    storage_gb: storage,
                    storage_type: storage.map(|_| StorageType::Ssd),
                    operating_system: None,
                    battery_health_pct: None,
                    weight_g: weight,
                    grade: None,
                    notes: None,
                    hub_id: Some(hub.into()),
                    donation_id: Some(donation.into()),
                }
            })
            .collect();
        repo::insert_all(conn, &devices)?;
        history::record_all(
            conn,
            devices
                .iter()
                .map(|d| Change {
                    device_id: d.id,
                    actor_id: None,
                    kind: "received",
                    from_status: None,
                    to_status: Some(DeviceStatus::Received),
                    from_hub_id: None,
                    to_hub_id: Some(hub.into()),
                    details: json!({ "donation_id": donation }),
                    occurred_at: Some(super::sales::at(received, 10, 0)),
                })
                .collect(),
        )?;
        first_devices.push(devices[0].id.uuid());
        if royal_mail.is_empty() {
            royal_mail = devices.iter().map(|d| d.id.uuid()).collect();
        }
    }
    // One laptop on its way from Altrincham to Sale, one phone lost at the warehouse.
    if let Some(device) = repo::find(conn, first_devices[0].into())? {
        let mut mv = Move::new("transfer_started").details(json!({ "to_hub_id": hub_ids[1] }));
        mv.transfer_to_hub_id = Some(Some(hub_ids[1].into()));
        moves::apply(conn, &Handover, &device, None, mv)?;
    }
    if let Some(device) = repo::find(conn, first_devices[2].into())? {
        let mv = Move::new("marked_lost").action(Action::MarkLost).details(json!({ "note": "missing at stocktake" }));
        moves::apply(conn, &Handover, &device, None, mv)?;
    }
    Ok(royal_mail)
}
