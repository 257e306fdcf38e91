//! `GET /api/v1/reports/distribution?from=&to=&group_by=`: what the scheme received, refurbished,
//! sold, lent, recycled and gave out — devices, takings and subsidy in pence, SIMs and the data
//! they carry, loans open and overdue — by hub, ward (the hub's), month or quarter. It reads the
//! rollup the database keeps beside each event (`distribution_rollup`), so it costs hubs × months,
//! not devices, plus the loans open now through their partial index (bounded by what is out on
//! loan). Hubs are places, not people, so no group here is suppressed; the figures
//! built from residents are in the exclusion-risk view.

use crate::calendar::Date;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date as SqlDate, Nullable, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::grouping::{self, Coordinates, Dimension, Figures, Group, bad_query, parse_group_by};
use crate::auth::{Principal, Role};
use crate::http::AppState;
use crate::http::csv::ReportFormat;
use crate::http::run_blocking;
use crate::http::{ApiError, Query};

/// Who may read the reports: everyone but partners.
pub const READERS: &[Role] = &[Role::Admin, Role::Reporter, Role::HubStaff];

pub const DIMENSIONS: &[Dimension] = &[Dimension::Hub, Dimension::Ward, Dimension::Month, Dimension::Quarter];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Up to two of hub, ward, month, quarter: `hub,month`.
    pub group_by: Option<String>,
    pub format: Option<ReportFormat>,
}

/// One group's figures. Loans open and overdue are as of today, counted in the month they were
/// lent; everything else in the month it happened.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, QueryableByName)]
pub struct Distribution {
    #[diesel(sql_type = BigInt)]
    pub devices_received: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_refurbished: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_sold: i64,
    #[diesel(sql_type = BigInt)]
    pub sales_refunded: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_lent: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_recycled: i64,
    /// Takings net of refunds (a refund counts in the month it was made).
    #[diesel(sql_type = BigInt)]
    pub sales_takings_pence: i64,
    #[diesel(sql_type = BigInt)]
    pub sales_subsidy_pence: i64,
    #[diesel(sql_type = BigInt)]
    pub sims_allocated: i64,
    #[diesel(sql_type = BigInt)]
    pub sims_replaced: i64,
    /// Monthly data allowance of the SIMs allocated, in GB.
    #[diesel(sql_type = BigInt)]
    pub sim_data_gb_per_month: i64,
    #[diesel(sql_type = BigInt)]
    pub loans_active: i64,
    #[diesel(sql_type = BigInt)]
    pub loans_overdue: i64,
}

impl Distribution {
    /// The figures as CSV columns, in the order the JSON gives them.
    pub fn columns(&self) -> [(&'static str, i64); 13] {
        [
            ("devices_received", self.devices_received),
            ("devices_refurbished", self.devices_refurbished),
            ("devices_sold", self.devices_sold),
            ("sales_refunded", self.sales_refunded),
            ("devices_lent", self.devices_lent),
            ("devices_recycled", self.devices_recycled),
            ("sales_takings_pence", self.sales_takings_pence),
            ("sales_subsidy_pence", self.sales_subsidy_pence),
            ("sims_allocated", self.sims_allocated),
            ("sims_replaced", self.sims_replaced),
            ("sim_data_gb_per_month", self.sim_data_gb_per_month),
            ("loans_active", self.loans_active),
            ("loans_overdue", self.loans_overdue),
        ]
    }
}

impl Figures for Distribution {
    fn add(&mut self, o: Self) {
        self.devices_received += o.devices_received;
        self.devices_refurbished += o.devices_refurbished;
        self.devices_sold += o.devices_sold;
        self.sales_refunded += o.sales_refunded;
        self.devices_lent += o.devices_lent;
        self.devices_recycled += o.devices_recycled;
        self.sales_takings_pence += o.sales_takings_pence;
        self.sales_subsidy_pence += o.sales_subsidy_pence;
        self.sims_allocated += o.sims_allocated;
        self.sims_replaced += o.sims_replaced;
        self.sim_data_gb_per_month += o.sim_data_gb_per_month;
        self.loans_active += o.loans_active;
        self.loans_overdue += o.loans_overdue;
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlDate)]
    month: NaiveDate,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    hub_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    ward_id: Option<Uuid>,
    #[diesel(embed)]
    figures: Distribution,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub group_by: Vec<Dimension>,
    /// The day loans are counted overdue on (UK date).
    pub as_of: NaiveDate,
    pub totals: Distribution,
    pub groups: Vec<Group<Distribution>>,
}

/// Flows from the rollup (its slots added up) and the loans open now (with their hub's ward now),
/// as one row list. Zero columns are filled in SQL so both halves have the same shape.
const ROWS: &str = "\
    SELECT month, hub_id, ward_id, sum(devices_received)::bigint AS devices_received, \
           sum(devices_refurbished)::bigint AS devices_refurbished, sum(devices_sold)::bigint AS devices_sold, \
           sum(sales_refunded)::bigint AS sales_refunded, sum(loans_made)::bigint AS devices_lent, \
           sum(devices_recycled)::bigint AS devices_recycled, sum(takings_pence)::bigint AS sales_takings_pence, \
           sum(subsidy_pence)::bigint AS sales_subsidy_pence, sum(sims_allocated)::bigint AS sims_allocated, \
           sum(sims_replaced)::bigint AS sims_replaced, sum(sim_data_gb_per_month)::bigint AS sim_data_gb_per_month, \
           0::bigint AS loans_active, 0::bigint AS loans_overdue \
    FROM distribution_rollup WHERE month BETWEEN $1 AND $2 GROUP BY month, hub_id, ward_id \
    UNION ALL \
    SELECT uk_month(l.lent_at), l.hub_id, h.ward_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, \
           count(*), count(*) FILTER (WHERE l.due_on < $3) \
    FROM loans l JOIN hubs h ON h.id = l.hub_id \
    WHERE l.returned_at IS NULL AND l.lost_at IS NULL AND uk_month(l.lent_at) BETWEEN $1 AND $2 \
    GROUP BY 1, 2, 3";

pub async fn build(
    state: &web::Data<AppState>,
    who: Principal,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    dims: Vec<Dimension>,
) -> Result<Report, ApiError> {
    let as_of = crate::calendar::local_date(chrono::Utc::now());
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, READERS)?;
        let (first, last) = grouping::months(from, to);
        let rows: Vec<Row> = diesel::sql_query(ROWS)
            .bind::<SqlDate, _>(first)
            .bind::<SqlDate, _>(last)
            .bind::<SqlDate, _>(as_of)
            .load(conn)?;
        let (groups, totals) = grouping::group(
            rows.into_iter().map(|r| {
                (Coordinates { month: Some(r.month), hub: r.hub_id, ward: r.ward_id, ..Default::default() }, r.figures)
            }),
            &dims,
        );
        Ok(Report { from, to, group_by: dims.clone(), as_of, totals, groups })
    })
    .await
}

pub async fn report(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    Query(query): Query<DistributionQuery>,
) -> Result<HttpResponse, ApiError> {
    let dims = parse_group_by(query.group_by.as_deref(), DIMENSIONS).map_err(|m| bad_query("group_by", m))?;
    let csv = crate::http::csv::wants_csv(&req, query.format.map(ReportFormat::as_str));
    let report = build(&state, who, query.from.map(Date::day), query.to.map(Date::day), dims).await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    let keys: Vec<String> = report.group_by.iter().map(|d| d.field()).collect();
    let mut header: Vec<&str> = keys.iter().map(String::as_str).collect();
    header.extend(Distribution::default().columns().map(|(name, _)| name));
    let rows: Vec<Vec<String>> = report
        .groups
        .iter()
        .map(|g| {
            keys.iter()
                .map(|k| g.keys.get(k).cloned().unwrap_or_default())
                .chain(g.figures.columns().map(|(_, n)| n.to_string()))
                .collect()
        })
        .collect();
    crate::http::csv::response("distribution.csv", &header, &rows)
}
