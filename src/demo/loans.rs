//! Demo lending for the year: three devices at each of four libraries and community centres, lent
//! for 21 days at a time to one resident after another since last winter. Today some loans are
//! active, two overdue, one device was written off as lost, and two people wait for a tablet at
//! Stretford Library.

use chrono::{DateTime, Duration, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::sales::{self, donor, id_of_hub, id_of_ward, register};
use super::stock::{self, Journey};
use crate::db::new_id;
use crate::db::schema::{donations, holds, loans, residents};
use crate::devices::models::Action;
use crate::devices::models::Move;
use crate::devices::repo as devices_repo;
use crate::devices::repo::moves;
use crate::handover::Handover;
use crate::http::ApiError;

/// (library, its ward, postcode area)
const LIBRARIES: &[(&str, &str, &str)] = &[
    ("Altrincham Library", "Altrincham", "WA14 2"),
    ("Sale Library", "Sale Central", "M33 6"),
    ("Stretford Library", "Stretford & Humphrey Park", "M32 9"),
    ("Partington Community Centre", "Bucklow-St Martins", "M31 4"),
];

/// How each device's year ends, by its number: lent now, overdue, lost, or back on the shelf.
fn ending(device: usize) -> &'static str {
    match device {
        0 | 3 | 4 | 9 => "active",
        1 | 10 => "overdue",
        8 => "lost",
        _ => "returned",
    }
}

struct Library {
    hub: Uuid,
    ward: Option<Uuid>,
    area: &'static str,
}

fn lend(
    conn: &mut PgConnection,
    lib: &Library,
    device: Uuid,
    n: usize,
    lent_at: DateTime<Utc>,
) -> Result<Uuid, ApiError> {
    let resident = register(
        conn,
        n,
        lib.hub,
        lib.ward,
        format!("{}{}", lib.area, ["LA", "LB", "LD"][n % 3]),
        lent_at.date_naive(),
    )?;
    let loan = new_id();
    diesel::insert_into(loans::table)
        .values((
            loans::id.eq(loan),
            loans::device_id.eq(device),
            loans::resident_id.eq(resident),
            loans::hub_id.eq(lib.hub),
            loans::lent_at.eq(lent_at),
            loans::due_on.eq(crate::calendar::due_on(lent_at, 21)),
        ))
        .execute(conn)?;
    let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
    moves::apply(
        conn,
        &Handover,
        &row,
        None,
        Move::new("lent").action(Action::Lend).details(json!({ "loan_id": loan })).at(lent_at),
    )?;
    Ok(loan)
}

fn give_back(
    conn: &mut PgConnection,
    lib: &Library,
    device: Uuid,
    loan: Uuid,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    diesel::update(loans::table.find(loan))
        .set((loans::returned_at.eq(at), loans::returned_to_hub_id.eq(lib.hub), loans::return_condition.eq("ok")))
        .execute(conn)?;
    let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
    let mv = Move::new("returned").action(Action::ReturnInGoodOrder).details(json!({ "loan_id": loan })).at(at);
    let returned = moves::apply(conn, &Handover, &row, None, mv)?;
    super::reset_at_counter(conn, &returned, at)
}

pub fn seed(conn: &mut PgConnection, refurbisher: Uuid) -> Result<(), ApiError> {
    let now = Utc::now();
    let today = crate::calendar::local_date(now);
    let warehouse = id_of_hub(conn, "Tech4All Warehouse")?;
    let donation = new_id();
    let received_on = today - Duration::days(380);
    diesel::insert_into(donations::table)
        .values((
            donations::id.eq(donation),
            donations::donor_id.eq(donor(conn, "Trafford Council")?),
            donations::hub_id.eq(warehouse),
            donations::received_on.eq(received_on),
            donations::donor_reference.eq("LIBRARY-LENDING-STOCK"),
        ))
        .execute(conn)?;
    let mut n = 20_000usize;
    let mut stretford = None;
    for (l, (library, ward, area)) in LIBRARIES.iter().enumerate() {
        let lib = Library { hub: id_of_hub(conn, library)?, ward: id_of_ward(conn, ward)?, area };
        if *library == "Stretford Library" {
            stretford = Some(lib.hub);
        }
        for k in 0..3 {
            let d = l * 3 + k;
            let model = if k == 2 {
                stock::TABLETS[l % stock::TABLETS.len()]
            } else {
                stock::LAPTOPS[d % stock::LAPTOPS.len()]
            };
            let journey = Journey {
                refurbisher,
                donation: Some(donation),
                received_at_hub: warehouse,
                received_at: sales::at(received_on, 10, 0),
                ready_at_hub: lib.hub,
                ready_by: sales::at(today - Duration::days(350), 9, 0),
            };
            let device = stock::refurbished(conn, model, 50_000 + d, &journey)?;
            // Past loans, one resident after another, each back within three weeks.
            let mut lent_at = sales::at(today - Duration::days(345 - 4 * d as i64), 10, 30);
            while lent_at < now - Duration::days(75) {
                n += 1;
                let loan = lend(conn, &lib, device, n, lent_at)?;
                give_back(conn, &lib, device, loan, lent_at + Duration::days(14 + (n % 8) as i64))?;
                lent_at += Duration::days(35);
            }
            n += 1;
            match ending(d) {
                "active" => {
                    lend(conn, &lib, device, n, now - Duration::days(2 + 4 * k as i64))?;
                }
                "overdue" => {
                    lend(conn, &lib, device, n, now - Duration::days(30 + d as i64))?;
                }
                "lost" => {
                    // Lent after the last past loan came back, written off four weeks overdue.
                    let loan = lend(conn, &lib, device, n, now - Duration::days(52))?;
                    diesel::update(loans::table.find(loan))
                        .set(loans::lost_at.eq(now - Duration::days(3)))
                        .execute(conn)?;
                    let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
                    let mv = Move::new("marked_lost")
                        .action(Action::MarkLost)
                        .details(json!({ "loan_id": loan, "note": "not returned; written off" }))
                        .at(now - Duration::days(3));
                    moves::apply(conn, &Handover, &row, None, mv)?;
                }
                _ => {}
            }
        }
    }
    // Two people waiting for a tablet at Stretford, whose only tablet was lost.
    if let Some(hub) = stretford {
        let waiting: Vec<Uuid> = residents::table
            .filter(residents::registered_at_hub_id.eq(hub))
            .select(residents::id)
            .limit(2)
            .load(conn)?;
        for (i, person) in waiting.iter().enumerate() {
            diesel::insert_into(holds::table)
                .values((
                    holds::id.eq(new_id()),
                    holds::resident_id.eq(person),
                    holds::hub_id.eq(hub),
                    holds::category.eq("tablet"),
                    holds::created_at.eq(now - Duration::hours(48 - i as i64)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}
