//! Accessory queries: kinds, what went with each hand-over, and what is still out.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{AccessoryKind, Issued, Items, Missing, ResidentMissing, UpdateKind};
use crate::db::schema::{accessory_kinds, handover_accessories, loans, residents};
use crate::ids::{AccessoryKindId, HandOver as Hand, HubId, LoanId, ResidentId};

pub fn kinds(conn: &mut PgConnection) -> QueryResult<Vec<AccessoryKind>> {
    accessory_kinds::table
        .order((accessory_kinds::name, accessory_kinds::id))
        .select(AccessoryKind::as_select())
        .load(conn)
}

pub fn find_kind(conn: &mut PgConnection, id: AccessoryKindId) -> QueryResult<Option<AccessoryKind>> {
    accessory_kinds::table.filter(accessory_kinds::id.eq(id)).select(AccessoryKind::as_select()).first(conn).optional()
}

pub fn insert_kind(conn: &mut PgConnection, name: &str) -> QueryResult<AccessoryKind> {
    diesel::insert_into(accessory_kinds::table)
        .values((accessory_kinds::id.eq(AccessoryKindId::new()), accessory_kinds::name.eq(name)))
        .returning(AccessoryKind::as_returning())
        .get_result(conn)
}

pub fn update_kind(
    conn: &mut PgConnection,
    id: AccessoryKindId,
    version: i32,
    patch: &UpdateKind,
) -> QueryResult<Option<AccessoryKind>> {
    diesel::update(
        accessory_kinds::table.filter(accessory_kinds::id.eq(id)).filter(accessory_kinds::version.eq(version)),
    )
    .set((patch, accessory_kinds::version.eq(accessory_kinds::version + 1), accessory_kinds::updated_at.eq(Utc::now())))
    .returning(AccessoryKind::as_returning())
    .get_result(conn)
    .optional()
}

/// The active kinds among `ids`.
pub fn active_among(conn: &mut PgConnection, ids: &[AccessoryKindId]) -> QueryResult<Vec<AccessoryKindId>> {
    accessory_kinds::table
        .filter(accessory_kinds::id.eq_any(ids))
        .filter(accessory_kinds::active.eq(true))
        .select(accessory_kinds::id)
        .load(conn)
}

pub fn issue(conn: &mut PgConnection, hand: Hand, items: &[Items]) -> QueryResult<()> {
    let (loan, sale) = hand.columns();
    let rows: Vec<_> = items
        .iter()
        .map(|i| {
            (
                handover_accessories::id.eq(crate::db::new_id()),
                handover_accessories::kind_id.eq(i.kind_id),
                handover_accessories::loan_id.eq(loan),
                handover_accessories::sale_id.eq(sale),
                handover_accessories::quantity.eq(i.quantity),
            )
        })
        .collect();
    diesel::insert_into(handover_accessories::table).values(rows).execute(conn)?;
    Ok(())
}

pub fn of(conn: &mut PgConnection, hand: Hand) -> QueryResult<Vec<Issued>> {
    let query = handover_accessories::table.inner_join(accessory_kinds::table).into_boxed();
    let query = match hand {
        Hand::Loan(l) => query.filter(handover_accessories::loan_id.eq(l)),
        Hand::Sale(s) => query.filter(handover_accessories::sale_id.eq(s)),
    };
    query
        .order(accessory_kinds::name)
        .select((
            handover_accessories::kind_id,
            accessory_kinds::name,
            handover_accessories::quantity,
            handover_accessories::returned_quantity,
            handover_accessories::returned_at,
        ))
        .load::<Issued>(conn)
}

pub fn issued_with_loan(conn: &mut PgConnection, loan: LoanId) -> QueryResult<Vec<(AccessoryKindId, i32)>> {
    handover_accessories::table
        .filter(handover_accessories::loan_id.eq(loan))
        .select((handover_accessories::kind_id, handover_accessories::quantity))
        .load(conn)
}

pub fn mark_returned(
    conn: &mut PgConnection,
    loan: LoanId,
    back: &[(AccessoryKindId, i32)],
    at: DateTime<Utc>,
) -> QueryResult<()> {
    for (kind, quantity) in back {
        diesel::update(
            handover_accessories::table
                .filter(handover_accessories::loan_id.eq(loan))
                .filter(handover_accessories::kind_id.eq(kind)),
        )
        .set((handover_accessories::returned_quantity.eq(quantity), handover_accessories::returned_at.eq(at)))
        .execute(conn)?;
    }
    Ok(())
}

/// Accessories of returned loans that did not all come back, per resident, oldest loan first.
pub fn outstanding(
    conn: &mut PgConnection,
    hubs: Option<&[HubId]>,
    resident: Option<ResidentId>,
) -> QueryResult<Vec<ResidentMissing>> {
    let mut query = handover_accessories::table
        .inner_join(accessory_kinds::table)
        .inner_join(loans::table.inner_join(residents::table))
        .filter(handover_accessories::returned_quantity.lt(handover_accessories::quantity.nullable()))
        .into_boxed();
    if let Some(hubs) = hubs {
        query = query.filter(loans::hub_id.eq_any(hubs.to_vec()));
    }
    if let Some(resident) = resident {
        query = query.filter(loans::resident_id.eq(resident));
    }
    type Row = (
        ResidentId,
        String,
        Option<String>,
        LoanId,
        HubId,
        AccessoryKindId,
        String,
        i32,
        Option<i32>,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<Row> = query
        .order((residents::reference, loans::id, accessory_kinds::name))
        .select((
            residents::id,
            residents::reference,
            residents::name,
            loans::id,
            loans::hub_id,
            handover_accessories::kind_id,
            accessory_kinds::name,
            handover_accessories::quantity,
            handover_accessories::returned_quantity,
            handover_accessories::returned_at,
        ))
        .limit(5000)
        .load(conn)?;
    let mut out: Vec<ResidentMissing> = Vec::new();
    for (resident_id, reference, name, loan_id, hub_id, kind_id, kind, issued, returned, returned_at) in rows {
        let returned = returned.unwrap_or(0);
        let item =
            Missing { loan_id, hub_id, kind_id, name: kind, issued, returned, missing: issued - returned, returned_at };
        match out.last_mut() {
            Some(last) if last.resident_id == resident_id => last.items.push(item),
            _ => out.push(ResidentMissing { resident_id, reference, name, items: vec![item] }),
        }
    }
    Ok(out)
}
