//! Demo connectivity for the year: a National Databank batch of O2 SIMs (25 GB a month for 12
//! months) at each pop-up venue, one given to every buyer with their laptop; another O2 batch at
//! Sale Library and Mercury Mobile data vouchers (20 GB a month for 6 months) at Stretford Library
//! for residents who came for connectivity alone. 360 SIMs handed out in all.

use chrono::{Duration, NaiveDate, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::sales::{self, id_of_hub, id_of_ward, register};
use crate::db::new_id;
use crate::db::schema::{organisations, sales as sales_table, sim_allocations, sim_batches, sims};
use crate::http::ApiError;
use crate::sims::rules;

/// Residents who came for a SIM alone: (library, its ward, postcode area, how many, batch kind).
const SIM_ONLY: &[(&str, &str, &str, usize, &str)] = &[
    ("Sale Library", "Sale Central", "M33 7", 60, "physical_sim"),
    ("Stretford Library", "Stretford & Humphrey Park", "M32 8", 35, "data_voucher"),
];

/// A batch and its stock; returns the batch id and its SIM ids in order.
fn batch(
    conn: &mut PgConnection,
    supplier: Uuid,
    kind: &str,
    hub: Uuid,
    received_on: NaiveDate,
    count: usize,
    serial: &mut u64,
) -> Result<(Uuid, Vec<Uuid>), ApiError> {
    let (network, gb, months) = if kind == "physical_sim" { ("O2", 25, 12) } else { ("Vodafone", 20, 6) };
    let id = new_id();
    diesel::insert_into(sim_batches::table)
        .values((
            sim_batches::id.eq(id),
            sim_batches::supplier_id.eq(supplier),
            sim_batches::network.eq(network),
            sim_batches::kind.eq(kind),
            sim_batches::data_gb_per_month.eq(gb),
            sim_batches::duration_months.eq(months),
            sim_batches::received_on.eq(received_on),
            sim_batches::hub_id.eq(hub),
            sim_batches::reference.eq(format!("{}-{}", network.to_uppercase(), received_on.format("%Y-%m"))),
        ))
        .execute(conn)?;
    let mut ids = Vec::with_capacity(count);
    for _ in 0..count {
        *serial += 1;
        let (iccid, code) = if kind == "physical_sim" {
            let base = format!("89441100{:010}", 7_000_000 + *serial);
            (rules::luhn_check_digit(&base).map(|d| format!("{base}{d}")), None)
        } else {
            (None, Some(format!("VF-DEMO-{:04}-{:04}", 1000 + *serial, 9000 - *serial)))
        };
        let sim = new_id();
        diesel::insert_into(sims::table)
            .values((
                sims::id.eq(sim),
                sims::batch_id.eq(id),
                sims::supplier_id.eq(supplier),
                sims::iccid.eq(iccid),
                sims::voucher_code.eq(code),
            ))
            .execute(conn)?;
        ids.push(sim);
    }
    Ok((id, ids))
}

fn allocate(
    conn: &mut PgConnection,
    sim: Uuid,
    resident: Uuid,
    hub: Uuid,
    on: NaiveDate,
    months: u32,
    sale: Option<Uuid>,
) -> Result<(), ApiError> {
    diesel::update(sims::table.find(sim)).set(sims::status.eq("allocated")).execute(conn)?;
    diesel::insert_into(sim_allocations::table)
        .values((
            sim_allocations::id.eq(new_id()),
            sim_allocations::sim_id.eq(sim),
            sim_allocations::resident_id.eq(resident),
            sim_allocations::hub_id.eq(hub),
            sim_allocations::allocated_on.eq(on),
            sim_allocations::expires_on.eq(rules::expiry(on, months)),
            sim_allocations::sale_id.eq(sale),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn seed(conn: &mut PgConnection) -> Result<(), ApiError> {
    let databank = new_id();
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(databank),
            organisations::name.eq("National Databank"),
            organisations::roles.eq(vec!["connectivity_supplier".to_owned()]),
        ))
        .execute(conn)?;
    let mercury: Uuid =
        organisations::table.filter(organisations::name.eq("Mercury Mobile")).select(organisations::id).first(conn)?;
    let today = crate::calendar::local_date(Utc::now());
    let first_session = sales::session_days(today).first().copied().unwrap_or(today);
    let mut serial = 0u64;

    // Every buyer leaves with a SIM from the venue's batch.
    let sold: Vec<(Uuid, Uuid, Uuid, chrono::DateTime<Utc>)> = sales_table::table
        .select((sales_table::id, sales_table::resident_id, sales_table::hub_id, sales_table::sold_at))
        .order(sales_table::sold_at)
        .load(conn)?;
    let mut stock: Vec<(Uuid, Vec<Uuid>)> = Vec::new();
    for (sale, resident, hub, sold_at) in sold {
        if !stock.iter().any(|(h, _)| *h == hub) {
            let (_, sims) =
                batch(conn, databank, "physical_sim", hub, first_session - Duration::days(14), 60, &mut serial)?;
            stock.push((hub, sims.into_iter().rev().collect()));
        }
        let Some(sim) = stock.iter_mut().find(|(h, _)| *h == hub).and_then(|(_, s)| s.pop()) else { continue };
        allocate(conn, sim, resident, hub, crate::calendar::local_date(sold_at), 12, Some(sale))?;
    }

    // Residents who came for connectivity alone, over the last five months.
    let mut n = 10_000usize;
    for (library, ward, area, count, kind) in SIM_ONLY {
        let hub = id_of_hub(conn, library)?;
        let ward_id = id_of_ward(conn, ward)?;
        let supplier = if *kind == "physical_sim" { databank } else { mercury };
        let (_, sims) = batch(conn, supplier, kind, hub, today - Duration::days(160), count + 20, &mut serial)?;
        for (i, sim) in sims.into_iter().take(*count).enumerate() {
            n += 1;
            let on = today - Duration::days(150 - (i as i64 * 150 / *count as i64));
            let resident = register(conn, n, hub, ward_id, format!("{area}{}", ["BX", "DY", "EZ"][i % 3]), on)?;
            allocate(conn, sim, resident, hub, on, if *kind == "physical_sim" { 12 } else { 6 }, None)?;
        }
    }
    Ok(())
}
