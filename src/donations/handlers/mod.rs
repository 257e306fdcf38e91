//! HTTP handlers of the donations slice: the donation records, the manifest import and the
//! sanitisation report.

pub mod manifest;
pub mod records;
pub mod report;

use diesel::pg::PgConnection;

use super::models::DonationRow;
use super::repo;
use crate::auth::Actor;
use crate::http::ApiError;
use crate::ids::DonationId;

/// The donation, if the actor may see it (staff only at their hubs); 404 otherwise.
pub fn visible(conn: &mut PgConnection, actor: &Actor, id: DonationId) -> Result<DonationRow, ApiError> {
    repo::find(conn, id)?.filter(|d| actor.works_at(d.hub_id)).ok_or_else(|| ApiError::not_found("donation"))
}
