//! How a donor's manifest becomes checked devices: a JSON array (each item parsed on its own, so
//! every bad row is reported) or the donor's own CSV spreadsheet (columns recognised by their
//! headers, donor wording for categories and units understood), then each device checked, with
//! duplicate serial numbers inside the file refused. Rows are numbered as the sender sees them:
//! 1-based positions in a JSON array, line numbers in a CSV file (the header is line 1).

use std::collections::HashMap;

use serde_json::Value;

use crate::devices::models::{Category, DeviceInput, Grade, NewDevice, StorageType};
use crate::devices::rules::fields::{check_input, serial_identity};
use crate::http::csv::read_table;
use crate::http::json::{field_error, parse_json};
use crate::http::{ApiError, FieldError};
use crate::ids::{DonationId, HubId};

pub const MAX_ROWS: usize = 10_000;

/// Rows of a JSON array, each parsed on its own so every bad row is reported. Row numbers are
/// 1-based positions in the array.
pub fn json_rows(bytes: &[u8], errors: &mut Vec<FieldError>) -> Result<Vec<(usize, DeviceInput)>, ApiError> {
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
pub fn csv_rows(
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
pub fn check_rows(
    rows: Vec<(usize, DeviceInput)>,
    hub_id: HubId,
    donation_id: DonationId,
    errors: &mut Vec<FieldError>,
) -> Vec<(usize, NewDevice)> {
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut devices = Vec::with_capacity(rows.len());
    for (row, input) in rows {
        let Some(device) = check_input(input, Some(row), Some(hub_id), Some(donation_id), errors) else {
            continue;
        };
        if let Some(serial) = &device.serial_number {
            let identity = serial_identity(device.make.as_deref(), serial);
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

/// Refuses rows whose serial number (for their maker) is already recorded.
pub fn refuse_known_serials(
    devices: &[(usize, NewDevice)],
    existing: &std::collections::HashSet<(String, String)>,
    errors: &mut Vec<FieldError>,
) {
    for (row, device) in devices {
        if let Some(serial) = &device.serial_number
            && existing.contains(&serial_identity(device.make.as_deref(), serial))
        {
            errors.push(FieldError::at_row(
                *row,
                "serial_number",
                "a device with this serial number from this maker is already recorded",
            ));
        }
    }
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
