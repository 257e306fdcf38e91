//! Demo connectivity: a National Databank batch of O2 SIMs (25 GB a month for 12 months) at Sale
//! Library, a batch of data vouchers at Stretford Library, and some of each allocated to the demo
//! residents registered there.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::new_id;
use crate::db::schema::{hubs, organisations, residents, sim_allocations, sim_batches, sims};
use crate::http::ApiError;
use crate::sims::rules;

/// (supplier, network, kind, GB a month, months, hub, how many, how many allocated)
type DemoBatch = (&'static str, &'static str, &'static str, i32, i32, &'static str, usize, usize);

const BATCHES: &[DemoBatch] = &[
    ("National Databank", "O2", "physical_sim", 25, 12, "Sale Library", 40, 6),
    ("Mercury Mobile", "Vodafone", "data_voucher", 20, 6, "Stretford Library", 20, 3),
];

pub fn seed(conn: &mut PgConnection) -> Result<(), ApiError> {
    let databank = new_id();
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(databank),
            organisations::name.eq("National Databank"),
            organisations::roles.eq(vec!["connectivity_supplier".to_owned()]),
        ))
        .execute(conn)?;
    let today = chrono::Utc::now().date_naive();
    let mut serial = 0u64;
    for (supplier, network, kind, gb, months, hub_name, count, allocated) in BATCHES {
        let supplier_id: Uuid =
            organisations::table.filter(organisations::name.eq(supplier)).select(organisations::id).first(conn)?;
        let hub: Uuid = hubs::table.filter(hubs::name.eq(hub_name)).select(hubs::id).first(conn)?;
        let batch = new_id();
        diesel::insert_into(sim_batches::table)
            .values((
                sim_batches::id.eq(batch),
                sim_batches::supplier_id.eq(supplier_id),
                sim_batches::network.eq(network),
                sim_batches::kind.eq(kind),
                sim_batches::data_gb_per_month.eq(gb),
                sim_batches::duration_months.eq(months),
                sim_batches::received_on.eq(today - chrono::Days::new(30)),
                sim_batches::hub_id.eq(hub),
                sim_batches::reference.eq(format!("{}-2026-11", network.to_uppercase())),
            ))
            .execute(conn)?;
        let takers: Vec<Uuid> = residents::table
            .filter(residents::erased_at.is_null())
            .select(residents::id)
            .order(residents::id)
            .offset(serial as i64)
            .limit(*allocated as i64)
            .load(conn)?;
        for i in 0..*count {
            serial += 1;
            let sim = new_id();
            let (iccid, code) = if *kind == "physical_sim" {
                let base = format!("89441100{:010}", 7_000_000 + serial);
                (rules::luhn_check_digit(&base).map(|d| format!("{base}{d}")), None)
            } else {
                (None, Some(format!("VF-DEMO-{:04}-{:04}", 1000 + serial, 9000 - serial)))
            };
            let taker = takers.get(i).copied();
            diesel::insert_into(sims::table)
                .values((
                    sims::id.eq(sim),
                    sims::batch_id.eq(batch),
                    sims::supplier_id.eq(supplier_id),
                    sims::iccid.eq(iccid),
                    sims::voucher_code.eq(code),
                    sims::status.eq(if taker.is_some() { "allocated" } else { "in_stock" }),
                ))
                .execute(conn)?;
            if let Some(resident) = taker {
                let on = today - chrono::Days::new(20 + 40 * i as u64);
                diesel::insert_into(sim_allocations::table)
                    .values((
                        sim_allocations::id.eq(new_id()),
                        sim_allocations::sim_id.eq(sim),
                        sim_allocations::resident_id.eq(resident),
                        sim_allocations::hub_id.eq(hub),
                        sim_allocations::allocated_on.eq(on),
                        sim_allocations::expires_on.eq(rules::expiry(on, *months as u32)),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}
