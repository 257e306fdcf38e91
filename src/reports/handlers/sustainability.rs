//! `GET /api/v1/reports/sustainability?from=&to=&group_by=&factor_set=`: devices reused and
//! recycled, kg CO2e and landfill saved, grouped by up to two of donor, category, hub, ward, month
//! and quarter. Sums are of integer grams, so totals are identical whatever the grouping.
//! `factor_set=` recomputes the same devices under another set ("what if").

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDate;

use crate::auth::Principal;
use crate::calendar::Date;
use crate::http::csv::{self, ReportFormat};
use crate::http::{ApiError, AppState, Query};
use crate::ids::FactorSetId;
use crate::reports::models::sustainability::{Report, ReportQuery, Saved};
use crate::reports::models::{Dimension, Group};
use crate::reports::repo;
use crate::reports::rules::Refusal;
use crate::reports::rules::grouping::{group_by, months};
use crate::reports::rules::sustainability::group;

/// The report for the given period, grouping and factor set.
pub async fn build(
    state: &web::Data<AppState>,
    who: Principal,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    set: Option<FactorSetId>,
    (dims, schemes): (Vec<Dimension>, Option<String>),
) -> Result<Report, ApiError> {
    super::reading(state, who, move |conn, actor| {
        let what_if = match set {
            None => None,
            Some(id) => Some(repo::what_if(conn, id)?.ok_or(Refusal::UnknownFactorSet)?),
        };
        let (first, last) = months(from, to);
        let rows = super::across(conn, actor, schemes.as_deref(), |conn| {
            Ok(repo::rollup(conn, &dims, what_if.is_some(), first, last)?)
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
    let dims = group_by(query.group_by.as_deref(), Dimension::ALL)?;
    let wants_csv = csv::wants_csv(&req, query.format.map(ReportFormat::as_str));
    let (from, to) = (query.from.map(Date::day), query.to.map(Date::day));
    let report = build(&state, who, from, to, query.factor_set, (dims, query.schemes)).await?;
    if wants_csv {
        return as_csv(&report);
    }
    Ok(HttpResponse::Ok().json(report))
}

/// The groups as CSV: a column per dimension, then the figures (kilograms to the gram).
fn as_csv(report: &Report) -> Result<HttpResponse, ApiError> {
    let mut header: Vec<String> = report.group_by.iter().map(|d| d.field()).collect();
    header.extend(["devices_reused", "devices_recycled", "co2e_saved_kg", "landfill_saved_kg"].map(String::from));
    let rows: Vec<Vec<String>> = report
        .groups
        .iter()
        .map(|g| {
            let mut row: Vec<String> =
                header[..report.group_by.len()].iter().map(|h| g.keys.get(h).cloned().unwrap_or_default()).collect();
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
    csv::response("sustainability.csv", &header, &rows)
}
