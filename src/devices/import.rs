//! Bulk import of a donation's manifest: `POST /api/v1/donations/{id}/devices` with a JSON array
//! or a CSV file (the columns of a donor's asset spreadsheet). All or nothing: every bad row is
//! listed in one 422 and nothing is stored; otherwise every device is created (status `received`
//! at the donation's hub), gets an asset tag, and has a `received` event, in one transaction.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::history::{self, Change};
use super::lifecycle::DeviceStatus;
use super::models::{Category, DeviceInput, Grade, NewDevice, StorageType};
use super::{repo, rules};
use crate::AppState;
use crate::auth::{Principal, Role};
use crate::db::{in_transaction, run_blocking};
use crate::http::csv::read_table;
use crate::http::json::{BodyLimits, field_error, parse_json, read_body};
use crate::http::{ApiError, FieldError};

pub const MAX_ROWS: usize = 10_000;

#[derive(Debug, Serialize)]
pub struct ImportedDevice {
    pub row: usize,
    pub id: Uuid,
    pub asset_tag: String,
    pub serial_number: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImportResult {
    pub donation_id: Uuid,
    pub imported: usize,
    /// CSV columns that were not recognised and so were not read.
    pub ignored_columns: Vec<String>,
    pub devices: Vec<ImportedDevice>,
}

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

/// Rows of a JSON array, each parsed on its own so every bad row is reported. Row numbers are
/// 1-based positions in the array.
fn json_rows(bytes: &[u8], errors: &mut Vec<FieldError>) -> Result<Vec<(usize, DeviceInput)>, ApiError> {
    let values: Vec<Value> = parse_json(bytes)?;
    let mut rows = Vec::with_capacity(values.len());
    for (i, value) in values.into_iter().enumerate() {
        match serde_path_to_error::deserialize::<_, DeviceInput>(value) {
            Ok(input) => rows.push((i + 1, input)),
            Err(e) => {
                let path = e.path().to_string();
                let mut fe = field_error(&path, &e.into_inner().to_string());
                fe.row = Some(i + 1);
                errors.push(fe);
            }
        }
    }
    Ok(rows)
}

/// The field a spreadsheet column feeds, by its header (case and punctuation ignored).
fn column_for(header: &str) -> Option<&'static str> {
    let key: String = header.to_lowercase().chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    Some(match key.as_str() {
        "serial" | "serialnumber" | "serialno" | "sn" | "servicetag" => "serial_number",
        "make" | "manufacturer" | "brand" | "vendor" => "make",
        "model" | "modelname" | "modelnumber" => "model",
        "category" | "type" | "devicetype" | "assettype" => "category",
        "cpu" | "processor" => "cpu",
        "ram" | "ramgb" | "memory" | "memorygb" => "ram_gb",
        "storage" | "storagegb" | "disk" | "disksize" | "hdd" | "drivesize" => "storage_gb",
        "storagetype" | "disktype" | "drivetype" => "storage_type",
        "os" | "operatingsystem" => "operating_system",
        "battery" | "batteryhealth" | "batteryhealthpct" => "battery_health_pct",
        "weight" | "weightkg" => "weight_kg",
        "grade" | "condition" => "grade",
        "notes" | "comments" | "comment" => "notes",
        _ => return None,
    })
}

/// A category as donors write it.
fn category_from(text: &str) -> Option<Category> {
    let key = text.trim().to_lowercase().replace([' ', '-'], "_");
    key.parse().ok().or(match key.as_str() {
        "notebook" | "laptops" => Some(Category::Laptop),
        "pc" | "desktop_pc" | "tower" | "all_in_one" => Some(Category::Desktop),
        "mobile" | "mobile_phone" | "smartphone" => Some(Category::Phone),
        "ipad" | "tablets" => Some(Category::Tablet),
        "mifi" | "4g_router" | "dongle" | "hotspot" => Some(Category::Router),
        "screen" | "display" => Some(Category::Monitor),
        "scanner" => Some(Category::Printer),
        _ => None,
    })
}

/// A whole number, ignoring a unit such as "GB" or "%": "8GB" → 8.
fn leading_number(text: &str) -> Option<i32> {
    let digits: String = text.trim().chars().take_while(char::is_ascii_digit).collect();
    let rest = text.trim()[digits.len()..].trim().to_lowercase();
    let unit_ok = rest.is_empty() || ["gb", "g", "%", "gib"].contains(&rest.as_str());
    if digits.is_empty() || !unit_ok { None } else { digits.parse().ok() }
}

fn csv_cell(input: &mut DeviceInput, field: &'static str, raw: &str) -> Result<(), String> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(());
    }
    let number = || leading_number(text).ok_or_else(|| format!("'{text}' is not a whole number"));
    match field {
        "serial_number" => input.serial_number = Some(text.to_owned()),
        "make" => input.make = Some(text.to_owned()),
        "model" => input.model = Some(text.to_owned()),
        "cpu" => input.cpu = Some(text.to_owned()),
        "operating_system" => input.operating_system = Some(text.to_owned()),
        "notes" => input.notes = Some(text.to_owned()),
        "category" => input.category = Some(category_from(text).ok_or_else(|| format!("unknown category '{text}'"))?),
        "ram_gb" => input.ram_gb = Some(number()?),
        "storage_gb" => input.storage_gb = Some(number()?),
        "battery_health_pct" => input.battery_health_pct = Some(number()?),
        "storage_type" => {
            input.storage_type =
                Some(text.to_lowercase().parse::<StorageType>().map_err(|_| format!("unknown storage type '{text}'"))?)
        }
        "grade" => {
            input.grade = Some(text.to_uppercase().parse::<Grade>().map_err(|_| "must be A, B or C".to_owned())?)
        }
        "weight_kg" => {
            let kg = text.to_lowercase().trim_end_matches("kg").trim().parse::<f64>();
            input.weight_kg = Some(kg.map_err(|_| format!("'{text}' is not a weight in kg"))?);
        }
        _ => {}
    }
    Ok(())
}

/// Rows of a CSV file with a header row. Row numbers are line numbers (the header is line 1).
fn csv_rows(
    bytes: &[u8],
    errors: &mut Vec<FieldError>,
    ignored: &mut Vec<String>,
) -> Result<Vec<(usize, DeviceInput)>, ApiError> {
    let (table, row_errors) = read_table(bytes)?;
    errors.extend(row_errors);
    let columns: Vec<Option<&'static str>> = table.headers.iter().map(|h| column_for(h)).collect();
    ignored.extend(table.headers.iter().zip(&columns).filter(|(_, c)| c.is_none()).map(|(h, _)| h.clone()));
    if !columns.contains(&Some("category")) {
        return Err(ApiError::invalid_field("category", "the CSV needs a category (or type) column"));
    }
    let mut rows = Vec::new();
    for row in table.rows {
        let mut input = DeviceInput::default();
        let mut ok = true;
        for (cell, column) in row.cells.iter().zip(&columns) {
            if let Some(field) = column
                && let Err(message) = csv_cell(&mut input, field, cell)
            {
                errors.push(FieldError::at_row(row.line, *field, message));
                ok = false;
            }
        }
        if ok {
            rows.push((row.line, input));
        }
    }
    Ok(rows)
}

/// Checks every row, duplicates inside the file included; returns the devices or every problem.
fn check_rows(
    rows: Vec<(usize, DeviceInput)>,
    hub_id: Uuid,
    donation_id: Uuid,
    errors: &mut Vec<FieldError>,
) -> Vec<(usize, NewDevice)> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut devices = Vec::with_capacity(rows.len());
    for (row, input) in rows {
        let Some(device) = rules::check_input(input, Some(row), Some(hub_id), Some(donation_id), errors) else {
            continue;
        };
        if let Some(serial) = &device.serial_number {
            let identity = rules::serial_identity(device.make.as_deref(), serial);
            if let Some(first) = seen.get(&identity) {
                errors.push(FieldError::at_row(
                    row,
                    "serial_number",
                    format!("duplicates the serial number in row {first}"),
                ));
                continue;
            }
            seen.insert(identity, row);
        }
        devices.push((row, device));
    }
    devices
}

pub async fn import(
    state: web::Data<AppState>,
    limits: web::Data<BodyLimits>,
    who: Principal,
    donation: web::Path<Uuid>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let format = format_of(&req).ok_or_else(|| ApiError::unsupported_media_type("application/json or text/csv"))?;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let bytes = read_body(&mut payload, declared, limits.import).await?;
    let donation_id = donation.into_inner();
    let result = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, &[Role::Admin, Role::HubStaff])?;
        let donation = crate::donations::repo::find(conn, donation_id)?
            .filter(|d| actor.works_at(d.hub_id))
            .ok_or_else(|| ApiError::not_found("donation"))?;
        let mut errors = Vec::new();
        let mut ignored_columns = Vec::new();
        let rows = match format {
            Format::Json => json_rows(&bytes, &mut errors)?,
            Format::Csv => csv_rows(&bytes, &mut errors, &mut ignored_columns)?,
        };
        if rows.len() + errors.len() > MAX_ROWS {
            return Err(ApiError::invalid_field("body", format!("at most {MAX_ROWS} devices in one import")));
        }
        let devices = check_rows(rows, donation.hub_id, donation.id, &mut errors);
        let serials: Vec<String> =
            devices.iter().filter_map(|(_, d)| d.serial_number.as_deref().map(str::to_uppercase)).collect();
        let existing: std::collections::HashSet<(String, String)> = repo::existing_serials(conn, &serials)?
            .into_iter()
            .filter_map(|(make, serial)| serial.map(|s| rules::serial_identity(make.as_deref(), &s)))
            .collect();
        for (row, device) in &devices {
            if let Some(serial) = &device.serial_number
                && existing.contains(&rules::serial_identity(device.make.as_deref(), serial))
            {
                errors.push(FieldError::at_row(
                    *row,
                    "serial_number",
                    "a device with this serial number from this maker is already recorded",
                ));
            }
        }
        if devices.is_empty() && errors.is_empty() {
            return Err(ApiError::invalid_field("body", "the manifest holds no devices"));
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            let mut problem = ApiError::validation(errors);
            problem.detail = format!("{} problem(s) in the manifest; nothing was imported", problem.errors.len());
            return Err(problem);
        }
        in_transaction(conn, |conn| {
            let new: Vec<NewDevice> = devices.iter().map(|(_, d)| d.clone()).collect();
            let tags = repo::insert_all(conn, &new)?;
            let events = devices
                .iter()
                .map(|(row, d)| Change {
                    device_id: d.id,
                    actor_id: Some(actor.user_id),
                    kind: "received",
                    from_status: None,
                    to_status: Some(DeviceStatus::Received),
                    from_hub_id: None,
                    to_hub_id: Some(donation.hub_id),
                    details: json!({ "donation_id": donation.id, "row": row }),
                    occurred_at: None,
                })
                .collect();
            history::record_all(conn, events)?;
            let imported = devices
                .iter()
                .zip(tags)
                .map(|((row, d), (id, asset_tag))| ImportedDevice {
                    row: *row,
                    id,
                    asset_tag,
                    serial_number: d.serial_number.clone(),
                })
                .collect::<Vec<_>>();
            Ok(ImportResult { donation_id: donation.id, imported: imported.len(), ignored_columns, devices: imported })
        })
    })
    .await?;
    Ok(HttpResponse::Created().json(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_headers_map_to_fields() {
        assert_eq!(column_for("Serial No."), Some("serial_number"));
        assert_eq!(column_for("RAM (GB)"), Some("ram_gb"));
        assert_eq!(column_for("Manufacturer"), Some("make"));
        assert_eq!(column_for("Location"), None);
    }

    #[test]
    fn donor_wording_is_understood() {
        assert_eq!(category_from("Laptop"), Some(Category::Laptop));
        assert_eq!(category_from("Smartphone"), Some(Category::Phone));
        assert_eq!(category_from("laptop small"), Some(Category::LaptopSmall));
        assert_eq!(category_from("toaster"), None);
        assert_eq!(leading_number("8GB"), Some(8));
        assert_eq!(leading_number("256 GB"), Some(256));
        assert_eq!(leading_number("85%"), Some(85));
        assert_eq!(leading_number("eight"), None);
        assert_eq!(leading_number("8 TB"), None);
    }

    #[test]
    fn csv_rows_report_line_numbers_and_ignored_columns() {
        let csv = "Serial,Make,Type,RAM,Location\nA1,Dell,Laptop,8GB,Shelf 2\nA2,Dell,Toaster,lots,Shelf 3\n";
        let mut errors = Vec::new();
        let mut ignored = Vec::new();
        let rows = csv_rows(csv.as_bytes(), &mut errors, &mut ignored).expect("parses");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 2);
        assert_eq!(ignored, ["Location"]);
        let bad: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(bad, [(Some(3), "category"), (Some(3), "ram_gb")]);
    }
}
