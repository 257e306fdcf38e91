//! Reading impact: the factor sets (every signed-in role: they are published reference figures)
//! and a device's own ledger entry.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::Principal;
use crate::auth::principal::ANY_ROLE;
use crate::db::run_blocking;
use crate::db::schema::{impact_factor_sets, impact_factors, impact_ledger};
use crate::http::{ApiError, Page};

#[derive(Debug, Serialize)]
pub struct Factor {
    pub category: String,
    pub manufacture_co2e_kg: f64,
    pub weight_kg: f64,
    pub reliability: Option<i16>,
    pub source_note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FactorSet {
    pub id: Uuid,
    pub name: String,
    pub version: String,
    pub source: String,
    /// Share of a new purchase a reused device displaces (0.5 = half).
    pub displacement: f64,
    pub is_default: bool,
    /// Whether devices have been counted under this set (it can then never change).
    pub in_use: bool,
    pub locked_at: Option<DateTime<Utc>>,
    pub factors: Vec<Factor>,
    pub created_at: DateTime<Utc>,
}

type SetRow = (Uuid, String, String, String, i32, bool, Option<DateTime<Utc>>, DateTime<Utc>);
type FactorRow = (Uuid, String, i64, i32, Option<i16>, Option<String>);

fn kg(grams: i64) -> f64 {
    grams as f64 / 1000.0
}

pub(super) fn load(conn: &mut diesel::PgConnection, only: Option<Uuid>) -> Result<Vec<FactorSet>, ApiError> {
    let mut query = impact_factor_sets::table
        .select((
            impact_factor_sets::id,
            impact_factor_sets::name,
            impact_factor_sets::version,
            impact_factor_sets::source,
            impact_factor_sets::displacement_bp,
            impact_factor_sets::is_default,
            impact_factor_sets::locked_at,
            impact_factor_sets::created_at,
        ))
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(impact_factor_sets::id.eq(id));
    }
    let sets: Vec<SetRow> = query.order(impact_factor_sets::id).load(conn)?;
    let ids: Vec<Uuid> = sets.iter().map(|s| s.0).collect();
    let factors: Vec<FactorRow> = impact_factors::table
        .filter(impact_factors::set_id.eq_any(&ids))
        .select((
            impact_factors::set_id,
            impact_factors::category,
            impact_factors::manufacture_co2e_g,
            impact_factors::weight_g,
            impact_factors::reliability,
            impact_factors::source_note,
        ))
        .order((impact_factors::set_id, impact_factors::category))
        .load(conn)?;
    Ok(sets
        .into_iter()
        .map(|(id, name, version, source, bp, is_default, locked_at, created_at)| FactorSet {
            id,
            name,
            version,
            source,
            displacement: f64::from(bp) / 10_000.0,
            is_default,
            in_use: locked_at.is_some(),
            locked_at,
            factors: factors
                .iter()
                .filter(|f| f.0 == id)
                .map(|f| Factor {
                    category: f.1.clone(),
                    manufacture_co2e_kg: kg(f.2),
                    weight_kg: kg(i64::from(f.3)),
                    reliability: f.4,
                    source_note: f.5.clone(),
                })
                .collect(),
            created_at,
        })
        .collect())
}

pub async fn list_sets(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        load(conn, None)
    })
    .await?;
    Ok(HttpResponse::Ok().json(Page { items, next_cursor: None }))
}

pub async fn get_set(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let set = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ANY_ROLE)?;
        load(conn, Some(id))?.pop().ok_or_else(|| ApiError::not_found("factor set"))
    })
    .await?;
    Ok(HttpResponse::Ok().json(set))
}

#[derive(Debug, Serialize)]
pub struct DeviceImpact {
    pub device_id: Uuid,
    /// False until the device is first sold, lent or recycled.
    pub counted: bool,
    /// `reused` or `recycled`.
    pub kind: Option<String>,
    pub factor_set_id: Option<Uuid>,
    pub category: Option<String>,
    pub co2e_saved_kg: f64,
    pub landfill_saved_kg: f64,
    /// `device` (its own weight) or `category_average`.
    pub weight_source: Option<String>,
    pub counted_at: Option<DateTime<Utc>>,
}

type LedgerRow = (String, Uuid, String, i64, i64, String, DateTime<Utc>);

/// `GET /api/v1/devices/{id}/impact`: what the device saved, under which factor set, and when it
/// was counted.
pub async fn device_impact(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let impact = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, crate::devices::handlers::READERS)?;
        crate::devices::scope::visible(conn, &actor, id)?;
        let row: Option<LedgerRow> = impact_ledger::table
            .find(id)
            .select((
                impact_ledger::kind,
                impact_ledger::set_id,
                impact_ledger::category,
                impact_ledger::co2e_saved_g,
                impact_ledger::landfill_saved_g,
                impact_ledger::weight_source,
                impact_ledger::occurred_at,
            ))
            .first(conn)
            .optional()?;
        Ok(match row {
            Some((kind, set, category, co2e, landfill, source, at)) => DeviceImpact {
                device_id: id,
                counted: true,
                kind: Some(kind),
                factor_set_id: Some(set),
                category: Some(category),
                co2e_saved_kg: kg(co2e),
                landfill_saved_kg: kg(landfill),
                weight_source: Some(source),
                counted_at: Some(at),
            },
            None => DeviceImpact {
                device_id: id,
                counted: false,
                kind: None,
                factor_set_id: None,
                category: None,
                co2e_saved_kg: 0.0,
                landfill_saved_kg: 0.0,
                weight_source: None,
                counted_at: None,
            },
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(impact))
}
