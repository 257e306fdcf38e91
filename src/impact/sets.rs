//! Adding factor sets and choosing the default (admins only). A new set gives figures for every
//! device category, so any device can be counted under it. Once a device has been counted under a
//! set the database freezes it: new evidence means a new set (or version), never an edited one.
//! An unused set that is not the default can be removed, for a set added by mistake.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

use super::handlers::{FactorSet, load};
use crate::AppState;
use crate::auth::Principal;
use crate::auth::principal::ADMIN;
use crate::db::schema::{impact_factor_sets, impact_factors};
use crate::db::{in_transaction, new_id, run_blocking};
use crate::devices::models::Category;
use crate::http::{ApiError, Json, Problems};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFactorSet {
    pub name: String,
    pub version: String,
    pub source: String,
    /// Share of a new purchase a reused device displaces, 0 to 1.
    pub displacement: f64,
    /// Figures for every category, keyed by category.
    pub factors: HashMap<Category, NewFactor>,
    #[serde(default)]
    pub make_default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFactor {
    pub manufacture_co2e_kg: f64,
    pub weight_kg: f64,
    pub reliability: Option<i16>,
    pub source_note: Option<String>,
}

/// A set's figures in the integer units the ledger uses.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckedSet {
    pub displacement_bp: i32,
    pub factors: Vec<CheckedFactor>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct CheckedFactor {
    pub category: Category,
    pub manufacture_co2e_g: i64,
    pub weight_g: i32,
    pub reliability: Option<i16>,
    pub source_note: Option<String>,
}

/// Heaviest device and largest footprint a factor may give: far above any real category, low
/// enough that sums over millions of devices stay well inside 64-bit grams.
const MAX_WEIGHT_KG: f64 = 1_000.0;
const MAX_CO2E_KG: f64 = 100_000.0;

/// Checks a new set and converts it to grams and basis points (rounded to the nearest), listing
/// every problem at once.
pub fn check(input: &NewFactorSet) -> Result<CheckedSet, ApiError> {
    let mut problems = Problems::new();
    problems.length("name", &input.name, 1, 120);
    problems.length("version", &input.version, 1, 40);
    problems.length("source", &input.source, 1, 1000);
    problems.check(
        input.displacement.is_finite() && (0.0..=1.0).contains(&input.displacement),
        "displacement",
        "must be between 0 and 1",
    );
    let mut factors = Vec::new();
    for category in Category::ALL {
        let Some(f) = input.factors.get(category) else { continue };
        let at = |field: &str| format!("factors.{category}.{field}");
        let co2e_ok = f.manufacture_co2e_kg.is_finite() && (0.0..=MAX_CO2E_KG).contains(&f.manufacture_co2e_kg);
        problems.check(co2e_ok, &at("manufacture_co2e_kg"), "must be between 0 and 100000 kg");
        let weight_g = (f.weight_kg * 1000.0).round();
        let weight_ok = f.weight_kg.is_finite() && weight_g >= 1.0 && f.weight_kg <= MAX_WEIGHT_KG;
        problems.check(weight_ok, &at("weight_kg"), "must be at least 0.001 and at most 1000 kg");
        if let Some(r) = f.reliability {
            problems.check((1..=5).contains(&r), &at("reliability"), "must be 1 (low) to 5 (high)");
        }
        if let Some(note) = &f.source_note {
            problems.length(&at("source_note"), note, 0, 500);
        }
        if co2e_ok && weight_ok {
            let co2e_g = (f.manufacture_co2e_kg * 1000.0).round() as i64;
            factors.push(CheckedFactor {
                category: *category,
                manufacture_co2e_g: co2e_g,
                weight_g: weight_g as i32,
                reliability: f.reliability,
                source_note: f.source_note.clone(),
            });
        }
    }
    let missing: Vec<&str> =
        Category::ALL.iter().filter(|c| !input.factors.contains_key(c)).map(|c| c.as_str()).collect();
    if !missing.is_empty() {
        problems.add("factors", format!("every category needs figures; missing: {}", missing.join(", ")));
    }
    problems.finish()?;
    Ok(CheckedSet { displacement_bp: (input.displacement * 10_000.0).round() as i32, factors })
}

/// Serialises changes of the default set, so two admins choosing at once cannot leave none or
/// collide on the one-default index ("t4a-dflt").
const DEFAULT_LOCK: i64 = 0x7434_612d_6466_6c74;

fn make_default(conn: &mut PgConnection, id: Uuid) -> Result<(), ApiError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(DEFAULT_LOCK)
        .execute(conn)?;
    diesel::update(
        impact_factor_sets::table.filter(impact_factor_sets::is_default).filter(impact_factor_sets::id.ne(id)),
    )
    .set(impact_factor_sets::is_default.eq(false))
    .execute(conn)?;
    let n = diesel::update(impact_factor_sets::table.find(id))
        .set(impact_factor_sets::is_default.eq(true))
        .execute(conn)?;
    if n == 0 {
        return Err(ApiError::not_found("factor set"));
    }
    Ok(())
}

fn one(conn: &mut PgConnection, id: Uuid) -> Result<FactorSet, ApiError> {
    load(conn, Some(id))?.pop().ok_or_else(|| ApiError::not_found("factor set"))
}

/// `POST /api/v1/impact/factor-sets`.
pub async fn create(
    state: web::Data<AppState>,
    who: Principal,
    Json(input): Json<NewFactorSet>,
) -> Result<HttpResponse, ApiError> {
    let set = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        let checked = check(&input)?;
        in_transaction(conn, |conn| {
            let id = new_id();
            diesel::insert_into(impact_factor_sets::table)
                .values((
                    impact_factor_sets::id.eq(id),
                    impact_factor_sets::name.eq(input.name.trim()),
                    impact_factor_sets::version.eq(input.version.trim()),
                    impact_factor_sets::source.eq(input.source.trim()),
                    impact_factor_sets::displacement_bp.eq(checked.displacement_bp),
                ))
                .execute(conn)?;
            let rows: Vec<_> = checked
                .factors
                .iter()
                .map(|f| {
                    (
                        impact_factors::set_id.eq(id),
                        impact_factors::category.eq(f.category.as_str()),
                        impact_factors::manufacture_co2e_g.eq(f.manufacture_co2e_g),
                        impact_factors::weight_g.eq(f.weight_g),
                        impact_factors::reliability.eq(f.reliability),
                        impact_factors::source_note.eq(crate::http::trimmed(f.source_note.clone())),
                    )
                })
                .collect();
            diesel::insert_into(impact_factors::table).values(&rows).execute(conn)?;
            if input.make_default {
                make_default(conn, id)?;
            }
            one(conn, id)
        })
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, format!("/api/v1/impact/factor-sets/{}", set.id)))
        .json(set))
}

/// `POST /api/v1/impact/factor-sets/{id}/default`: devices counted from now on use this set;
/// devices already counted keep theirs.
pub async fn choose_default(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let set = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            make_default(conn, id)?;
            one(conn, id)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(set))
}

/// `DELETE /api/v1/impact/factor-sets/{id}`: only a set no device was counted under, and not the
/// default.
pub async fn remove(state: web::Data<AppState>, who: Principal, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        in_transaction(conn, |conn| {
            let set = one(conn, id)?;
            if set.is_default {
                return Err(ApiError::conflict("this is the default factor set; choose another default first"));
            }
            if set.in_use {
                return Err(ApiError::conflict("devices have been counted under this factor set; it is kept for good"));
            }
            diesel::delete(impact_factors::table.filter(impact_factors::set_id.eq(id))).execute(conn)?;
            diesel::delete(impact_factor_sets::table.find(id)).execute(conn)?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(co2e: f64, weight: f64) -> NewFactor {
        NewFactor { manufacture_co2e_kg: co2e, weight_kg: weight, reliability: None, source_note: None }
    }

    fn set(factors: HashMap<Category, NewFactor>) -> NewFactorSet {
        NewFactorSet {
            name: "Test".into(),
            version: "1".into(),
            source: "A published table".into(),
            displacement: 0.45,
            factors,
            make_default: false,
        }
    }

    fn complete() -> HashMap<Category, NewFactor> {
        Category::ALL.iter().map(|c| (*c, factor(100.0, 1.0))).collect()
    }

    #[test]
    fn a_complete_set_is_converted_to_grams_and_basis_points() {
        let mut factors = complete();
        factors.insert(Category::Laptop, factor(265.3245, 1.8304));
        let checked = check(&set(factors)).expect("valid");
        assert_eq!(checked.displacement_bp, 4_500);
        let laptop = &checked.factors[0];
        assert_eq!((laptop.category, laptop.manufacture_co2e_g, laptop.weight_g), (Category::Laptop, 265_325, 1_830));
        assert_eq!(checked.factors.len(), Category::ALL.len());
    }

    #[test]
    fn a_set_missing_categories_or_with_impossible_figures_is_refused_with_every_problem() {
        let mut factors = complete();
        factors.remove(&Category::Router);
        factors.remove(&Category::Phone);
        factors.insert(Category::Laptop, factor(-1.0, 0.0));
        let err = check(&set(factors)).expect_err("invalid");
        let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"factors"), "{fields:?}");
        assert!(err.errors.iter().any(|e| e.message.contains("phone, router")), "{:?}", err.errors);
        assert!(fields.contains(&"factors.laptop.manufacture_co2e_kg"));
        assert!(fields.contains(&"factors.laptop.weight_kg"));
    }

    #[test]
    fn displacement_must_be_a_share() {
        let mut input = set(complete());
        input.displacement = 1.5;
        assert!(check(&input).is_err());
        input.displacement = f64::NAN;
        assert!(check(&input).is_err());
        input.displacement = 1.0;
        assert_eq!(check(&input).map(|c| c.displacement_bp).ok(), Some(10_000));
    }
}
