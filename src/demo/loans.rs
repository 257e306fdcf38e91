//! Demo loans at the library hubs: loans active, due soon, overdue, returned and written off, and a
//! waiting list for tablets at Stretford Library.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::new_id;
use crate::db::schema::{holds, hubs, loans, residents};
use crate::devices::lifecycle::Action;
use crate::devices::moves::{self, Move};
use crate::devices::repo as devices_repo;
use crate::http::ApiError;
use crate::loans::rules;

/// (library, days since lent, due in days from today, what happened)
const LOANS: &[(&str, i64, i64, &str)] = &[
    ("Altrincham Library", 3, 18, "active"),
    ("Altrincham Library", 19, 2, "active"),
    ("Sale Library", 30, -9, "overdue"),
    ("Stretford Library", 10, 11, "active"),
    ("Stretford Library", 40, -19, "returned"),
    ("Sale Library", 120, -99, "lost"),
];

pub fn seed(conn: &mut PgConnection, refurbisher: Uuid) -> Result<(), ApiError> {
    let people: Vec<Uuid> = residents::table.select(residents::id).order(residents::id).limit(9).load(conn)?;
    let now = chrono::Utc::now();
    let today = rules::local_date(now);
    for (i, (library, lent_days_ago, due_in, outcome)) in LOANS.iter().enumerate() {
        let hub: Uuid = hubs::table.filter(hubs::name.eq(library)).select(hubs::id).first(conn)?;
        let device = super::sales::ready_laptop(conn, hub, refurbisher, 900 + i)?;
        let lent_at = now - chrono::Duration::days(*lent_days_ago);
        let loan = new_id();
        diesel::insert_into(loans::table)
            .values((
                loans::id.eq(loan),
                loans::device_id.eq(device),
                loans::resident_id.eq(people[i]),
                loans::hub_id.eq(hub),
                loans::lent_at.eq(lent_at),
                loans::due_on.eq(today + chrono::Duration::days(*due_in)),
            ))
            .execute(conn)?;
        let row = devices_repo::find(conn, device)?.ok_or_else(|| ApiError::not_found("device"))?;
        let lent =
            moves::apply(conn, &row, None, Move::new("lent").action(Action::Lend).details(json!({ "loan_id": loan })))?;
        match *outcome {
            "returned" => {
                diesel::update(loans::table.find(loan))
                    .set((
                        loans::returned_at.eq(now - chrono::Duration::days(2)),
                        loans::returned_to_hub_id.eq(hub),
                        loans::return_condition.eq("ok"),
                    ))
                    .execute(conn)?;
                moves::apply(
                    conn,
                    &lent,
                    None,
                    Move::new("returned").action(Action::ReturnInGoodOrder).details(json!({ "loan_id": loan })),
                )?;
            }
            "lost" => {
                diesel::update(loans::table.find(loan))
                    .set(loans::lost_at.eq(now - chrono::Duration::days(1)))
                    .execute(conn)?;
                moves::apply(
                    conn,
                    &lent,
                    None,
                    Move::new("marked_lost").action(Action::MarkLost).details(json!({ "loan_id": loan })),
                )?;
            }
            _ => {}
        }
    }
    // Two people waiting for a tablet at Stretford, which has none free.
    let stretford: Uuid = hubs::table.filter(hubs::name.eq("Stretford Library")).select(hubs::id).first(conn)?;
    for (n, person) in people[6..8].iter().enumerate() {
        diesel::insert_into(holds::table)
            .values((
                holds::id.eq(new_id()),
                holds::resident_id.eq(person),
                holds::hub_id.eq(stretford),
                holds::category.eq("tablet"),
                holds::created_at.eq(now - chrono::Duration::hours(48 - n as i64)),
            ))
            .execute(conn)?;
    }
    Ok(())
}
