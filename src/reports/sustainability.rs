//! `GET /api/v1/reports/sustainability?from=&to=&group_by=&factor_set=`: devices reused and
//! recycled, kg CO2e and landfill saved, grouped by up to two of donor, category, hub, ward, month
//! and quarter. Sums are of integer grams, so totals are identical whatever the grouping.
//! `factor_set=` recomputes the same devices under another set ("what if").

use crate::calendar::Date;
use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date as SqlDate, Nullable, SmallInt, Text, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::grouping::{self, Coordinates, Dimension, Group, bad_query, parse_group_by};
use crate::auth::{Principal, Role};
use crate::db::schema::{impact_factor_sets, impact_factors};
use crate::http::AppState;
use crate::http::csv::ReportFormat;
use crate::http::run_blocking;
use crate::http::{ApiError, Query};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Up to two dimensions, comma-separated: `donor,month`.
    pub group_by: Option<String>,
    pub factor_set: Option<Uuid>,
    pub format: Option<ReportFormat>,
}

#[derive(QueryableByName, Debug, Clone)]
pub struct RollupRow {
    #[diesel(sql_type = SqlDate)]
    pub month: NaiveDate,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub donor_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub hub_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub ward_id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    pub devices_reused: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_recycled: i64,
    #[diesel(sql_type = BigInt)]
    pub co2e_saved_g: i64,
    #[diesel(sql_type = BigInt)]
    pub landfill_saved_g: i64,
    #[diesel(sql_type = BigInt)]
    pub known_weight_g: i64,
    #[diesel(sql_type = BigInt)]
    pub unknown_weight_devices: i64,
}

/// Grams for one group, before they are shown as kilograms.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sums {
    pub reused: i64,
    pub recycled: i64,
    pub co2e_g: i64,
    pub landfill_g: i64,
}

/// A set's figures: (manufacture g CO2e, average weight g) per category, and displacement.
pub struct WhatIf {
    pub factors: BTreeMap<String, (i64, i64)>,
    pub displacement_bp: i64,
}

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

/// The rollup rows for a grouping, summed in PostgreSQL over what the grouping does not keep (the
/// month, the category unless a what-if needs it, a pair's third id, and always the slots rows are
/// spread over), so the service receives about as many rows as there will be groups. Only fixed
/// column names are spliced in.
pub fn rollup_query(dims: &[Dimension], what_if: bool) -> String {
    let kept = |d: &[Dimension]| dims.iter().any(|x| d.contains(x));
    let keeps_category = what_if || kept(&[Dimension::Category]);
    let figures = [
        "devices_reused",
        "devices_recycled",
        "co2e_saved_g",
        "landfill_saved_g",
        "known_weight_g",
        "unknown_weight_devices",
    ];
    let column = |keep: bool, name: &str, null: &str| if keep { name.to_owned() } else { format!("{null} AS {name}") };
    let sums: Vec<String> = figures.iter().map(|f| format!("sum({f})::bigint AS {f}")).collect();
    format!(
        "SELECT {}, {}, {}, {}, {}, {} FROM impact_rollup WHERE grain = $3 AND month >= $1 AND month <= $2 \
         GROUP BY 1, 2, 3, 4, 5",
        column(kept(&[Dimension::Month, Dimension::Quarter]), "month", "DATE '0001-01-01'"),
        column(kept(&[Dimension::Donor]), "donor_id", "NULL::uuid"),
        column(keeps_category, "category", "''::text"),
        column(kept(&[Dimension::Hub]), "hub_id", "NULL::uuid"),
        column(kept(&[Dimension::Ward]), "ward_id", "NULL::uuid"),
        sums.join(", "),
    )
}

impl grouping::Figures for Sums {
    fn add(&mut self, other: Sums) {
        self.reused += other.reused;
        self.recycled += other.recycled;
        self.co2e_g += other.co2e_g;
        self.landfill_g += other.landfill_g;
    }
}

impl RollupRow {
    fn coordinates(&self) -> Coordinates {
        Coordinates {
            month: Some(self.month),
            donor: self.donor_id,
            category: Some(self.category.clone()),
            hub: self.hub_id,
            ward: self.ward_id,
        }
    }
}

/// Groups rollup rows by the dimensions asked for; returns the groups and the grand total.
pub fn group(rows: &[RollupRow], dims: &[Dimension], what_if: Option<&WhatIf>) -> (Vec<Group<Sums>>, Sums) {
    grouping::group(rows.iter().map(|r| (r.coordinates(), contribution(r, what_if))), dims)
}

#[derive(Debug, Serialize)]
pub struct Saved {
    pub devices_reused: i64,
    pub devices_recycled: i64,
    pub co2e_saved_kg: f64,
    pub landfill_saved_kg: f64,
}

impl From<Sums> for Saved {
    fn from(s: Sums) -> Self {
        Self {
            devices_reused: s.reused,
            devices_recycled: s.recycled,
            co2e_saved_kg: s.co2e_g as f64 / 1000.0,
            landfill_saved_kg: s.landfill_g as f64 / 1000.0,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub group_by: Vec<Dimension>,
    /// The set the figures are computed under; null when each device counts under the set it was
    /// recorded with.
    pub factor_set_id: Option<Uuid>,
    pub totals: Saved,
    pub groups: Vec<Group<Saved>>,
}

/// The report for the given period, grouping and factor set.
pub async fn build(
    state: &web::Data<AppState>,
    who: Principal,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    set: Option<Uuid>,
    dims: Vec<Dimension>,
) -> Result<Report, ApiError> {
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, &[Role::Admin, Role::Reporter, Role::HubStaff])?;
        let what_if = match set {
            None => None,
            Some(id) => {
                let bp: i32 = impact_factor_sets::table
                    .find(id)
                    .select(impact_factor_sets::displacement_bp)
                    .first(conn)
                    .optional()?
                    .ok_or_else(|| ApiError::unknown_reference("factor_set"))?;
                let factors = impact_factors::table
                    .filter(impact_factors::set_id.eq(id))
                    .select((impact_factors::category, impact_factors::manufacture_co2e_g, impact_factors::weight_g))
                    .load::<(String, i64, i32)>(conn)?
                    .into_iter()
                    .map(|(c, co2e, w)| (c, (co2e, i64::from(w))))
                    .collect();
                Some(WhatIf { factors, displacement_bp: i64::from(bp) })
            }
        };
        let (first, last) = grouping::months(from, to);
        let rows: Vec<RollupRow> = conn.transaction(|conn| {
            // Room to sum tens of thousands of rows in memory rather than spill them to disk.
            diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(conn)?;
            diesel::sql_query(rollup_query(&dims, what_if.is_some()))
                .bind::<SqlDate, _>(first)
                .bind::<SqlDate, _>(last)
                .bind::<SmallInt, _>(grain(&dims))
                .load(conn)
        })?;
        let (groups, total) = group(&rows, &dims, what_if.as_ref());
        Ok(Report {
            from,
            to,
            group_by: dims.clone(),
            factor_set_id: set,
            totals: Saved::from(total),
            groups: groups.into_iter().map(|g| Group { keys: g.keys, figures: Saved::from(g.figures) }).collect(),
        })
    })
    .await
}

pub async fn report(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    Query(query): Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let dims = parse_group_by(query.group_by.as_deref(), Dimension::ALL).map_err(|m| bad_query("group_by", m))?;
    let csv = crate::http::csv::wants_csv(&req, query.format.map(ReportFormat::as_str));
    let report = build(&state, who, query.from.map(Date::day), query.to.map(Date::day), query.factor_set, dims).await?;
    if csv {
        let mut header: Vec<String> = report.group_by.iter().map(|d| d.field()).collect();
        header.extend(["devices_reused", "devices_recycled", "co2e_saved_kg", "landfill_saved_kg"].map(String::from));
        let rows: Vec<Vec<String>> = report
            .groups
            .iter()
            .map(|g| {
                let mut row: Vec<String> = header[..report.group_by.len()]
                    .iter()
                    .map(|h| g.keys.get(h).cloned().unwrap_or_default())
                    .collect();
                row.extend([
                    g.figures.devices_reused.to_string(),
                    g.figures.devices_recycled.to_string(),
                    format!("{:.3}", g.figures.co2e_saved_kg),
                    format!("{:.3}", g.figures.landfill_saved_kg),
                ]);
                row
            })
            .collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        return crate::http::csv::response("sustainability.csv", &header, &rows);
    }
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::grouping::Figures as _;

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
    fn postgresql_sums_what_a_grouping_drops() {
        let by_hub_month = rollup_query(&[Dimension::Hub, Dimension::Month, Dimension::Category], false);
        assert!(by_hub_month.starts_with("SELECT month, NULL::uuid AS donor_id, category, hub_id,"), "{by_hub_month}");
        let monthly = rollup_query(&[Dimension::Month], false);
        assert!(monthly.contains("''::text AS category"), "{monthly}");
        assert!(rollup_query(&[Dimension::Month], true).contains(", category,"), "what-if needs the categories");
        let by_donor = rollup_query(&[Dimension::Donor], false);
        assert!(by_donor.contains("DATE '0001-01-01' AS month") && by_donor.contains("GROUP BY"));
        let pair = rollup_query(&[Dimension::Donor, Dimension::Hub], false);
        assert!(pair.contains("NULL::uuid AS ward_id"), "the all-ids grain drops the ward");
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
