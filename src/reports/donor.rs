//! `GET /api/v1/organisations/{id}/impact`: a donor's impact statement — what its devices became
//! and the carbon and landfill their reuse saved. Aggregates only.

use actix_web::{HttpResponse, web};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::run_blocking;
use crate::db::schema::{devices, donations};
use crate::devices::lifecycle::DeviceStatus;
use crate::donations::report::{Outcome, outcome};
use crate::http::ApiError;

#[derive(Debug, Default, Serialize)]
pub struct Outcomes {
    pub awaiting_refurbishment: i64,
    pub in_refurbishment: i64,
    pub refurbished: i64,
    pub distributed: i64,
    pub beyond_repair: i64,
    pub recycled: i64,
    pub lost: i64,
}

#[derive(Debug, Serialize)]
pub struct DonorImpact {
    pub organisation_id: Uuid,
    pub name: String,
    pub donations: i64,
    pub devices_donated: i64,
    pub outcomes: Outcomes,
    pub devices_reused: i64,
    pub devices_recycled: i64,
    pub co2e_saved_kg: f64,
    pub landfill_saved_kg: f64,
}

#[derive(QueryableByName)]
struct Saved {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    reused: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    recycled: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    co2e_g: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    landfill_g: i64,
}

pub async fn donor_impact(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let statement = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, &[Role::Admin, Role::HubStaff, Role::Reporter])?;
        let org = crate::organisations::repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("organisation"))?;
        let donation_count: i64 = donations::table.filter(donations::donor_id.eq(id)).count().get_result(conn)?;
        let by_status: Vec<(DeviceStatus, i64)> = devices::table
            .inner_join(donations::table)
            .filter(donations::donor_id.eq(id))
            .group_by(devices::status)
            .select((devices::status, count_star()))
            .load(conn)?;
        let mut outcomes = Outcomes::default();
        for (status, n) in &by_status {
            let slot = match outcome(*status) {
                Outcome::AwaitingRefurbishment => &mut outcomes.awaiting_refurbishment,
                Outcome::InRefurbishment => &mut outcomes.in_refurbishment,
                Outcome::Refurbished => &mut outcomes.refurbished,
                Outcome::Distributed => &mut outcomes.distributed,
                Outcome::BeyondRepair => &mut outcomes.beyond_repair,
                Outcome::Recycled => &mut outcomes.recycled,
                Outcome::Lost => &mut outcomes.lost,
            };
            *slot += n;
        }
        let saved: Saved = diesel::sql_query(
            "SELECT coalesce(sum(devices_reused), 0)::bigint AS reused, \
             coalesce(sum(devices_recycled), 0)::bigint AS recycled, \
             coalesce(sum(co2e_saved_g), 0)::bigint AS co2e_g, coalesce(sum(landfill_saved_g), 0)::bigint AS landfill_g \
             FROM impact_rollup WHERE grain = 1 AND donor_id = $1",
        )
        .bind::<diesel::sql_types::Uuid, _>(id)
        .get_result(conn)?;
        Ok(DonorImpact {
            organisation_id: id,
            name: org.name,
            donations: donation_count,
            devices_donated: by_status.iter().map(|(_, n)| n).sum(),
            outcomes,
            devices_reused: saved.reused,
            devices_recycled: saved.recycled,
            co2e_saved_kg: saved.co2e_g as f64 / 1000.0,
            landfill_saved_kg: saved.landfill_g as f64 / 1000.0,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(statement))
}
