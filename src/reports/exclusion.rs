//! `GET /api/v1/reports/exclusion-risk?from=&to=`: whether devices and SIMs reach the people most
//! at risk of digital exclusion. For every ward (the resident's home ward), next to its Digital
//! Exclusion Risk Index score: residents reached, devices sold and lent, SIMs given; the same by
//! eligibility category; and the share of devices and SIMs that went to the highest-risk wards.
//!
//! Built from residents, so small groups are suppressed for every role: a group of fewer than five
//! people shows `null` figures and `suppressed: true`. When exactly one group in a table is that
//! small, the next smallest is suppressed too, so it cannot be worked out from the total.

use crate::calendar::Date;
use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date as SqlDate, Integer, Nullable, Text, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::distribution::READERS;
use super::grouping;
use crate::auth::Principal;
use crate::db::schema::wards;
use crate::http::AppState;
use crate::http::csv::ReportFormat;
use crate::http::run_blocking;
use crate::http::{ApiError, Query};
use crate::residents::models::Eligibility;

/// Fewest people a published group may describe.
pub const MIN_GROUP_SIZE: i64 = 5;

/// Share of wards, by DERI score, counted as the highest-risk ones: the top fifth.
pub const HIGHEST_RISK_FRACTION: f64 = 0.2;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub format: Option<ReportFormat>,
}

/// What reached one group of residents, before suppression.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub people: i64,
    pub sold: i64,
    pub lent: i64,
    pub sims: i64,
}

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
pub fn highest_risk(scores: &[(Uuid, f64)]) -> Vec<Uuid> {
    let mut sorted: Vec<(Uuid, f64)> = scores.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let k = ((sorted.len() as f64 * HIGHEST_RISK_FRACTION).ceil() as usize).max(1);
    let Some(&(_, threshold)) = sorted.get(k - 1) else { return Vec::new() };
    sorted.into_iter().filter(|(_, s)| *s >= threshold).map(|(id, _)| id).collect()
}

/// Figures as published: `None` where suppressed.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Reach {
    pub residents_reached: Option<i64>,
    pub devices_sold: Option<i64>,
    pub devices_lent: Option<i64>,
    pub sims: Option<i64>,
    pub suppressed: bool,
}

impl Reach {
    fn of(cell: Cell, hide: bool) -> Self {
        let show = |n: i64| if hide { None } else { Some(n) };
        Reach {
            residents_reached: show(cell.people),
            devices_sold: show(cell.sold),
            devices_lent: show(cell.lent),
            sims: show(cell.sims),
            suppressed: hide,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct WardReach {
    /// `null` for residents with no ward recorded (outside the borough, or not given).
    pub ward_id: Option<Uuid>,
    pub name: Option<String>,
    pub deri_score: Option<f64>,
    pub highest_risk: bool,
    #[serde(flatten)]
    pub reach: Reach,
}

#[derive(Debug, Serialize)]
pub struct EligibilityReach {
    pub eligibility: Eligibility,
    #[serde(flatten)]
    pub reach: Reach,
}

#[derive(Debug, Serialize)]
pub struct HighestRisk {
    pub definition: &'static str,
    pub ward_ids: Vec<Uuid>,
    /// Share of devices (sold and lent) that reached residents of these wards, to the whole
    /// percent; `null` when nothing was handed out or the total is suppressed.
    pub devices_share: Option<f64>,
    pub sims_share: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub min_group_size: i64,
    pub totals: Reach,
    pub highest_risk: HighestRisk,
    pub wards: Vec<WardReach>,
    pub eligibility: Vec<EligibilityReach>,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Nullable<SqlUuid>)]
    ward_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    eligibility: String,
    #[diesel(sql_type = BigInt)]
    sold: i64,
    #[diesel(sql_type = BigInt)]
    lent: i64,
    #[diesel(sql_type = BigInt)]
    sims: i64,
}

#[derive(QueryableByName)]
struct PeopleRow {
    /// Which grouping set the row is: 1 by ward, 2 by eligibility, 3 overall.
    #[diesel(sql_type = Integer)]
    grouping_set: i32,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    ward_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    eligibility: Option<String>,
    #[diesel(sql_type = BigInt)]
    people: i64,
}

/// Distinct residents reached in the period by ward, by eligibility, and overall (both NULL), in one
/// pass over the one-row-per-resident-and-month table.
const PEOPLE: &str = "\
    SELECT GROUPING(ward_id, eligibility) AS grouping_set, ward_id, eligibility, \
           count(DISTINCT resident_id)::bigint AS people FROM reach_people \
    WHERE month BETWEEN $1 AND $2 GROUP BY GROUPING SETS ((ward_id), (eligibility), ()) ";

const COUNTS: &str = "\
    SELECT ward_id, eligibility, sum(devices_sold)::bigint AS sold, sum(devices_lent)::bigint AS lent, \
           sum(sims)::bigint AS sims \
    FROM reach_rollup WHERE month BETWEEN $1 AND $2 GROUP BY ward_id, eligibility";

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 100.0).round() / 100.0)
}

fn tabulate<K: Clone>(keys: &[K], cells: &[Cell]) -> Vec<(K, Reach)> {
    let hide = suppressed(cells);
    keys.iter().cloned().zip(cells.iter().zip(hide).map(|(c, h)| Reach::of(*c, h))).collect()
}

pub async fn build(
    state: &web::Data<AppState>,
    who: Principal,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Report, ApiError> {
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, READERS)?;
        let (first, last) = grouping::months(from, to);
        let all_wards: Vec<(Uuid, String, Option<f64>)> =
            wards::table.select((wards::id, wards::name, wards::deri_score)).load(conn)?;
        let people: Vec<PeopleRow> =
            diesel::sql_query(PEOPLE).bind::<SqlDate, _>(first).bind::<SqlDate, _>(last).load(conn)?;
        let counts: Vec<CountRow> =
            diesel::sql_query(COUNTS).bind::<SqlDate, _>(first).bind::<SqlDate, _>(last).load(conn)?;

        let mut by_ward: HashMap<Option<Uuid>, Cell> = HashMap::new();
        let mut by_eligibility: HashMap<String, Cell> = HashMap::new();
        let mut total = Cell::default();
        for p in &people {
            match (p.grouping_set, &p.eligibility) {
                (1, _) => by_ward.entry(p.ward_id).or_default().people = p.people,
                (2, Some(e)) => by_eligibility.entry(e.clone()).or_default().people = p.people,
                _ => total.people = p.people,
            }
        }
        for c in &counts {
            for cell in
                [by_ward.entry(c.ward_id).or_default(), by_eligibility.entry(c.eligibility.clone()).or_default()]
            {
                cell.sold += c.sold;
                cell.lent += c.lent;
                cell.sims += c.sims;
            }
            total.sold += c.sold;
            total.lent += c.lent;
            total.sims += c.sims;
        }

        let mut ward_rows = all_wards.clone();
        ward_rows.sort_by(|a, b| b.2.unwrap_or(-1.0).total_cmp(&a.2.unwrap_or(-1.0)).then(a.1.cmp(&b.1)));
        let mut ward_keys: Vec<(Option<Uuid>, Option<String>, Option<f64>)> =
            ward_rows.into_iter().map(|(id, name, score)| (Some(id), Some(name), score)).collect();
        if by_ward.contains_key(&None) {
            ward_keys.push((None, None, None));
        }
        let ward_cells: Vec<Cell> = ward_keys.iter().map(|k| by_ward.get(&k.0).copied().unwrap_or_default()).collect();
        let top = highest_risk(&all_wards.iter().filter_map(|(id, _, s)| s.map(|s| (*id, s))).collect::<Vec<_>>());
        let top_cell = ward_keys.iter().zip(&ward_cells).filter(|(k, _)| k.0.is_some_and(|id| top.contains(&id))).fold(
            Cell::default(),
            |mut acc, (_, c)| {
                acc.sold += c.sold;
                acc.lent += c.lent;
                acc.sims += c.sims;
                acc
            },
        );
        let total_hidden = total.people < MIN_GROUP_SIZE && total.people > 0;
        let eligibility_keys: Vec<Eligibility> = Eligibility::ALL.to_vec();
        let eligibility_cells: Vec<Cell> =
            eligibility_keys.iter().map(|e| by_eligibility.get(e.as_str()).copied().unwrap_or_default()).collect();
        Ok(Report {
            from,
            to,
            min_group_size: MIN_GROUP_SIZE,
            totals: Reach::of(total, total_hidden),
            highest_risk: HighestRisk {
                definition: "the fifth of wards with the highest DERI scores (ties included)",
                ward_ids: top,
                devices_share: if total_hidden {
                    None
                } else {
                    share(top_cell.sold + top_cell.lent, total.sold + total.lent)
                },
                sims_share: if total_hidden { None } else { share(top_cell.sims, total.sims) },
            },
            wards: tabulate(&ward_keys, &ward_cells)
                .into_iter()
                .map(|((ward_id, name, deri_score), reach)| WardReach {
                    ward_id,
                    name,
                    deri_score,
                    highest_risk: false,
                    reach,
                })
                .collect(),
            eligibility: tabulate(&eligibility_keys, &eligibility_cells)
                .into_iter()
                .map(|(eligibility, reach)| EligibilityReach { eligibility, reach })
                .collect(),
        })
    })
    .await
    .map(|mut report| {
        for w in &mut report.wards {
            w.highest_risk = w.ward_id.is_some_and(|id| report.highest_risk.ward_ids.contains(&id));
        }
        report
    })
}

/// A figure as a CSV cell: `[c]` where suppressed, the statistical-tables symbol for confidential.
fn cell(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "[c]".into())
}

pub async fn report(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    Query(query): Query<ExclusionQuery>,
) -> Result<HttpResponse, ApiError> {
    let csv = crate::http::csv::wants_csv(&req, query.format.map(ReportFormat::as_str));
    let report = build(&state, who, query.from.map(Date::day), query.to.map(Date::day)).await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    let header =
        ["ward_id", "ward", "deri_score", "highest_risk", "residents_reached", "devices_sold", "devices_lent", "sims"];
    let rows: Vec<Vec<String>> = report
        .wards
        .iter()
        .map(|w| {
            vec![
                w.ward_id.map(|id| id.to_string()).unwrap_or_default(),
                w.name.clone().unwrap_or_else(|| "(no ward recorded)".into()),
                w.deri_score.map(|s| s.to_string()).unwrap_or_default(),
                w.highest_risk.to_string(),
                cell(w.reach.residents_reached),
                cell(w.reach.devices_sold),
                cell(w.reach.devices_lent),
                cell(w.reach.sims),
            ]
        })
        .collect();
    crate::http::csv::response("exclusion-risk.csv", &header, &rows)
}

#[cfg(test)]
mod tests {
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
        assert!(highest_risk(&[]).is_empty());
    }

    #[test]
    fn shares_are_to_the_whole_percent() {
        assert_eq!(share(1, 3), Some(0.33));
        assert_eq!(share(0, 0), None);
    }
}
