//! Resident queries: finding, registering and correcting residents, erasing their personal data,
//! and the locked look-up every slice that serves a resident goes through.

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{CreateResident, ResidentChanges, ResidentRow};
use super::rules::{self, Refusal};
use crate::db::schema::residents;
use crate::http::PageRequest;
use crate::ids::{HubId, ResidentId, UserId};

/// What serving a resident can fail with: a refusal of the slice, or a database error.
#[derive(Debug)]
pub enum ResidentError {
    Refused(Refusal),
    Query(diesel::result::Error),
}

impl From<Refusal> for ResidentError {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

impl From<diesel::result::Error> for ResidentError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Query(e)
    }
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

pub fn find(conn: &mut PgConnection, id: ResidentId) -> QueryResult<Option<ResidentRow>> {
    residents::table.find(id).select(ResidentRow::as_select()).first(conn).optional()
}

/// The row, locked until the transaction ends (sales and allocations for one resident queue here).
pub fn lock(conn: &mut PgConnection, id: ResidentId) -> QueryResult<Option<ResidentRow>> {
    residents::table.find(id).select(ResidentRow::as_select()).for_update().first(conn).optional()
}

/// The resident a device, SIM or hold is being given to (named in the body as `resident_id`),
/// locked for the transaction so that per-resident limits hold under concurrency; refused if
/// unknown or erased.
pub fn lock_for_service(conn: &mut PgConnection, id: ResidentId) -> Result<ResidentRow, ResidentError> {
    let resident = lock(conn, id)?.ok_or(Refusal::UnknownReference("resident_id"))?;
    rules::may_be_served(&resident)?;
    Ok(resident)
}

pub fn by_reference(conn: &mut PgConnection, reference: &str) -> QueryResult<Vec<ResidentRow>> {
    residents::table
        .filter(residents::reference.eq(reference.trim().to_uppercase()))
        .select(ResidentRow::as_select())
        .load(conn)
}

pub fn by_name_and_postcode(
    conn: &mut PgConnection,
    name: &str,
    postcode: &str,
    page: &PageRequest,
) -> QueryResult<Vec<ResidentRow>> {
    let mut query = residents::table
        .filter(residents::erased_at.is_null())
        .filter(lower(residents::name).eq(name.trim().to_lowercase()))
        .filter(residents::postcode.eq(postcode))
        .select(ResidentRow::as_select())
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(residents::id.gt(after));
    }
    query.order(residents::id).limit(page.fetch()).load(conn)
}

pub fn all(conn: &mut PgConnection, page: &PageRequest) -> QueryResult<Vec<ResidentRow>> {
    let mut query = residents::table.select(ResidentRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(residents::id.gt(after));
    }
    query.order(residents::id).limit(page.fetch()).load(conn)
}

pub fn insert(
    conn: &mut PgConnection,
    new: &CreateResident,
    verified_by: UserId,
    hub: Option<HubId>,
) -> QueryResult<ResidentRow> {
    diesel::insert_into(residents::table)
        .values((
            residents::id.eq(ResidentId::new()),
            residents::name.eq(&new.name),
            residents::phone.eq(&new.phone),
            residents::email.eq(&new.email),
            residents::postcode.eq(&new.postcode),
            residents::address_lines.eq(&new.address_lines),
            residents::ward_id.eq(new.ward_id),
            residents::eligibility.eq(new.eligibility),
            residents::eligibility_verified_by.eq(verified_by),
            residents::eligibility_verified_on.eq(new
                .eligibility_verified_on
                .map(crate::calendar::Date::day)
                .unwrap_or_else(|| Utc::now().date_naive())),
            residents::contact_consent.eq(new.contact_consent),
            residents::registered_at_hub_id.eq(hub),
        ))
        .returning(ResidentRow::as_returning())
        .get_result(conn)
}

pub fn update(
    conn: &mut PgConnection,
    id: ResidentId,
    version: i32,
    changes: &ResidentChanges,
) -> QueryResult<Option<ResidentRow>> {
    diesel::update(residents::table.filter(residents::id.eq(id)).filter(residents::version.eq(version)))
        .set((changes, residents::version.eq(residents::version + 1), residents::updated_at.eq(Utc::now())))
        .returning(ResidentRow::as_returning())
        .get_result(conn)
        .optional()
}

/// Something happened for the resident (a sale, a loan, a SIM): retention counts from here.
pub fn touch(conn: &mut PgConnection, id: ResidentId) -> QueryResult<()> {
    diesel::update(residents::table.find(id)).set(residents::last_activity_at.eq(Utc::now())).execute(conn).map(|_| ())
}

/// Removes every personal field, keeping the surrogate id, reference, ward and eligibility category
/// so history and aggregate figures stay whole. Erasing an erased resident changes nothing.
pub fn erase(conn: &mut PgConnection, id: ResidentId) -> QueryResult<()> {
    let erased = diesel::update(residents::table.find(id).filter(residents::erased_at.is_null()))
        .set((
            residents::name.eq(None::<String>),
            residents::phone.eq(None::<String>),
            residents::email.eq(None::<String>),
            residents::postcode.eq(None::<String>),
            residents::address_lines.eq(None::<Vec<String>>),
            residents::contact_consent.eq(false),
            residents::erased_at.eq(Utc::now()),
            residents::version.eq(residents::version + 1),
            residents::updated_at.eq(Utc::now()),
        ))
        .execute(conn)?;
    if erased == 1 {
        tracing::info!(resident_id = %id, "resident erased");
    }
    Ok(())
}

/// Residents not erased, with no activity since `months` ago.
pub fn due_for_erasure(conn: &mut PgConnection, months: u32) -> QueryResult<Vec<ResidentId>> {
    let cutoff = Utc::now() - chrono::Months::new(months);
    residents::table
        .filter(residents::erased_at.is_null())
        .filter(residents::last_activity_at.lt(cutoff))
        .select(residents::id)
        .order(residents::id)
        .load(conn)
}

/// Applies the retention rule; returns how many residents were erased.
pub fn apply_retention(conn: &mut PgConnection, months: u32) -> QueryResult<usize> {
    let due = due_for_erasure(conn, months)?;
    for id in &due {
        erase(conn, *id)?;
    }
    Ok(due.len())
}
