//! Rules for a device's descriptive fields, shared by imports, single creates and PATCH: text
//! lengths, numeric ranges, kilograms to grams, serial-number identity, what a PATCH changed, and
//! what a disposal record must hold.

use serde_json::{Map, Value};

use crate::devices::models::{Device, DeviceChanges, DeviceInput, Disposal, NewDevice, Recycle, UpdateDevice};
use crate::http::{FieldError, Problems};
use crate::ids::{DeviceId, DonationId, HubId, UserId};

pub use crate::http::trimmed as clean;

/// Whether devices of a category store data, and so need a verified wipe before anyone else gets
/// them (the same list as the database's `category_has_storage`).
pub fn holds_data(category: crate::devices::models::Category) -> bool {
    use crate::devices::models::Category as C;
    !matches!(category, C::Monitor | C::MonitorSmall | C::MonitorLarge | C::Accessory)
}

/// A device in words: its category, make and model ("laptop Dell Latitude 5490").
pub fn describe(device: &crate::devices::models::DeviceRow) -> String {
    [Some(device.category.as_str()), device.make.as_deref(), device.model.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Serials are unique per manufacturer, ignoring case of both.
pub fn serial_identity(make: Option<&str>, serial: &str) -> (String, String) {
    (make.unwrap_or_default().trim().to_lowercase(), serial.trim().to_uppercase())
}

/// Kilograms as sent to whole grams as stored.
pub fn grams(kg: f64) -> Option<i32> {
    (kg.is_finite() && kg > 0.0 && kg <= 1000.0).then(|| ((kg * 1000.0).round() as i32).max(1))
}

struct Checker<'a> {
    row: Option<usize>,
    errors: &'a mut Vec<FieldError>,
}

impl Checker<'_> {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(match self.row {
            Some(row) => FieldError::at_row(row, field, message),
            None => FieldError::new(field, message),
        });
    }

    fn text(&mut self, field: &str, value: &Option<String>, max: usize) {
        if let Some(v) = value {
            if v.chars().count() > max {
                self.add(field, format!("must be at most {max} characters"));
            }
            if v.chars().any(char::is_control) {
                self.add(field, "must not contain control characters");
            }
        }
    }

    fn range(&mut self, field: &str, value: Option<i32>, min: i32, max: i32) {
        if value.is_some_and(|v| !(min..=max).contains(&v)) {
            self.add(field, format!("must be from {min} to {max}"));
        }
    }
}

/// Checks one device's fields. `row` labels errors in a bulk import.
pub fn check_input(
    input: DeviceInput,
    row: Option<usize>,
    hub_id: Option<HubId>,
    donation_id: Option<DonationId>,
    errors: &mut Vec<FieldError>,
) -> Option<NewDevice> {
    let before = errors.len();
    let mut c = Checker { row, errors };
    let serial_number = clean(input.serial_number);
    let make = clean(input.make);
    let model = clean(input.model);
    let cpu = clean(input.cpu);
    let operating_system = clean(input.operating_system);
    let notes = clean(input.notes);
    c.text("serial_number", &serial_number, 100);
    c.text("make", &make, 100);
    c.text("model", &model, 200);
    c.text("cpu", &cpu, 200);
    c.text("operating_system", &operating_system, 200);
    c.text("notes", &notes, 2000);
    c.range("ram_gb", input.ram_gb, 0, 4096);
    c.range("storage_gb", input.storage_gb, 0, 1_048_576);
    c.range("battery_health_pct", input.battery_health_pct, 0, 100);
    let weight_g = match input.weight_kg {
        None => None,
        Some(kg) => {
            let g = grams(kg);
            if g.is_none() {
                c.add("weight_kg", "must be more than 0 and at most 1000");
            }
            g
        }
    };
    if input.category.is_none() {
        c.add("category", "is required");
    }
    let category = input.category?;
    (errors.len() == before).then_some(NewDevice {
        id: DeviceId::new(),
        serial_number,
        make,
        model,
        category,
        cpu,
        ram_gb: input.ram_gb,
        storage_gb: input.storage_gb,
        storage_type: input.storage_type,
        operating_system,
        battery_health_pct: input.battery_health_pct,
        weight_g,
        grade: input.grade,
        notes,
        hub_id,
        donation_id,
    })
}

/// Checks a patch and turns it into column changes; every problem is listed.
pub fn changes_from(patch: UpdateDevice) -> Result<DeviceChanges, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let text = |errors: &mut Vec<FieldError>, field: &str, v: Option<Option<String>>, max: usize| {
        v.map(|v| {
            let v = clean(v);
            if v.as_ref().is_some_and(|s| s.chars().count() > max || s.chars().any(char::is_control)) {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {max} characters, without control characters"),
                ));
            }
            v
        })
    };
    let range = |errors: &mut Vec<FieldError>, field: &str, v: Option<Option<i32>>, min: i32, max: i32| {
        if v.flatten().is_some_and(|n| !(min..=max).contains(&n)) {
            errors.push(FieldError::new(field, format!("must be from {min} to {max}")));
        }
        v
    };
    let weight_g = patch.weight_kg.map(|kg| {
        kg.and_then(|kg| {
            let g = grams(kg);
            if g.is_none() {
                errors.push(FieldError::new("weight_kg", "must be more than 0 and at most 1000"));
            }
            g
        })
    });
    let changes = DeviceChanges {
        serial_number: text(&mut errors, "serial_number", patch.serial_number, 100),
        make: text(&mut errors, "make", patch.make, 100),
        model: text(&mut errors, "model", patch.model, 200),
        category: patch.category,
        cpu: text(&mut errors, "cpu", patch.cpu, 200),
        ram_gb: range(&mut errors, "ram_gb", patch.ram_gb, 0, 4096),
        storage_gb: range(&mut errors, "storage_gb", patch.storage_gb, 0, 1_048_576),
        storage_type: patch.storage_type,
        operating_system: text(&mut errors, "operating_system", patch.operating_system, 200),
        battery_health_pct: range(&mut errors, "battery_health_pct", patch.battery_health_pct, 0, 100),
        weight_g,
        grade: patch.grade,
        notes: text(&mut errors, "notes", patch.notes, 2000),
    };
    if errors.is_empty() { Ok(changes) } else { Err(errors) }
}

/// The fields that differ between two views, as `{field: {from, to}}`, for the history.
pub fn diff(before: &Device, after: &Device) -> Value {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return Value::Null;
    };
    let mut changed = Map::new();
    for (key, old) in &a {
        if matches!(key.as_str(), "version" | "updated_at" | "allowed_actions") {
            continue;
        }
        let new = b.get(key).cloned().unwrap_or(Value::Null);
        if *old != new {
            changed.insert(key.clone(), serde_json::json!({ "from": old, "to": new }));
        }
    }
    Value::Object(changed)
}

/// Checks a disposal record as of `today` (a waste transfer note, a weight in range, a date from
/// 2000-01-01 and not after tomorrow) and returns its weight in grams, if given.
pub fn check_disposal(input: &Recycle, today: chrono::NaiveDate) -> Result<Option<i32>, Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.length("waste_transfer_note", &input.waste_transfer_note, 1, 100);
    if let Some(parts) = &input.harvested_parts {
        problems.length("harvested_parts", parts, 0, 2000);
    }
    let weight_g = input.weight_kg.map(grams);
    problems.check(weight_g.is_none_or(|g| g.is_some()), "weight_kg", "must be more than 0 and at most 1000");
    let earliest = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(chrono::NaiveDate::MIN);
    let day = input.disposed_on.day();
    problems.check(
        day >= earliest && day <= today + chrono::Days::new(1),
        "disposed_on",
        "must be a date from 2000-01-01, not in the future",
    );
    problems.into_errors()?;
    Ok(weight_g.flatten())
}

/// The organisation a device is recycled with must exist and be recorded as a recycler.
pub fn recycler(parts: Option<Vec<String>>) -> Result<(), super::Refusal> {
    match parts {
        None => Err(super::Refusal::UnknownReference("recycler_id")),
        Some(parts) if parts.iter().any(|p| p == "recycler") => Ok(()),
        Some(_) => Err(super::Refusal::NotARecycler),
    }
}

/// The disposal record of a checked `Recycle`, weighed as given or as the device was recorded.
pub fn disposal(
    device: &crate::devices::models::DeviceRow,
    input: Recycle,
    weight_g: Option<i32>,
    by: UserId,
) -> Disposal {
    Disposal {
        device_id: device.id,
        recycler_id: input.recycler_id,
        waste_transfer_note: input.waste_transfer_note.trim().to_owned(),
        disposed_on: input.disposed_on,
        weight_g: weight_g.or(device.weight_g),
        harvested_parts: clean(input.harvested_parts),
        recorded_by: by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::models::Category;

    fn check(input: DeviceInput) -> Vec<FieldError> {
        let mut errors = Vec::new();
        check_input(input, Some(2), None, None, &mut errors);
        errors
    }

    #[test]
    fn a_plain_laptop_passes_and_weights_become_grams() {
        let mut errors = Vec::new();
        let input = DeviceInput {
            category: Some(Category::Laptop),
            weight_kg: Some(1.834),
            serial_number: Some("  5CD1234XYZ ".into()),
            make: Some("".into()),
            ..Default::default()
        };
        let device = check_input(input, None, None, None, &mut errors).expect("valid");
        assert_eq!(device.weight_g, Some(1834));
        assert_eq!(device.serial_number.as_deref(), Some("5CD1234XYZ"));
        assert_eq!(device.make, None, "blank text is absent");
    }

    #[test]
    fn every_bad_field_is_reported_with_its_row() {
        let errors = check(DeviceInput {
            ram_gb: Some(-1),
            battery_health_pct: Some(101),
            weight_kg: Some(0.0),
            model: Some("x".repeat(201)),
            ..Default::default()
        });
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["model", "ram_gb", "battery_health_pct", "weight_kg", "category"]);
        assert!(errors.iter().all(|e| e.row == Some(2)));
    }

    #[test]
    fn only_a_known_recycler_may_take_a_device() {
        assert_eq!(recycler(None), Err(super::super::Refusal::UnknownReference("recycler_id")));
        assert_eq!(recycler(Some(vec!["donor".into()])), Err(super::super::Refusal::NotARecycler));
        assert_eq!(recycler(Some(vec!["donor".into(), "recycler".into()])), Ok(()));
    }

    #[test]
    fn serial_identity_ignores_case_and_spacing() {
        assert_eq!(serial_identity(Some(" Dell "), "abc1"), serial_identity(Some("DELL"), "ABC1 "));
        assert_ne!(serial_identity(Some("Dell"), "ABC1"), serial_identity(Some("HP"), "ABC1"));
    }
}
