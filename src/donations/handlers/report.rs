//! The donor's sanitisation report, `GET /api/v1/donations/{id}/report` (JSON, or CSV with
//! `Accept: text/csv` / `?format=csv`): for every device of the donation, how its data was
//! sanitised and what became of it — what a corporate donor's data protection officer asks for.
//! It holds no resident data.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;

use super::visible;
use crate::auth::{Principal, STAFF};
use crate::donations::models::{Report, ReportQuery};
use crate::donations::repo;
use crate::donations::rules::report::{CSV_HEADER, best_wipes, csv_row, line};
use crate::http::csv::ReportFormat;
use crate::http::{ApiError, AppState, Query, run_blocking};
use crate::ids::{DeviceId, DonationId};

pub async fn report(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DonationId>,
    req: HttpRequest,
    Query(query): Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let donation = visible(conn, &actor, id)?;
        let devices = repo::devices_of(conn, id)?;
        let ids: Vec<DeviceId> = devices.iter().map(|d| d.id).collect();
        let wipes = best_wipes(repo::wipes_of(conn, &ids)?);
        let disposals: HashMap<_, _> = repo::disposals_of(conn, &ids)?.into_iter().map(|d| (d.device_id, d)).collect();
        Ok(Report {
            donation_id: donation.id,
            donor_id: donation.donor_id,
            received_on: donation.received_on.day(),
            generated_at: Utc::now(),
            devices: devices
                .into_iter()
                .map(|d| {
                    let id = d.id;
                    line(d, wipes.get(&id), disposals.get(&id))
                })
                .collect(),
        })
    })
    .await?;
    if crate::http::csv::wants_csv(&req, query.format.map(ReportFormat::as_str)) {
        let rows: Vec<Vec<String>> = report.devices.iter().map(csv_row).collect();
        return crate::http::csv::response(&format!("sanitisation-report-{id}.csv"), CSV_HEADER, &rows);
    }
    Ok(HttpResponse::Ok().json(report))
}
