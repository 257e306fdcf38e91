//! Report queries: the sustainability rollup summed for a grouping (and the factor set a "what if"
//! recomputes it under), the distribution rollup with the loans open now, and the wards, residents
//! reached and what reached them for the exclusion-risk view. Each reads rollups kept in the same
//! transactions as the events they count, so its cost follows the number of groups.

use chrono::NaiveDate;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Date as SqlDate, SmallInt};

use super::models::Dimension;
use super::models::distribution::DistributionRow;
use super::models::exclusion::{CountRow, PeopleRow, WardRow};
use super::models::sustainability::{RollupRow, WhatIf};
use super::rules::sustainability::grain;
use crate::db::schema::{impact_factor_sets, impact_factors, report_grants, schemes, wards};
use crate::ids::{FactorSetId, SchemeId, UserId};

/// The figures of a factor set, for recomputing devices under it; `None` if there is no such set.
pub fn what_if(conn: &mut PgConnection, set: FactorSetId) -> QueryResult<Option<WhatIf>> {
    let Some(bp) = impact_factor_sets::table
        .find(set)
        .select(impact_factor_sets::displacement_bp)
        .first::<i32>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let factors = impact_factors::table
        .filter(impact_factors::set_id.eq(set))
        .select((impact_factors::category, impact_factors::manufacture_co2e_g, impact_factors::weight_g))
        .load::<(String, i64, i32)>(conn)?
        .into_iter()
        .map(|(c, co2e, w)| (c, (co2e, i64::from(w))))
        .collect();
    Ok(Some(WhatIf { factors, displacement_bp: i64::from(bp) }))
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
        "SELECT current_scheme() AS scheme_id, {}, {}, {}, {}, {}, {} FROM impact_rollup \
         WHERE grain = $3 AND month >= $1 AND month <= $2 GROUP BY 2, 3, 4, 5, 6",
        column(kept(&[Dimension::Month, Dimension::Quarter]), "month", "DATE '0001-01-01'"),
        column(kept(&[Dimension::Donor]), "donor_id", "NULL::uuid"),
        column(keeps_category, "category", "''::text"),
        column(kept(&[Dimension::Hub]), "hub_id", "NULL::uuid"),
        column(kept(&[Dimension::Ward]), "ward_id", "NULL::uuid"),
        sums.join(", "),
    )
}

/// The impact rollup rows of the months `first..=last` for a grouping, at the grain that answers it
/// (`rollup_query`).
pub fn rollup(
    conn: &mut PgConnection,
    dims: &[Dimension],
    what_if: bool,
    first: NaiveDate,
    last: NaiveDate,
) -> QueryResult<Vec<RollupRow>> {
    conn.transaction(|conn| {
        // Room to sum tens of thousands of rows in memory rather than spill them to disk.
        diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(conn)?;
        diesel::sql_query(rollup_query(dims, what_if))
            .bind::<SqlDate, _>(first)
            .bind::<SqlDate, _>(last)
            .bind::<SmallInt, _>(grain(dims))
            .load(conn)
    })
}

/// Flows from the rollup (its slots added up) and the loans open now (with their hub's ward now),
/// as one row list. Zero columns are filled in SQL so both halves have the same shape.
const DISTRIBUTION_ROWS: &str = "\
    SELECT current_scheme() AS scheme_id, month, hub_id, ward_id, sum(devices_received)::bigint AS devices_received, \
           sum(devices_refurbished)::bigint AS devices_refurbished, sum(devices_sold)::bigint AS devices_sold, \
           sum(sales_refunded)::bigint AS sales_refunded, sum(loans_made)::bigint AS devices_lent, \
           sum(devices_recycled)::bigint AS devices_recycled, sum(takings_pence)::bigint AS sales_takings_pence, \
           sum(subsidy_pence)::bigint AS sales_subsidy_pence, sum(sims_allocated)::bigint AS sims_allocated, \
           sum(sims_replaced)::bigint AS sims_replaced, sum(sim_data_gb_per_month)::bigint AS sim_data_gb_per_month, \
           0::bigint AS loans_active, 0::bigint AS loans_overdue \
    FROM distribution_rollup WHERE month BETWEEN $1 AND $2 GROUP BY month, hub_id, ward_id \
    UNION ALL \
    SELECT current_scheme(), uk_month(l.lent_at), l.hub_id, h.ward_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
           count(*), count(*) FILTER (WHERE l.due_on < $3) \
    FROM loans l JOIN hubs h ON h.scheme_id = l.scheme_id AND h.id = l.hub_id \
    WHERE l.returned_at IS NULL AND l.lost_at IS NULL AND uk_month(l.lent_at) BETWEEN $1 AND $2 \
    GROUP BY 2, 3, 4";

/// What was handed out in the months `first..=last`, by month and hub, with loans overdue on `as_of`.
/// It costs hubs × months, not devices, plus the loans open now through their partial index
/// (bounded by what is out on loan).
pub fn distribution(
    conn: &mut PgConnection,
    first: NaiveDate,
    last: NaiveDate,
    as_of: NaiveDate,
) -> QueryResult<Vec<DistributionRow>> {
    diesel::sql_query(DISTRIBUTION_ROWS)
        .bind::<SqlDate, _>(first)
        .bind::<SqlDate, _>(last)
        .bind::<SqlDate, _>(as_of)
        .load(conn)
}

/// The active schemes whose reports `user` was granted (a network's reporter).
pub fn granted_schemes(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<SchemeId>> {
    report_grants::table
        .inner_join(schemes::table.on(schemes::id.eq(report_grants::scheme_id)))
        .filter(report_grants::user_id.eq(user))
        .filter(schemes::status.eq("active"))
        .select(report_grants::scheme_id)
        .load(conn)
}

/// Every ward with its DERI score.
pub fn wards(conn: &mut PgConnection) -> QueryResult<Vec<WardRow>> {
    wards::table.select((wards::id, wards::name, wards::deri_score)).load(conn)
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

/// Residents reached in the months `first..=last` (`PEOPLE`).
pub fn people_reached(conn: &mut PgConnection, first: NaiveDate, last: NaiveDate) -> QueryResult<Vec<PeopleRow>> {
    diesel::sql_query(PEOPLE).bind::<SqlDate, _>(first).bind::<SqlDate, _>(last).load(conn)
}

/// Devices sold and lent and SIMs given in the months `first..=last`, by the home ward and
/// eligibility category of the residents they reached.
pub fn reach_counts(conn: &mut PgConnection, first: NaiveDate, last: NaiveDate) -> QueryResult<Vec<CountRow>> {
    diesel::sql_query(COUNTS).bind::<SqlDate, _>(first).bind::<SqlDate, _>(last).load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgresql_sums_what_a_grouping_drops() {
        let by_hub_month = rollup_query(&[Dimension::Hub, Dimension::Month, Dimension::Category], false);
        assert!(
            by_hub_month
                .starts_with("SELECT current_scheme() AS scheme_id, month, NULL::uuid AS donor_id, category, hub_id,"),
            "{by_hub_month}"
        );
        let monthly = rollup_query(&[Dimension::Month], false);
        assert!(monthly.contains("''::text AS category"), "{monthly}");
        assert!(rollup_query(&[Dimension::Month], true).contains(", category,"), "what-if needs the categories");
        let by_donor = rollup_query(&[Dimension::Donor], false);
        assert!(by_donor.contains("DATE '0001-01-01' AS month") && by_donor.contains("GROUP BY"));
        let pair = rollup_query(&[Dimension::Donor, Dimension::Hub], false);
        assert!(pair.contains("NULL::uuid AS ward_id"), "the all-ids grain drops the ward");
    }
}
