//! Organisation queries.

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{CreateOrganisation, OrganisationFilter, OrganisationRow, Saved, UpdateOrganisation};
use super::rules::stored_roles;
use crate::db::schema::{devices, donations, organisations};
use crate::devices::models::DeviceStatus;
use crate::http::{PageRequest, trimmed};
use crate::ids::OrganisationId;

pub fn find(conn: &mut PgConnection, id: OrganisationId) -> QueryResult<Option<OrganisationRow>> {
    organisations::table.find(id).select(OrganisationRow::as_select()).first(conn).optional()
}

pub fn list(
    conn: &mut PgConnection,
    filter: &OrganisationFilter,
    page: &PageRequest,
) -> QueryResult<Vec<OrganisationRow>> {
    let mut query = organisations::table.select(OrganisationRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(organisations::id.gt(after));
    }
    if let Some(role) = filter.role {
        query = query.filter(organisations::roles.contains(vec![role.as_str().to_owned()]));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(organisations::name.ilike(format!("%{}%", crate::db::like_escape(q))));
    }
    query.order(organisations::id).limit(page.fetch()).load(conn)
}

pub fn insert(conn: &mut PgConnection, new: &CreateOrganisation) -> QueryResult<OrganisationRow> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::id.eq(OrganisationId::new()),
            organisations::name.eq(new.name.trim()),
            organisations::roles.eq(stored_roles(&new.roles)),
            organisations::contact_name.eq(trimmed(new.contact_name.clone())),
            organisations::contact_email.eq(new.contact_email.as_ref().map(|e| e.to_lowercase())),
            organisations::contact_phone.eq(trimmed(new.contact_phone.clone())),
            organisations::address.eq(trimmed(new.address.clone())),
            organisations::notes.eq(trimmed(new.notes.clone())),
        ))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
}

#[derive(AsChangeset)]
#[diesel(table_name = organisations)]
struct Changes {
    name: Option<String>,
    roles: Option<Vec<String>>,
    contact_name: Option<Option<String>>,
    contact_email: Option<Option<String>>,
    contact_phone: Option<Option<String>>,
    address: Option<Option<String>>,
    notes: Option<Option<String>>,
}

pub fn update(
    conn: &mut PgConnection,
    id: OrganisationId,
    version: i32,
    patch: UpdateOrganisation,
) -> QueryResult<Option<OrganisationRow>> {
    let changes = Changes {
        name: patch.name.map(|n| n.trim().to_owned()),
        roles: patch.roles.as_deref().map(stored_roles),
        contact_name: patch.contact_name.map(trimmed),
        contact_email: patch.contact_email.map(|e| e.map(|e| e.to_lowercase())),
        contact_phone: patch.contact_phone.map(trimmed),
        address: patch.address.map(trimmed),
        notes: patch.notes.map(trimmed),
    };
    diesel::update(organisations::table.filter(organisations::id.eq(id)).filter(organisations::version.eq(version)))
        .set((changes, organisations::version.eq(organisations::version + 1), organisations::updated_at.eq(Utc::now())))
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
        .optional()
}

/// How many donations the organisation made.
pub fn donation_count(conn: &mut PgConnection, donor: OrganisationId) -> QueryResult<i64> {
    donations::table.filter(donations::donor_id.eq(donor)).count().get_result(conn)
}

/// The organisation's donated devices, counted by status.
pub fn donated_by_status(conn: &mut PgConnection, donor: OrganisationId) -> QueryResult<Vec<(DeviceStatus, i64)>> {
    devices::table
        .inner_join(donations::table)
        .filter(donations::donor_id.eq(donor))
        .group_by(devices::status)
        .select((devices::status, diesel::dsl::count_star()))
        .load(conn)
}

/// What the organisation's devices saved, from the report rollups (one row, zeros when none).
pub fn saved_by_donor(conn: &mut PgConnection, donor: OrganisationId) -> QueryResult<Saved> {
    diesel::sql_query(
        "SELECT coalesce(sum(devices_reused), 0)::bigint AS reused, \
         coalesce(sum(devices_recycled), 0)::bigint AS recycled, \
         coalesce(sum(co2e_saved_g), 0)::bigint AS co2e_g, coalesce(sum(landfill_saved_g), 0)::bigint AS landfill_g \
         FROM impact_rollup WHERE grain = 1 AND donor_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(donor)
    .get_result(conn)
}
