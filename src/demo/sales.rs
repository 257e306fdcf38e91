//! A year of pop-up shops: a session every Saturday for the last 52 weeks, rotating between five
//! venues, 265 laptops sold at £60 to residents of the wards around them (and one more resident
//! registered at each session who did not buy). The laptops come from monthly donations received at
//! the warehouse, refurbished by the partner and carried to the venue; a couple of devices in
//! each donation are beyond repair and recycled; two sales are refunded; and a few laptops wait on
//! the shelf at the two libraries. Dated as they happened,
//! so the reports show the year month by month.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::stock::{self, Journey};
use crate::db::new_id;
use crate::db::schema::{donations, hubs, organisations, residents, sales, sales_sessions, wards};
use crate::devices::models::Action;
use crate::devices::models::Category;
use crate::devices::models::Move;
use crate::devices::repo as devices_repo;
use crate::devices::repo::moves;
use crate::handover::Handover;
use crate::http::ApiError;
use crate::sales::rules;

const FIRST: &[&str] =
    &["Amina", "Ben", "Chloe", "Dev", "Ellie", "Farah", "George", "Hannah", "Imran", "Jess", "Kofi", "Lucy", "Mo"];
const LAST: &[&str] =
    &["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Khan", "Nowak", "Okafor", "Patel", "Smith", "Wright"];

pub const ELIGIBILITY: &[&str] = &[
    "universal_credit",
    "pension_credit",
    "universal_credit",
    "pip_dla",
    "council_tax_support",
    "universal_credit",
    "care_leaver",
    "partner_referral",
    "housing_benefit",
];

/// (venue hub, its ward, postcode area)
const VENUES: &[(&str, &str, &str)] = &[
    ("Old Trafford Pop-up", "Old Trafford", "M16 9"),
    ("Partington Community Centre", "Bucklow-St Martins", "M31 4"),
    ("Lostock Pop-up", "Lostock & Barton", "M41 0"),
    ("Altrincham Library", "Altrincham", "WA14 1"),
    ("Sale Library", "Sale Central", "M33 7"),
];

/// Wards some buyers come from instead of the venue's own.
const NEIGHBOURS: &[&str] =
    &["Gorse Hill & Cornbrook", "Longford", "Stretford & Humphrey Park", "Sale Moor", "Urmston"];

/// Donors of the monthly laptop donations, in turn.
const DONORS: &[&str] =
    &["Trafford Council", "Royal Mail", "Trafford Homes Housing Association", "Trafford Park Logistics"];

pub const SESSIONS: usize = 52;
pub const SALES: usize = 265;
const BEYOND_REPAIR_PER_DONATION: usize = 2;
const READY_AT_EACH_LIBRARY: usize = 4;

pub fn id_of_hub(conn: &mut PgConnection, name: &str) -> Result<Uuid, ApiError> {
    Ok(hubs::table.filter(hubs::name.eq(name)).select(hubs::id).first(conn)?)
}

pub fn id_of_ward(conn: &mut PgConnection, name: &str) -> Result<Option<Uuid>, ApiError> {
    Ok(wards::table.filter(wards::name.eq(name)).select(wards::id).first(conn).optional()?)
}

/// An instant `minutes` after `hour` o'clock UTC on `day`.
pub fn at(day: NaiveDate, hour: u32, minutes: u32) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
        + Duration::hours(i64::from(hour))
        + Duration::minutes(i64::from(minutes))
}

/// The organisation called `name` with the donor part, created if missing.
pub fn donor(conn: &mut PgConnection, name: &str) -> Result<Uuid, ApiError> {
    let found: Option<Uuid> =
        organisations::table.filter(organisations::name.eq(name)).select(organisations::id).first(conn).optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let id = new_id();
    diesel::insert_into(organisations::table)
        .values((organisations::id.eq(id), organisations::name.eq(name), organisations::roles.eq(vec!["donor"])))
        .execute(conn)?;
    Ok(id)
}

/// A resident registered at `hub` on `on`; returns its id.
pub fn register(
    conn: &mut PgConnection,
    n: usize,
    hub: Uuid,
    ward: Option<Uuid>,
    postcode: String,
    on: NaiveDate,
) -> Result<Uuid, ApiError> {
    let id = new_id();
    diesel::insert_into(residents::table)
        .values((
            residents::id.eq(id),
            residents::name.eq(format!("{} {}", FIRST[n % FIRST.len()], LAST[(n * 7) % LAST.len()])),
            residents::postcode.eq(postcode),
            residents::ward_id.eq(ward),
            residents::eligibility.eq(ELIGIBILITY[n % ELIGIBILITY.len()]),
            residents::eligibility_verified_on.eq(on),
            residents::registered_at_hub_id.eq(hub),
            residents::created_at.eq(at(on, 10, 0)),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The monthly donations, created as sessions need them: one a month, received at the warehouse
/// on the 3rd, from the donors in turn.
struct Donations {
    warehouse: Uuid,
    refurbisher: Uuid,
    by_month: HashMap<NaiveDate, (Uuid, DateTime<Utc>)>,
    recycled: usize,
}

impl Donations {
    fn of_month(&mut self, conn: &mut PgConnection, month: NaiveDate) -> Result<(Uuid, DateTime<Utc>), ApiError> {
        if let Some(found) = self.by_month.get(&month) {
            return Ok(*found);
        }
        let index = self.by_month.len();
        let donor = donor(conn, DONORS[index % DONORS.len()])?;
        let received_on = month.with_day(3).unwrap_or(month);
        let id = new_id();
        diesel::insert_into(donations::table)
            .values((
                donations::id.eq(id),
                donations::donor_id.eq(donor),
                donations::hub_id.eq(self.warehouse),
                donations::received_on.eq(received_on),
                donations::donor_reference.eq(format!("IT-REFRESH-{}", month.format("%Y-%m"))),
            ))
            .execute(conn)?;
        let received = at(received_on, 10, 0);
        let journey = self.journey(id, received, self.warehouse, received + Duration::days(30));
        for _ in 0..BEYOND_REPAIR_PER_DONATION {
            self.recycled += 1;
            stock::recycled(
                conn,
                stock::LAPTOPS[self.recycled % stock::LAPTOPS.len()],
                90_000 + self.recycled,
                &journey,
            )?;
        }
        self.by_month.insert(month, (id, received));
        Ok((id, received))
    }

    fn journey(&self, donation: Uuid, received: DateTime<Utc>, to: Uuid, ready_by: DateTime<Utc>) -> Journey {
        Journey {
            refurbisher: self.refurbisher,
            donation: Some(donation),
            received_at_hub: self.warehouse,
            received_at: received,
            ready_at_hub: to,
            ready_by,
        }
    }
}

/// The Saturdays of the last `SESSIONS` weeks before `today`, oldest first.
pub fn session_days(today: NaiveDate) -> Vec<NaiveDate> {
    let back = (today.weekday().num_days_from_monday() + 7 - Weekday::Sat.num_days_from_monday()) % 7;
    let last = today - Duration::days(i64::from(if back == 0 { 7 } else { back }));
    (0..SESSIONS).rev().map(|w| last - Duration::weeks(w as i64)).collect()
}

pub fn seed(conn: &mut PgConnection, refurbisher: Uuid) -> Result<(), ApiError> {
    let today = crate::calendar::local_date(Utc::now());
    let mut donations = Donations {
        warehouse: id_of_hub(conn, "Tech4All Warehouse")?,
        refurbisher,
        by_month: HashMap::new(),
        recycled: 0,
    };
    let mut n = 0usize;
    for (week, day) in session_days(today).into_iter().enumerate() {
        let (venue, ward, area) = VENUES[week % VENUES.len()];
        let hub = id_of_hub(conn, venue)?;
        let ward_id = id_of_ward(conn, ward)?;
        let session = new_id();
        diesel::insert_into(sales_sessions::table)
            .values((
                sales_sessions::id.eq(session),
                sales_sessions::hub_id.eq(hub),
                sales_sessions::held_on.eq(day),
                sales_sessions::name.eq(format!("{} pop-up shop", ward)),
                sales_sessions::closed_at.eq(at(day, 16, 0)),
            ))
            .execute(conn)?;
        let month = (day - Duration::days(35)).with_day(1).unwrap_or(day);
        let (donation, received) = donations.of_month(conn, month)?;
        let sold_here = SALES / SESSIONS + usize::from(week < SALES % SESSIONS);
        for i in 0..=sold_here {
            n += 1;
            let home = if n % 4 == 3 { id_of_ward(conn, NEIGHBOURS[n % NEIGHBOURS.len()])? } else { ward_id };
            let postcode = format!("{area}{}", ["AB", "DF", "GH", "JL", "NP", "QR", "SU"][i % 7]);
            let resident = register(conn, n, hub, home, postcode, day)?;
            // The last resident of each session registered but did not buy (yet).
            if i == sold_here {
                continue;
            }
            let journey = donations.journey(donation, received, hub, at(day, 9, 0));
            let device = stock::refurbished(conn, stock::LAPTOPS[n % stock::LAPTOPS.len()], n, &journey)?;
            let sold_at = at(day, 11, 12 * i as u32);
            let sale = sell(conn, device, resident, hub, session, sold_at, if i % 3 == 0 { "card" } else { "cash" })?;
            // Two buyers bring theirs back within the week.
            if (week == 12 || week == 33) && i == 0 {
                refund(conn, sale, device, hub, sold_at + Duration::days(3))?;
            }
        }
    }
    // On the shelf at the two libraries for the coming week.
    let (donation, received) = donations.of_month(conn, (today - Duration::days(35)).with_day(1).unwrap_or(today))?;
    for library in ["Altrincham Library", "Sale Library"] {
        let hub = id_of_hub(conn, library)?;
        for _ in 0..READY_AT_EACH_LIBRARY {
            n += 1;
            let journey = donations.journey(donation, received, hub, at(today, 9, 0));
            stock::refurbished(conn, stock::LAPTOPS[n % stock::LAPTOPS.len()], n, &journey)?;
        }
    }
    Ok(())
}

fn sell(
    conn: &mut PgConnection,
    device: Uuid,
    resident: Uuid,
    hub: Uuid,
    session: Uuid,
    sold_at: DateTime<Utc>,
    payment: &str,
) -> Result<Uuid, ApiError> {
    let year = rules::receipt_year(sold_at);
    let prefix = crate::schemes::repo::own(conn)?.receipt_prefix;
    let receipt = rules::receipt_number(&prefix, year, crate::sales::repo::next_receipt(conn, year)?);
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
            sales::payment_method.eq(payment),
            sales::sold_at.eq(sold_at),
        ))
        .execute(conn)?;
    let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
    let details = json!({ "sale_id": sale, "receipt_number": receipt });
    moves::apply(conn, &Handover, &row, None, Move::new("sold").action(Action::Sell).details(details).at(sold_at))?;
    Ok(sale)
}

fn refund(conn: &mut PgConnection, sale: Uuid, device: Uuid, hub: Uuid, on: DateTime<Utc>) -> Result<(), ApiError> {
    diesel::update(sales::table.find(sale))
        .set((sales::refunded_at.eq(on), sales::refund_reason.eq("did not suit"), sales::refund_faulty.eq(false)))
        .execute(conn)?;
    let row = devices_repo::find(conn, device.into())?.ok_or_else(|| ApiError::not_found("device"))?;
    let mut mv =
        Move::new("refunded").action(Action::Refund).details(json!({ "sale_id": sale, "faulty": false })).at(on);
    mv.hub_id = Some(Some(hub.into()));
    let refunded = moves::apply(conn, &Handover, &row, None, mv)?;
    super::reset_at_counter(conn, &refunded, on)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_the_last_52_saturdays_before_today() {
        let tuesday = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let days = session_days(tuesday);
        assert_eq!(days.len(), 52);
        assert_eq!(days.last(), NaiveDate::from_ymd_opt(2026, 11, 28).as_ref());
        assert!(days.iter().all(|d| d.weekday() == Weekday::Sat));
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        assert_eq!(session_days(saturday).last(), NaiveDate::from_ymd_opt(2026, 11, 21).as_ref(), "not today's");
    }

    #[test]
    fn sales_through_a_long_session_stay_on_its_day() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        assert_eq!(at(day, 11, 72).to_rfc3339(), "2026-11-28T12:12:00+00:00");
    }

    #[test]
    fn the_sessions_sell_265_laptops() {
        let sold: usize = (0..SESSIONS).map(|w| SALES / SESSIONS + usize::from(w < SALES % SESSIONS)).sum();
        assert_eq!(sold, 265);
    }
}
