//! `GET /api/v1/reports/exclusion-risk?from=&to=`: whether devices and SIMs reach the people most
//! at risk of digital exclusion. For every ward (the resident's home ward), next to its Digital
//! Exclusion Risk Index score: residents reached, devices sold and lent, SIMs given; the same by
//! eligibility category; and the share of devices and SIMs that went to the highest-risk wards.
//! Built from residents, so small groups are suppressed for every role (`rules::exclusion`).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;

use crate::auth::Principal;
use crate::calendar::Date;
use crate::http::csv::{self, ReportFormat};
use crate::http::{ApiError, AppState, Query};
use crate::reports::models::exclusion::{ExclusionQuery, Report};
use crate::reports::repo;
use crate::reports::rules::exclusion::{self, tally};
use crate::reports::rules::grouping::months;

/// The report for the given period.
pub async fn build(
    state: &web::Data<AppState>,
    who: Principal,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    schemes: Option<String>,
) -> Result<Report, ApiError> {
    super::reading(state, who, move |conn, actor| {
        let (first, last) = months(from, to);
        let read = super::across(conn, actor, schemes.as_deref(), |conn| {
            Ok(vec![(
                repo::wards(conn)?,
                repo::people_reached(conn, first, last)?,
                repo::reach_counts(conn, first, last)?,
            )])
        })?;
        let (mut wards, mut people, mut counts) = (Vec::new(), Vec::new(), Vec::new());
        for (w, p, c) in read {
            wards.extend(w);
            people.extend(p);
            counts.extend(c);
        }
        // Suppression comes after the schemes are added together (`exclusion::report`).
        Ok(exclusion::report(from, to, &wards, &tally(&people, &counts)))
    })
    .await
}

pub async fn report(
    state: web::Data<AppState>,
    who: Principal,
    req: HttpRequest,
    Query(query): Query<ExclusionQuery>,
) -> Result<HttpResponse, ApiError> {
    let wants_csv = csv::wants_csv(&req, query.format.map(ReportFormat::as_str));
    let report = build(&state, who, query.from.map(Date::day), query.to.map(Date::day), query.schemes).await?;
    if !wants_csv {
        return Ok(HttpResponse::Ok().json(report));
    }
    as_csv(&report)
}

/// A figure as a CSV cell: `[c]` where suppressed, the statistical-tables symbol for confidential.
fn cell(n: Option<i64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "[c]".into())
}

/// The wards as CSV, suppressed figures marked `[c]`.
fn as_csv(report: &Report) -> Result<HttpResponse, ApiError> {
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
    csv::response("exclusion-risk.csv", &header, &rows)
}
