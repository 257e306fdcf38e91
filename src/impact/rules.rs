//! The impact rules as plain functions: what a new factor set must hold (converted to the
//! ledger's integer grams and basis points), and the saving a device records when it is put back
//! into use — `co2e = manufacture × displacement` for a reused device, nothing for a recycled one;
//! landfill is the device's own weight when known, else the category average.

use crate::devices::models::{Action, Category};
use crate::http::{FieldError, Problems};
use crate::impact::models::{CheckedFactor, CheckedSet, NewFactorSet};

/// Why a factor set cannot change as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// The default set cannot be removed.
    IsDefault,
    /// Devices were counted under it; it is kept for good.
    InUse,
}

/// Whether a set may be removed: only one that is not the default and that no device was counted
/// under.
pub fn may_remove(is_default: bool, in_use: bool) -> Result<(), Refusal> {
    if is_default {
        return Err(Refusal::IsDefault);
    }
    if in_use {
        return Err(Refusal::InUse);
    }
    Ok(())
}

/// Grams as kilograms.
pub fn kg(grams: i64) -> f64 {
    grams as f64 / 1000.0
}

/// Heaviest device and largest footprint a factor may give: far above any real category, low
/// enough that sums over millions of devices stay well inside 64-bit grams.
const MAX_WEIGHT_KG: f64 = 1_000.0;
const MAX_CO2E_KG: f64 = 100_000.0;

/// Checks a new set and converts it to grams and basis points (rounded to the nearest), listing
/// every problem at once.
pub fn check(input: &NewFactorSet) -> Result<CheckedSet, Vec<FieldError>> {
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
    problems.into_errors()?;
    Ok(CheckedSet { displacement_bp: (input.displacement * 10_000.0).round() as i32, factors })
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impact::models::NewFactor;
    use std::collections::HashMap;

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
        let fields: Vec<&str> = err.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"factors"), "{fields:?}");
        assert!(err.iter().any(|e| e.message.contains("phone, router")), "{err:?}");
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

    #[test]
    fn only_an_unused_set_that_is_not_the_default_can_be_removed() {
        assert_eq!(may_remove(false, false), Ok(()));
        assert_eq!(may_remove(true, false), Err(Refusal::IsDefault));
        assert_eq!(may_remove(false, true), Err(Refusal::InUse));
    }
}
