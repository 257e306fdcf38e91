//! The reports as charts, for people who would rather look than read:
//! `GET /api/v1/reports/sustainability.svg` (kg CO2e saved per month, stacked by category) and
//! `GET /api/v1/reports/distribution.svg` (devices sold and lent and SIMs given per month). Each
//! builds its report, grouped by month, and draws it (`rules::chart`).

use actix_web::{HttpResponse, web};

use super::{distribution, sustainability};
use crate::auth::Principal;
use crate::calendar::Date;
use crate::http::{ApiError, AppState, Query};
use crate::reports::models::{ChartQuery, Dimension, PeriodQuery};
use crate::reports::rules::chart::{DISTRIBUTION, SUSTAINABILITY, handed_out_by_month, render, saved_by_month};

/// `GET /api/v1/reports/sustainability.svg`.
pub async fn chart(
    state: web::Data<AppState>,
    who: Principal,
    Query(q): Query<ChartQuery>,
) -> Result<HttpResponse, ApiError> {
    let (from, to) = (q.from.map(Date::day), q.to.map(Date::day));
    let dims = vec![Dimension::Month, Dimension::Category];
    let report = sustainability::build(&state, who, from, to, q.factor_set, (dims, q.schemes)).await?;
    Ok(svg(render(&SUSTAINABILITY, &saved_by_month(&report.groups))))
}

/// `GET /api/v1/reports/distribution.svg`.
pub async fn distribution_chart(
    state: web::Data<AppState>,
    who: Principal,
    Query(q): Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let (from, to) = (q.from.map(Date::day), q.to.map(Date::day));
    let report = distribution::build(&state, who, from, to, (vec![Dimension::Month], q.schemes)).await?;
    Ok(svg(render(&DISTRIBUTION, &handed_out_by_month(&report.groups))))
}

fn svg(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("image/svg+xml").body(body)
}
