//! `GET /api/v1/reports/distribution?from=&to=&group_by=`: what the scheme received, refurbished,
//! sold, lent, recycled and gave out — devices, takings and subsidy in pence, SIMs and the data
//! they carry, loans open and overdue — by hub, ward (the hub's), month or quarter. It reads the
//! rollup the database keeps beside each event (`distribution_rollup`), so it costs hubs × months,
//! not devices, plus the loans open now through their partial index (bounded by what is out on
//! loan). Hubs are places, not people, so no group here is suppressed; the figures
//! built from residents are in the exclusion-risk view.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;

use crate::auth::Principal;
use crate::calendar::Date;
use crate::http::csv::{self, ReportFormat};
use crate::http::{ApiError, AppState, Query};
use crate::reports::models::Dimension;
use crate::reports::models::distribution::{Distribution, DistributionQuery, Report};
use crate::reports::repo;
use crate::reports::rules::distribution::{DIMENSIONS, group};
use crate::reports::rules::grouping::{group_by, months};

/// The report for the given period and grouping, with loans overdue as of today (UK date).
pub async fn build(
    state: &web::Data<AppState>,
    who: Principal,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    (dims, schemes): (Vec<Dimension>, Option<String>),
) -> Result<Report, ApiError> {
    let as_of = crate::calendar::local_date(chrono::Utc::now());
    super::reading(state, who, move |conn, actor| {
        let (first, last) = months(from, to);
        let rows =
            super::across(conn, actor, schemes.as_deref(), |conn| Ok(repo::distribution(conn, first, last, as_of)?))?;
        let (groups, totals) = group(rows, &dims);
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
    let dims = group_by(query.group_by.as_deref(), DIMENSIONS)?;
    let wants_csv = csv::wants_csv(&req, query.format.map(ReportFormat::as_str));
    let report = build(&state, who, query.from.map(Date::day), query.to.map(Date::day), (dims, query.schemes)).await?;
    if !wants_csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    as_csv(&report)
}

/// The groups as CSV: a column per dimension, then the figures in the order the JSON gives them.
fn as_csv(report: &Report) -> Result<HttpResponse, ApiError> {
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
    csv::response("distribution.csv", &header, &rows)
}
