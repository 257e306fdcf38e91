//! The sustainability report's sums: what one rollup row contributes (as recorded, or recomputed
//! under another factor set), which rollup grain answers a grouping, and the rows grouped. Sums
//! are of integer grams, so totals are identical whatever the grouping.

use super::grouping::{self, Figures};
use crate::reports::models::sustainability::{RollupRow, Sums, WhatIf};
use crate::reports::models::{Coordinates, Dimension, Group};

/// One rollup row's contribution, as recorded or recomputed under another set.
/// Carbon is saved by reused devices only; landfill by reused and recycled alike.
pub fn contribution(row: &RollupRow, what_if: Option<&WhatIf>) -> Sums {
    let (co2e_g, landfill_g) = match what_if.and_then(|w| w.factors.get(&row.category).map(|f| (w, f))) {
        Some((w, &(co2e, weight))) => {
            let per_device = (co2e * w.displacement_bp + 5_000) / 10_000;
            (per_device * row.devices_reused, row.known_weight_g + row.unknown_weight_devices * weight)
        }
        None => (row.co2e_saved_g, row.landfill_saved_g),
    };
    Sums { reused: row.devices_reused, recycled: row.devices_recycled, co2e_g, landfill_g }
}

/// Which rollup grain answers a grouping: the rows that keep just the donor (1), hub (2) or ward (4)
/// asked for, the full rows (7) for a pair of them, and the smallest (0) otherwise. Month, category
/// and set are kept at every grain.
pub fn grain(dims: &[Dimension]) -> i16 {
    let bits: Vec<i16> = dims
        .iter()
        .filter_map(|d| match d {
            Dimension::Donor => Some(1),
            Dimension::Hub => Some(2),
            Dimension::Ward => Some(4),
            _ => None,
        })
        .collect();
    match bits.as_slice() {
        [] => 0,
        [one] => *one,
        _ => 7,
    }
}

impl Figures for Sums {
    fn add(&mut self, other: Sums) {
        self.reused += other.reused;
        self.recycled += other.recycled;
        self.co2e_g += other.co2e_g;
        self.landfill_g += other.landfill_g;
    }
}

fn coordinates(row: &RollupRow) -> Coordinates {
    Coordinates {
        scheme: Some(row.scheme_id),
        month: Some(row.month),
        donor: row.donor_id,
        category: Some(row.category.clone()),
        hub: row.hub_id,
        ward: row.ward_id,
    }
}

/// Groups rollup rows by the dimensions asked for; returns the groups and the grand total.
pub fn group(rows: &[RollupRow], dims: &[Dimension], what_if: Option<&WhatIf>) -> (Vec<Group<Sums>>, Sums) {
    grouping::group(rows.iter().map(|r| (coordinates(r), contribution(r, what_if))), dims)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[allow(clippy::too_many_arguments)]
    fn row(
        month: (i32, u32),
        category: &str,
        reused: i64,
        recycled: i64,
        co2e: i64,
        landfill: i64,
        known: i64,
        unknown: i64,
    ) -> RollupRow {
        RollupRow {
            scheme_id: crate::ids::SchemeId::FIRST,
            month: NaiveDate::from_ymd_opt(month.0, month.1, 1).expect("date"),
            donor_id: None,
            category: category.into(),
            hub_id: None,
            ward_id: None,
            devices_reused: reused,
            devices_recycled: recycled,
            co2e_saved_g: co2e,
            landfill_saved_g: landfill,
            known_weight_g: known,
            unknown_weight_devices: unknown,
        }
    }

    #[test]
    fn each_grouping_reads_the_smallest_grain_that_keeps_its_dimensions() {
        assert_eq!(grain(&[]), 0);
        assert_eq!(grain(&[Dimension::Month, Dimension::Category]), 0);
        assert_eq!(grain(&[Dimension::Donor]), 1);
        assert_eq!(grain(&[Dimension::Quarter, Dimension::Hub]), 2);
        assert_eq!(grain(&[Dimension::Ward]), 4);
        assert_eq!(grain(&[Dimension::Donor, Dimension::Ward]), 7);
    }

    #[test]
    fn totals_are_the_same_whatever_the_grouping() {
        let rows = vec![
            row((2026, 1), "laptop", 3, 0, 397_980, 5_490, 0, 3),
            row((2026, 2), "tablet", 2, 0, 114_490, 1_540, 0, 2),
            row((2026, 4), "laptop", 0, 1, 0, 1_830, 0, 1),
        ];
        let (_, plain) = group(&rows, &[], None);
        for dims in [vec![Dimension::Category], vec![Dimension::Month], vec![Dimension::Quarter, Dimension::Category]] {
            let (groups, total) = group(&rows, &dims, None);
            assert_eq!(total, plain);
            let mut summed = Sums::default();
            for g in &groups {
                summed.add(g.figures);
            }
            assert_eq!(summed, plain, "{dims:?}");
        }
        assert_eq!(plain, Sums { reused: 5, recycled: 1, co2e_g: 512_470, landfill_g: 8_860 });
    }

    #[test]
    fn another_factor_set_recomputes_the_same_devices() {
        let rows = vec![row((2026, 1), "laptop", 2, 1, 265_320, 3_660 + 1_830, 1_500, 2)];
        let ademe =
            WhatIf { factors: [("laptop".to_owned(), (175_000, 1_830))].into_iter().collect(), displacement_bp: 5_000 };
        let (_, total) = group(&rows, &[], Some(&ademe));
        assert_eq!(total.co2e_g, 175_000, "2 reused × 175 kg × 0.5; nothing for the recycled one");
        assert_eq!(total.landfill_g, 1_500 + 2 * 1_830, "known weight plus two category averages");
    }
}
