//! Impact queries: factor sets and their factors, and the per-device ledger. The ledger entry is
//! written when a device is first put back into use (sold or first lent) or recycled, in the same
//! transaction as the move (the application's hand-over calls `record`); the database then adds
//! the entry's donor and ward and its share of the report rollups.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{CheckedSet, Factor, FactorRow, FactorSet, LedgerRow, NewFactorSet, SetRow};
use super::rules::{Kind, kg, saving};
use crate::db::current_scheme;
use crate::db::schema::{impact_factor_sets, impact_factors, impact_ledger, schemes};
use crate::devices::models::DeviceRow;
use crate::ids::{DeviceId, FactorSetId};

pub fn load(conn: &mut PgConnection, only: Option<FactorSetId>) -> QueryResult<Vec<FactorSet>> {
    let mut query = impact_factor_sets::table
        .select((
            impact_factor_sets::id,
            impact_factor_sets::name,
            impact_factor_sets::version,
            impact_factor_sets::source,
            impact_factor_sets::displacement_bp,
            impact_factor_sets::locked_at,
            impact_factor_sets::created_at,
        ))
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(impact_factor_sets::id.eq(id));
    }
    let sets: Vec<SetRow> = query.order(impact_factor_sets::id).load(conn)?;
    let default = scheme_default(conn)?;
    let ids: Vec<FactorSetId> = sets.iter().map(|s| s.0).collect();
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
        .map(|(id, name, version, source, bp, locked_at, created_at)| FactorSet {
            id,
            name,
            version,
            source,
            displacement: f64::from(bp) / 10_000.0,
            is_default: default == Some(id),
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

/// Adds a checked set with its factors.
pub fn insert(conn: &mut PgConnection, input: &NewFactorSet, checked: &CheckedSet) -> QueryResult<FactorSetId> {
    let id = FactorSetId::new();
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
    Ok(id)
}

pub fn delete(conn: &mut PgConnection, id: FactorSetId) -> QueryResult<()> {
    diesel::delete(impact_factors::table.filter(impact_factors::set_id.eq(id))).execute(conn)?;
    diesel::delete(impact_factor_sets::table.find(id)).execute(conn)?;
    Ok(())
}

/// The caller's scheme's default factor set (what new ledger entries and reports use).
fn scheme_default(conn: &mut PgConnection) -> QueryResult<Option<FactorSetId>> {
    schemes::table
        .filter(schemes::id.nullable().eq(current_scheme()))
        .select(schemes::default_factor_set_id)
        .first(conn)
        .optional()
}

/// Makes the set the caller's scheme's default; false if the scheme cannot see such a set.
pub fn make_default(conn: &mut PgConnection, id: FactorSetId) -> QueryResult<bool> {
    let visible: bool = diesel::select(diesel::dsl::exists(impact_factor_sets::table.find(id))).get_result(conn)?;
    if !visible {
        return Ok(false);
    }
    let n = diesel::update(schemes::table.filter(schemes::id.nullable().eq(current_scheme())))
        .set((
            schemes::default_factor_set_id.eq(id),
            schemes::version.eq(schemes::version + 1),
            schemes::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// The device's ledger entry, if it was counted.
pub fn entry_of(conn: &mut PgConnection, device: DeviceId) -> QueryResult<Option<LedgerRow>> {
    impact_ledger::table
        .find(device)
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
        .optional()
}

/// Records the device's entry under the default factor set unless it already has one, and freezes
/// the set. Runs inside the move's transaction; the database adds the entry's donor and ward and
/// its share of the report rollups (triggers on `impact_ledger`).
pub fn record(conn: &mut PgConnection, device: &DeviceRow, kind: Kind, at: DateTime<Utc>) -> QueryResult<()> {
    let already: bool = diesel::select(diesel::dsl::exists(impact_ledger::table.find(device.id))).get_result(conn)?;
    if already {
        return Ok(());
    }
    let Some(default) = scheme_default(conn)? else { return Ok(()) };
    let set: Option<(FactorSetId, i32)> = impact_factor_sets::table
        .find(default)
        .select((impact_factor_sets::id, impact_factor_sets::displacement_bp))
        .first(conn)
        .optional()?;
    let Some((set_id, displacement_bp)) = set else { return Ok(()) };
    // Every set covers every category (checked when a set is created), so this row exists.
    let (co2e, weight): (i64, i32) = impact_factors::table
        .find((set_id, device.category.as_str()))
        .select((impact_factors::manufacture_co2e_g, impact_factors::weight_g))
        .first(conn)?;
    let factor = super::rules::Factor { manufacture_co2e_g: co2e, weight_g: weight, displacement_bp };
    let s = saving(kind, factor, device.weight_g);
    diesel::insert_into(impact_ledger::table)
        .values((
            impact_ledger::device_id.eq(device.id),
            impact_ledger::set_id.eq(set_id),
            impact_ledger::kind.eq(match kind {
                Kind::Reused => "reused",
                Kind::Recycled => "recycled",
            }),
            impact_ledger::category.eq(device.category.as_str()),
            impact_ledger::co2e_saved_g.eq(s.co2e_g),
            impact_ledger::landfill_saved_g.eq(s.landfill_g),
            impact_ledger::weight_source.eq(if s.weight_from_device { "device" } else { "category_average" }),
            impact_ledger::occurred_at.eq(at),
            impact_ledger::hub_id.eq(device.hub_id),
            impact_ledger::donation_id.eq(device.donation_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    diesel::update(impact_factor_sets::table.find(set_id).filter(impact_factor_sets::locked_at.is_null()))
        .set(impact_factor_sets::locked_at.eq(chrono::Utc::now()))
        .execute(conn)?;
    Ok(())
}
