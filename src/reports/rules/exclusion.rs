//! The exclusion-risk report's rules: which wards count as highest-risk, what reached residents by
//! ward and by eligibility category, and which groups are hidden.
//!
//! Built from residents, so small groups are suppressed for every role: a group of fewer than five
//! people shows `null` figures and `suppressed: true`. When exactly one group in a table is that
//! small, the next smallest is suppressed too, so it cannot be worked out from the total.

use chrono::NaiveDate;

use crate::ids::WardId;
use crate::reports::models::exclusion::{
    Cell, CountRow, EligibilityReach, HighestRisk, PeopleRow, Reach, Report, Tally, WardReach, WardRow,
};
use crate::residents::models::Eligibility;

/// Fewest people a published group may describe.
pub const MIN_GROUP_SIZE: i64 = 5;

/// Share of wards, by DERI score, counted as the highest-risk ones: the top fifth.
pub const HIGHEST_RISK_FRACTION: f64 = 0.2;

/// The highest-risk wards, as the report describes them.
const HIGHEST_RISK_DEFINITION: &str = "the fifth of wards with the highest DERI scores (ties included)";

/// A ward row as published: its id, name and DERI score (all `None` for residents with no ward).
type WardKey = (Option<WardId>, Option<String>, Option<f64>);

/// Which cells of a table must be hidden: those describing 1–4 people, and, when that is exactly
/// one cell, also the next smallest non-empty one (complementary suppression).
pub fn suppressed(cells: &[Cell]) -> Vec<bool> {
    let small = |c: &Cell| c.people > 0 && c.people < MIN_GROUP_SIZE;
    let mut hide: Vec<bool> = cells.iter().map(small).collect();
    if hide.iter().filter(|h| **h).count() == 1 {
        let next = cells
            .iter()
            .enumerate()
            .filter(|(i, c)| !hide[*i] && c.people > 0)
            .min_by_key(|(_, c)| c.people)
            .map(|(i, _)| i);
        if let Some(i) = next {
            hide[i] = true;
        }
    }
    hide
}

/// The wards counted as highest-risk: the top fifth by DERI score (at least one), with every ward
/// tied with the last one in.
pub fn highest_risk<K: Copy>(scores: &[(K, f64)]) -> Vec<K> {
    let mut sorted: Vec<(K, f64)> = scores.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let k = ((sorted.len() as f64 * HIGHEST_RISK_FRACTION).ceil() as usize).max(1);
    let Some(&(_, threshold)) = sorted.get(k - 1) else { return Vec::new() };
    sorted.into_iter().filter(|(_, s)| *s >= threshold).map(|(id, _)| id).collect()
}

/// `part` as a share of `whole`, to the whole percent; `None` when there is no whole.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 100.0).round() / 100.0)
}

/// A table as published: each key beside its cell, small cells suppressed.
pub fn tabulate<K: Clone>(keys: &[K], cells: &[Cell]) -> Vec<(K, Reach)> {
    let hide = suppressed(cells);
    keys.iter().cloned().zip(cells.iter().zip(hide).map(|(c, h)| Reach::of(*c, h))).collect()
}

/// Adds up what was read: residents reached by ward, by eligibility and overall (one row each, from
/// the grouping sets), and what reached them, into its ward's cell, its category's and the total.
pub fn tally(people: &[PeopleRow], counts: &[CountRow]) -> Tally {
    let mut tally = Tally::default();
    for p in people {
        match (p.grouping_set, &p.eligibility) {
            // Added, not set: a network's schemes each count their own residents.
            (1, _) => tally.by_ward.entry(p.ward_id).or_default().people += p.people,
            (2, Some(e)) => tally.by_eligibility.entry(e.clone()).or_default().people += p.people,
            _ => tally.total.people += p.people,
        }
    }
    for c in counts {
        for cell in [
            tally.by_ward.entry(c.ward_id).or_default(),
            tally.by_eligibility.entry(c.eligibility.clone()).or_default(),
        ] {
            cell.sold += c.sold;
            cell.lent += c.lent;
            cell.sims += c.sims;
        }
        tally.total.sold += c.sold;
        tally.total.lent += c.lent;
        tally.total.sims += c.sims;
    }
    tally
}

/// The wards in the order published: highest DERI score first (unscored last), then by name; and,
/// when some residents reached have no ward recorded, a row for them at the end.
fn ward_keys(wards: &[WardRow], unrecorded: bool) -> Vec<WardKey> {
    let mut rows = wards.to_vec();
    rows.sort_by(|a, b| {
        b.deri_score.unwrap_or(-1.0).total_cmp(&a.deri_score.unwrap_or(-1.0)).then(a.name.cmp(&b.name))
    });
    let mut keys: Vec<WardKey> = rows.into_iter().map(|w| (Some(w.id), Some(w.name), w.deri_score)).collect();
    if unrecorded {
        keys.push((None, None, None));
    }
    keys
}

/// The highest-risk wards and the share of devices and SIMs that reached their residents.
fn highest(top: Vec<WardId>, keys: &[WardKey], cells: &[Cell], total: Cell, total_hidden: bool) -> HighestRisk {
    let reached = keys.iter().zip(cells).filter(|(k, _)| k.0.is_some_and(|id| top.contains(&id))).fold(
        Cell::default(),
        |mut acc, (_, c)| {
            acc.sold += c.sold;
            acc.lent += c.lent;
            acc.sims += c.sims;
            acc
        },
    );
    HighestRisk {
        definition: HIGHEST_RISK_DEFINITION,
        ward_ids: top,
        devices_share: if total_hidden { None } else { share(reached.sold + reached.lent, total.sold + total.lent) },
        sims_share: if total_hidden { None } else { share(reached.sims, total.sims) },
    }
}

/// The report for a period: the totals, the highest-risk wards, every ward and every eligibility
/// category, small groups suppressed. `wards` come in the order read, which ties keep.
pub fn report(from: Option<NaiveDate>, to: Option<NaiveDate>, wards: &[WardRow], tally: &Tally) -> Report {
    let keys = ward_keys(wards, tally.by_ward.contains_key(&None));
    let cells: Vec<Cell> = keys.iter().map(|k| tally.by_ward.get(&k.0).copied().unwrap_or_default()).collect();
    let top = highest_risk(&wards.iter().filter_map(|w| w.deri_score.map(|s| (w.id, s))).collect::<Vec<_>>());
    let total = tally.total;
    let total_hidden = total.people < MIN_GROUP_SIZE && total.people > 0;
    let eligibility_cells: Vec<Cell> =
        Eligibility::ALL.iter().map(|e| tally.by_eligibility.get(e.as_str()).copied().unwrap_or_default()).collect();
    let ward_reach = tabulate(&keys, &cells)
        .into_iter()
        .map(|((ward_id, name, deri_score), reach)| WardReach {
            ward_id,
            name,
            deri_score,
            highest_risk: ward_id.is_some_and(|id| top.contains(&id)),
            reach,
        })
        .collect();
    Report {
        from,
        to,
        min_group_size: MIN_GROUP_SIZE,
        totals: Reach::of(total, total_hidden),
        highest_risk: highest(top, &keys, &cells, total, total_hidden),
        wards: ward_reach,
        eligibility: tabulate(Eligibility::ALL, &eligibility_cells)
            .into_iter()
            .map(|(eligibility, reach)| EligibilityReach { eligibility, reach })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn people(n: i64) -> Cell {
        Cell { people: n, sold: n, lent: 0, sims: n }
    }

    #[test]
    fn groups_of_fewer_than_five_people_are_hidden_and_a_lone_one_takes_the_next_smallest_with_it() {
        assert_eq!(suppressed(&[people(0), people(5), people(12)]), [false, false, false], "zero is not a person");
        assert_eq!(suppressed(&[people(3), people(4), people(9)]), [true, true, false]);
        assert_eq!(
            suppressed(&[people(2), people(9), people(6), people(0)]),
            [true, false, true, false],
            "6 is hidden too, or 2 would be total − 9 − 6"
        );
        assert_eq!(suppressed(&[people(1)]), [true]);
    }

    #[test]
    fn the_highest_risk_wards_are_the_top_fifth_with_ties() {
        let ids: Vec<Uuid> = (0..10).map(|_| Uuid::now_v7()).collect();
        let scores: Vec<(Uuid, f64)> =
            ids.iter().zip([4.8, 4.6, 4.6, 4.3, 3.9, 3.1, 2.5, 2.0, 1.3, 1.2]).map(|(i, s)| (*i, s)).collect();
        let top = highest_risk(&scores);
        assert_eq!(top, vec![ids[0], ids[1], ids[2]], "two of ten, and the tie at 4.6");
        assert_eq!(highest_risk(&scores[..1]), vec![ids[0]], "at least one");
        assert!(highest_risk::<Uuid>(&[]).is_empty());
    }

    #[test]
    fn shares_are_to_the_whole_percent() {
        assert_eq!(share(1, 3), Some(0.33));
        assert_eq!(share(0, 0), None);
    }
}
