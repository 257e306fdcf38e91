//! Bulk import of a donation's manifest: `POST /api/v1/donations/{id}/devices` with a JSON array
//! or a CSV file (the columns of a donor's asset spreadsheet). All or nothing: every bad row is
//! listed in one 422 and nothing is stored; otherwise every device is created (status `received`
//! at the donation's hub), gets an asset tag, and has a `received` event, in one transaction.

use std::collections::HashSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::visible;
use crate::auth::{Principal, STAFF};
use crate::devices::models::{Change, DeviceStatus, NewDevice};
use crate::devices::repo::{self as devices, history};
use crate::devices::rules::serial_identity;
use crate::donations::models::{DonationRow, ImportResult, ImportedDevice};
use crate::donations::rules::manifest::{MAX_ROWS, check_rows, csv_rows, json_rows, refuse_known_serials};
use crate::http::json::{BodyLimits, read_body};
use crate::http::{ApiError, AppState, FieldError, in_transaction, run_blocking};
use crate::ids::{DonationId, UserId};

enum Format {
    Json,
    Csv,
}

fn format_of(req: &HttpRequest) -> Option<Format> {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())?;
    match essence.as_str() {
        "text/csv" => Some(Format::Csv),
        e if e == "application/json" || (e.starts_with("application/") && e.ends_with("+json")) => Some(Format::Json),
        _ => None,
    }
}

/// The devices' `received` events, one per device, naming the row it came from.
fn received(devices: &[(usize, NewDevice)], donation: &DonationRow, actor: UserId) -> Vec<Change> {
    let change = |row: &usize, d: &NewDevice| Change {
        from_status: None,
        to_status: Some(DeviceStatus::Received),
        to_hub_id: Some(donation.hub_id),
        ..Change::note(d.id, Some(actor), "received", json!({ "donation_id": donation.id, "row": row }))
    };
    devices.iter().map(|(row, d)| change(row, d)).collect()
}

/// Every problem of the manifest in one 422, in row order.
fn refused(mut errors: Vec<FieldError>) -> ApiError {
    errors.sort_by_key(|e| e.row);
    let count = errors.len();
    ApiError::validation(errors).with_detail(format!("{count} problem(s) in the manifest; nothing was imported"))
}

pub async fn import(
    state: web::Data<AppState>,
    limits: web::Data<BodyLimits>,
    who: Principal,
    donation: web::Path<DonationId>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let format = format_of(&req).ok_or_else(|| ApiError::unsupported_media_type("application/json or text/csv"))?;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let bytes = read_body(&mut payload, declared, limits.import).await?;
    let donation_id = donation.into_inner();
    let result = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let donation = visible(conn, &actor, donation_id)?;
        let (devices, ignored_columns) = checked_devices(conn, format, &bytes, &donation)?;
        in_transaction(conn, |conn| store(conn, &devices, &donation, actor.user_id, ignored_columns))
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

/// Checked devices with their rows, and the CSV columns that were not read.
type Checked = (Vec<(usize, NewDevice)>, Vec<String>);

/// The manifest's devices, checked against each other and against what is already recorded; every
/// problem of the manifest at once otherwise.
fn checked_devices(
    conn: &mut diesel::PgConnection,
    format: Format,
    bytes: &[u8],
    donation: &DonationRow,
) -> Result<Checked, ApiError> {
    let mut errors = Vec::new();
    let mut ignored_columns = Vec::new();
    let rows = match format {
        Format::Json => json_rows(bytes, &mut errors)?,
        Format::Csv => csv_rows(bytes, &mut errors, &mut ignored_columns)?,
    };
    if rows.len() + errors.len() > MAX_ROWS {
        return Err(ApiError::invalid_field("body", format!("at most {MAX_ROWS} devices in one import")));
    }
    let devices = check_rows(rows, donation.hub_id, donation.id, &mut errors);
    let serials: Vec<String> =
        devices.iter().filter_map(|(_, d)| d.serial_number.as_deref().map(str::to_uppercase)).collect();
    let existing: HashSet<(String, String)> = devices::existing_serials(conn, &serials)?
        .into_iter()
        .filter_map(|(make, serial)| serial.map(|s| serial_identity(make.as_deref(), &s)))
        .collect();
    refuse_known_serials(&devices, &existing, &mut errors);
    if devices.is_empty() && errors.is_empty() {
        return Err(ApiError::invalid_field("body", "the manifest holds no devices"));
    }
    if !errors.is_empty() {
        return Err(refused(errors));
    }
    Ok((devices, ignored_columns))
}

/// Creates the devices with their asset tags and `received` events.
fn store(
    conn: &mut diesel::PgConnection,
    devices: &[(usize, NewDevice)],
    donation: &DonationRow,
    actor: UserId,
    ignored_columns: Vec<String>,
) -> Result<ImportResult, ApiError> {
    let new: Vec<NewDevice> = devices.iter().map(|(_, d)| d.clone()).collect();
    let tags = devices::insert_all(conn, &new)?;
    history::record_all(conn, received(devices, donation, actor))?;
    let imported: Vec<ImportedDevice> = devices
        .iter()
        .zip(tags)
        .map(|((row, d), (id, asset_tag))| ImportedDevice {
            row: *row,
            id,
            asset_tag,
            serial_number: d.serial_number.clone(),
        })
        .collect();
    Ok(ImportResult { donation_id: donation.id, imported: imported.len(), ignored_columns, devices: imported })
}
