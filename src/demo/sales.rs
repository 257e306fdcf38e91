//! Demo residents and pop-up sales: residents in several wards, sessions at five venues, and a
//! laptop sold at £60 to most of them, each device refurbished (wiped and graded) first.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::new_id;
use crate::db::schema::{hubs, refurbishment_jobs as jobs, residents, sales, sales_sessions, wards, wipe_records};
use crate::devices::history::{self, Change};
use crate::devices::lifecycle::{Action, DeviceStatus};
use crate::devices::models::{Category, NewDevice, StorageType};
use crate::devices::moves::{self, Move};
use crate::devices::repo as devices_repo;
use crate::http::ApiError;
use crate::sales::rules;

const FIRST: &[&str] =
    &["Amina", "Ben", "Chloe", "Dev", "Ellie", "Farah", "George", "Hannah", "Imran", "Jess", "Kofi", "Lucy"];
const LAST: &[&str] = &["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Khan", "Nowak", "Okafor", "Patel", "Smith"];

/// (venue hub, ward, postcode area, session date)
const SESSIONS: &[(&str, &str, &str, &str)] = &[
    ("Old Trafford Pop-up", "Old Trafford", "M16 9", "2026-10-03"),
    ("Partington Community Centre", "Bucklow-St Martins", "M31 4", "2026-10-10"),
    ("Lostock Pop-up", "Lostock & Barton", "M41 0", "2026-10-17"),
    ("Altrincham Library", "Altrincham", "WA14 1", "2026-10-24"),
    ("Sale Library", "Sale Central", "M33 7", "2026-10-31"),
];

const PER_SESSION: usize = 6;

fn id_of_hub(conn: &mut PgConnection, name: &str) -> Result<Uuid, ApiError> {
    Ok(hubs::table.filter(hubs::name.eq(name)).select(hubs::id).first(conn)?)
}

pub fn seed(conn: &mut PgConnection, refurbisher: Uuid) -> Result<(), ApiError> {
    let now = chrono::Utc::now();
    let mut n = 0usize;
    for (venue, ward, area, held_on) in SESSIONS {
        let hub = id_of_hub(conn, venue)?;
        let ward_id: Option<Uuid> =
            wards::table.filter(wards::name.eq(ward)).select(wards::id).first(conn).optional()?;
        let session = new_id();
        let date = chrono::NaiveDate::parse_from_str(held_on, "%Y-%m-%d").map_err(ApiError::internal)?;
        diesel::insert_into(sales_sessions::table)
            .values((
                sales_sessions::id.eq(session),
                sales_sessions::hub_id.eq(hub),
                sales_sessions::held_on.eq(date),
                sales_sessions::name.eq(format!(
                    "{} pop-up shop",
                    venue
                        .trim_end_matches(" Pop-up")
                        .trim_end_matches(" Community Centre")
                        .trim_end_matches(" Library")
                )),
                sales_sessions::closed_at.eq(now),
            ))
            .execute(conn)?;
        for i in 0..PER_SESSION {
            n += 1;
            let resident = new_id();
            diesel::insert_into(residents::table)
                .values((
                    residents::id.eq(resident),
                    residents::name.eq(format!("{} {}", FIRST[n % FIRST.len()], LAST[(n * 7) % LAST.len()])),
                    residents::postcode.eq(format!("{area}{}", ["AB", "DF", "GH", "JL", "NP", "QR"][i])),
                    residents::ward_id.eq(ward_id),
                    residents::eligibility.eq([
                        "universal_credit",
                        "pension_credit",
                        "pip_dla",
                        "council_tax_support",
                        "care_leaver",
                        "partner_referral",
                    ][i]),
                    residents::eligibility_verified_on.eq(date),
                    residents::registered_at_hub_id.eq(hub),
                ))
                .execute(conn)?;
            // The last resident of each session registered but did not buy (yet).
            if i + 1 == PER_SESSION {
                continue;
            }
            let device = ready_laptop(conn, hub, refurbisher, n)?;
            let year = rules::receipt_year(now);
            let receipt = rules::receipt_number(year, crate::sales::repo::next_receipt(conn, year)?);
            let value = rules::default_market_value(Category::Laptop);
            let sale = new_id();
            diesel::insert_into(sales::table)
                .values((
                    sales::id.eq(sale),
                    sales::receipt_number.eq(&receipt),
                    sales::device_id.eq(device),
                    sales::resident_id.eq(resident),
                    sales::hub_id.eq(hub),
                    sales::session_id.eq(session),
                    sales::price_pence.eq(6000),
                    sales::market_value_pence.eq(value),
                    sales::subsidy_pence.eq(rules::subsidy(value, 6000)),
                    sales::payment_method.eq(if i % 3 == 0 { "card" } else { "cash" }),
                    sales::sold_at.eq(date.and_hms_opt(11, 0, 0).map(|t| t.and_utc()).unwrap_or(now)),
                ))
                .execute(conn)?;
            let row = devices_repo::find(conn, device)?.ok_or_else(|| ApiError::not_found("device"))?;
            moves::apply(
                conn,
                &row,
                None,
                Move::new("sold").action(Action::Sell).details(json!({ "sale_id": sale, "receipt_number": receipt })),
            )?;
        }
    }
    Ok(())
}

/// A laptop donated, refurbished by the partner (verified wipe, grade B) and ready at `hub`.
pub(super) fn ready_laptop(conn: &mut PgConnection, hub: Uuid, refurbisher: Uuid, n: usize) -> Result<Uuid, ApiError> {
    let id = new_id();
    let device = NewDevice {
        id,
        serial_number: Some(format!("TC{:06}", 500_000 + n * 13)),
        make: Some(["Dell", "Lenovo", "HP"][n % 3].into()),
        model: Some(["Latitude 7490", "ThinkPad T470", "EliteBook 830 G6"][n % 3].into()),
        category: Category::Laptop,
        cpu: Some("Intel Core i5".into()),
        ram_gb: Some(8),
        storage_gb: Some(256),
        storage_type: Some(StorageType::Ssd),
        operating_system: Some("Windows 11 Pro".into()),
        battery_health_pct: Some(80),
        weight_g: Some(1_450),
        grade: Some(crate::devices::models::Grade::B),
        notes: None,
        hub_id: Some(hub),
        donation_id: None,
    };
    devices_repo::insert_all(conn, std::slice::from_ref(&device))?;
    history::record(
        conn,
        Change {
            device_id: id,
            actor_id: None,
            kind: "received",
            from_status: None,
            to_status: Some(DeviceStatus::Received),
            from_hub_id: None,
            to_hub_id: Some(hub),
            details: json!({ "source": "Trafford Council IT refresh" }),
            occurred_at: None,
        },
    )?;
    let job = new_id();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(job),
            jobs::device_id.eq(id),
            jobs::refurbisher_id.eq(refurbisher),
            jobs::return_hub_id.eq(hub),
            jobs::status.eq("completed"),
            jobs::grade.eq("B"),
            jobs::functional_result.eq("passed"),
        ))
        .execute(conn)?;
    diesel::insert_into(wipe_records::table)
        .values((
            wipe_records::id.eq(new_id()),
            wipe_records::job_id.eq(job),
            wipe_records::device_id.eq(id),
            wipe_records::level.eq("purge"),
            wipe_records::method.eq("nvme_sanitize"),
            wipe_records::tool.eq("Blancco Drive Eraser"),
            wipe_records::certificate_reference.eq(format!("CC-WIPE-2026-{:04}", 200 + n)),
            wipe_records::verified.eq(true),
            wipe_records::operator_name.eq("Demo technician"),
            wipe_records::performed_at.eq(chrono::Utc::now()),
        ))
        .execute(conn)?;
    for (kind, action) in [
        ("assigned_for_refurbishment", Action::AssignForRefurbishment),
        ("refurbishment_started", Action::StartRefurbishment),
        ("refurbishment_completed", Action::CompleteRefurbishment),
    ] {
        let row = devices_repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("device"))?;
        moves::apply(conn, &row, None, Move::new(kind).action(action).details(json!({ "job_id": job })))?;
    }
    Ok(id)
}
