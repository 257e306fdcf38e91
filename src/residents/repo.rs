//! Resident queries.

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{CreateResident, ResidentChanges, ResidentRow};
use crate::db::schema::residents;
use crate::http::PageRequest;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ResidentRow>> {
    residents::table.find(id).select(ResidentRow::as_select()).first(conn).optional()
}

/// The row, locked until the transaction ends (sales and allocations for one resident queue here).
pub fn lock(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<ResidentRow>> {
    residents::table.find(id).select(ResidentRow::as_select()).for_update().first(conn).optional()
}

/// The resident a device, SIM or hold is being given to, locked for the transaction: 404 (naming
/// `resident_id`) if unknown, 409 if their record was erased.
pub fn lock_for_service(conn: &mut PgConnection, id: Uuid) -> Result<ResidentRow, crate::http::ApiError> {
    let resident = lock(conn, id)?.ok_or_else(|| crate::http::ApiError::unknown_reference("resident_id"))?;
    if resident.erased_at.is_some() {
        return Err(crate::http::ApiError::conflict("this resident's record was erased; register them again"));
    }
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
    verified_by: Uuid,
    hub: Option<Uuid>,
) -> QueryResult<ResidentRow> {
    diesel::insert_into(residents::table)
        .values((
            residents::id.eq(crate::db::new_id()),
            residents::name.eq(&new.name),
            residents::phone.eq(&new.phone),
            residents::email.eq(&new.email),
            residents::postcode.eq(&new.postcode),
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
    id: Uuid,
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
pub fn touch(conn: &mut PgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(residents::table.find(id)).set(residents::last_activity_at.eq(Utc::now())).execute(conn).map(|_| ())
}
