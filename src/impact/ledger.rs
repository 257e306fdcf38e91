//! The per-device impact ledger: the arithmetic (pure) and the write that `devices::moves` makes
//! when a device is sold, first lent, or recycled.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use crate::db::schema::{impact_factor_sets, impact_factors, impact_ledger};
use crate::devices::lifecycle::Action;
use crate::devices::models::DeviceRow;

/// A set's factors for one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Factor {
    pub manufacture_co2e_g: i64,
    pub weight_g: i32,
    pub displacement_bp: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Reused,
    Recycled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Saving {
    pub co2e_g: i64,
    pub landfill_g: i64,
    pub weight_from_device: bool,
}

/// `co2e = manufacture × displacement` (rounded half up to the gram) for a reused device, nothing
/// for a recycled one; landfill is the device's own weight when known, else the category average.
pub fn saving(kind: Kind, factor: Factor, device_weight_g: Option<i32>) -> Saving {
    let co2e_g = match kind {
        Kind::Reused => (factor.manufacture_co2e_g * i64::from(factor.displacement_bp) + 5_000) / 10_000,
        Kind::Recycled => 0,
    };
    Saving {
        co2e_g,
        landfill_g: i64::from(device_weight_g.unwrap_or(factor.weight_g)),
        weight_from_device: device_weight_g.is_some(),
    }
}

/// Which ledger entry, if any, a device move creates.
pub fn kind_for(action: Action) -> Option<Kind> {
    match action {
        Action::Sell | Action::Lend => Some(Kind::Reused),
        Action::Recycle => Some(Kind::Recycled),
        _ => None,
    }
}

/// Records the device's entry under the default factor set unless it already has one, and freezes
/// the set. Runs inside the move's transaction; the database adds the entry's donor and ward and
/// its share of the report rollups (triggers on `impact_ledger`).
pub fn record(conn: &mut PgConnection, device: &DeviceRow, kind: Kind, at: DateTime<Utc>) -> QueryResult<()> {
    let already: bool = diesel::select(diesel::dsl::exists(impact_ledger::table.find(device.id))).get_result(conn)?;
    if already {
        return Ok(());
    }
    let set: Option<(uuid::Uuid, i32)> = impact_factor_sets::table
        .filter(impact_factor_sets::is_default.eq(true))
        .select((impact_factor_sets::id, impact_factor_sets::displacement_bp))
        .first(conn)
        .optional()?;
    let Some((set_id, displacement_bp)) = set else { return Ok(()) };
    // Every set covers every category (checked when a set is created), so this row exists.
    let (co2e, weight): (i64, i32) = impact_factors::table
        .find((set_id, device.category.as_str()))
        .select((impact_factors::manufacture_co2e_g, impact_factors::weight_g))
        .first(conn)?;
    let s = saving(kind, Factor { manufacture_co2e_g: co2e, weight_g: weight, displacement_bp }, device.weight_g);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The Restart Project 2021 table (shared/impact/restart-2021.csv), displacement 0.5.
    const RESTART: &[(&str, i64, i32)] = &[
        ("laptop_small", 221_150, 1_390),
        ("laptop", 265_320, 1_830),
        ("laptop_large", 414_700, 2_530),
        ("desktop", 414_170, 6_690),
        ("monitor_small", 262_560, 3_150),
        ("monitor", 304_880, 3_660),
        ("monitor_large", 343_490, 5_230),
        ("tablet", 114_490, 770),
        ("phone", 50_510, 150),
        ("printer", 100_690, 12_470),
        ("accessory", 15_940, 440),
    ];

    #[test]
    fn a_reused_device_saves_half_its_manufacturing_carbon_and_its_weight() {
        for (category, co2e, weight) in RESTART {
            let s = saving(
                Kind::Reused,
                Factor { manufacture_co2e_g: *co2e, weight_g: *weight, displacement_bp: 5000 },
                None,
            );
            assert_eq!(s.co2e_g, (co2e + 1) / 2, "{category}: half, rounded half up");
            assert_eq!(s.landfill_g, i64::from(*weight), "{category}");
        }
        let laptop = Factor { manufacture_co2e_g: 265_320, weight_g: 1_830, displacement_bp: 5000 };
        assert_eq!(saving(Kind::Reused, laptop, None).co2e_g, 132_660, "132.66 kg for a laptop");
        assert_eq!(saving(Kind::Reused, laptop, Some(1_480)).landfill_g, 1_480, "its own weight when known");
    }

    #[test]
    fn a_recycled_device_counts_landfill_only() {
        let s = saving(
            Kind::Recycled,
            Factor { manufacture_co2e_g: 265_320, weight_g: 1_830, displacement_bp: 5000 },
            None,
        );
        assert_eq!((s.co2e_g, s.landfill_g), (0, 1_830));
    }

    #[test]
    fn only_selling_lending_and_recycling_make_entries() {
        assert_eq!(kind_for(Action::Sell), Some(Kind::Reused));
        assert_eq!(kind_for(Action::Lend), Some(Kind::Reused));
        assert_eq!(kind_for(Action::Recycle), Some(Kind::Recycled));
        assert_eq!(kind_for(Action::Refund), None);
        assert_eq!(kind_for(Action::ReturnInGoodOrder), None);
    }
}
