//! The donor's sanitisation report, `GET /api/v1/donations/{id}/report` (JSON, or CSV with
//! `Accept: text/csv` / `?format=csv`): for every device of the donation, how its data was
//! sanitised and what became of it — what a corporate donor's data protection officer asks for.
//! It holds no resident data.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::run_blocking;
use crate::db::schema::{devices, disposal_records, organisations};
use crate::devices::lifecycle::DeviceStatus;
use crate::devices::models::{Category, DeviceRow};
use crate::http::{ApiError, Query};
use crate::refurbishment::{repo as jobs_repo, rules};

crate::text_enum! {
    /// What became of a donated device, in the donor's terms.
    pub enum Outcome {
        AwaitingRefurbishment => "awaiting_refurbishment",
        InRefurbishment => "in_refurbishment",
        Refurbished => "refurbished",
        Distributed => "distributed",
        BeyondRepair => "beyond_repair",
        Recycled => "recycled",
        Lost => "lost",
    }
}

pub fn outcome(status: DeviceStatus) -> Outcome {
    use DeviceStatus as S;
    match status {
        S::Received => Outcome::AwaitingRefurbishment,
        S::AwaitingRefurbishment | S::InRefurbishment => Outcome::InRefurbishment,
        S::Ready | S::Reserved => Outcome::Refurbished,
        S::OnLoan | S::Sold => Outcome::Distributed,
        S::BeyondRepair => Outcome::BeyondRepair,
        S::Recycled => Outcome::Recycled,
        S::Lost => Outcome::Lost,
    }
}

#[derive(Debug, Serialize)]
pub struct ReportLine {
    pub asset_tag: String,
    pub serial_number: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub category: Category,
    /// `verified`, `unverified`, `not_done` or `not_applicable` (no data storage).
    pub wipe_status: &'static str,
    pub wipe_level: Option<String>,
    pub wipe_method: Option<String>,
    pub wipe_tool: Option<String>,
    pub wipe_certificate: Option<String>,
    pub wiped_at: Option<DateTime<Utc>>,
    pub outcome: Outcome,
    pub recycler: Option<String>,
    pub waste_transfer_note: Option<String>,
    pub disposed_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub donation_id: Uuid,
    pub donor_id: Uuid,
    pub received_on: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub devices: Vec<ReportLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub format: Option<ReportFormat>,
}

crate::text_enum! {
    pub enum ReportFormat {
        Json => "json",
        Csv => "csv",
    }
}

const CSV_HEADER: &[&str] = &[
    "asset_tag",
    "serial_number",
    "make",
    "model",
    "category",
    "wipe_status",
    "wipe_level",
    "wipe_method",
    "wipe_tool",
    "wipe_certificate",
    "wiped_at",
    "outcome",
    "recycler",
    "waste_transfer_note",
    "disposed_on",
];

fn csv_row(l: &ReportLine) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        l.asset_tag.clone(),
        o(&l.serial_number),
        o(&l.make),
        o(&l.model),
        l.category.to_string(),
        l.wipe_status.to_owned(),
        o(&l.wipe_level),
        o(&l.wipe_method),
        o(&l.wipe_tool),
        o(&l.wipe_certificate),
        l.wiped_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        l.outcome.to_string(),
        o(&l.recycler),
        o(&l.waste_transfer_note),
        l.disposed_on.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

fn build(conn: &mut diesel::PgConnection, donation: &super::models::DonationRow) -> Result<Report, ApiError> {
    let rows: Vec<DeviceRow> = devices::table
        .filter(devices::donation_id.eq(donation.id))
        .select(DeviceRow::as_select())
        .order(devices::id)
        .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|d| d.id).collect();
    let mut wipes = std::collections::HashMap::new();
    // Later records win, and a verified one wins over any unverified one.
    for w in jobs_repo::wipes_of_devices(conn, &ids)? {
        let keep = wipes
            .get(&w.device_id)
            .is_none_or(|old: &crate::refurbishment::models::WipeRecord| w.verified || !old.verified);
        if keep {
            wipes.insert(w.device_id, w);
        }
    }
    let disposals: std::collections::HashMap<Uuid, (String, String, NaiveDate)> = disposal_records::table
        .inner_join(organisations::table.on(organisations::id.eq(disposal_records::recycler_id)))
        .filter(disposal_records::device_id.eq_any(&ids))
        .select((
            disposal_records::device_id,
            organisations::name,
            disposal_records::waste_transfer_note,
            disposal_records::disposed_on,
        ))
        .load::<(Uuid, String, String, NaiveDate)>(conn)?
        .into_iter()
        .map(|(id, name, note, on)| (id, (name, note, on)))
        .collect();
    let devices = rows
        .into_iter()
        .map(|d| {
            let wipe = wipes.get(&d.id);
            let wipe_status = match (rules::needs_wipe(d.category), wipe) {
                (false, _) => "not_applicable",
                (true, Some(w)) if w.verified => "verified",
                (true, Some(_)) => "unverified",
                (true, None) => "not_done",
            };
            let disposal = disposals.get(&d.id);
            ReportLine {
                asset_tag: d.asset_tag,
                serial_number: d.serial_number,
                make: d.make,
                model: d.model,
                category: d.category,
                wipe_status,
                wipe_level: wipe.map(|w| w.level.to_string()),
                wipe_method: wipe.map(|w| w.method.to_string()),
                wipe_tool: wipe.map(|w| {
                    [Some(w.tool.clone()), w.tool_version.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ")
                }),
                wipe_certificate: wipe.and_then(|w| w.certificate_reference.clone()),
                wiped_at: wipe.map(|w| w.performed_at),
                outcome: outcome(d.status),
                recycler: disposal.map(|x| x.0.clone()),
                waste_transfer_note: disposal.map(|x| x.1.clone()),
                disposed_on: disposal.map(|x| x.2),
            }
        })
        .collect();
    Ok(Report {
        donation_id: donation.id,
        donor_id: donation.donor_id,
        received_on: donation.received_on.day(),
        generated_at: Utc::now(),
        devices,
    })
}

pub async fn report(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<Uuid>,
    req: HttpRequest,
    Query(query): Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let report = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, &[Role::Admin, Role::HubStaff])?;
        let donation = super::handlers::visible(conn, &actor, id)?;
        build(conn, &donation)
    })
    .await?;
    if crate::http::csv::wants_csv(&req, query.format.map(ReportFormat::as_str)) {
        let rows: Vec<Vec<String>> = report.devices.iter().map(csv_row).collect();
        return crate::http::csv::response(&format!("sanitisation-report-{id}.csv"), CSV_HEADER, &rows);
    }
    Ok(HttpResponse::Ok().json(report))
}
