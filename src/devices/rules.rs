//! Rules for a device's descriptive fields, shared by imports, single creates and PATCH: text
//! lengths, numeric ranges, kilograms to grams, and serial-number identity.

use uuid::Uuid;

use super::models::{DeviceInput, NewDevice};
use crate::http::FieldError;

pub use crate::http::trimmed as clean;

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
    hub_id: Option<Uuid>,
    donation_id: Option<Uuid>,
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
        id: crate::db::new_id(),
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
    fn serial_identity_ignores_case_and_spacing() {
        assert_eq!(serial_identity(Some(" Dell "), "abc1"), serial_identity(Some("DELL"), "ABC1 "));
        assert_ne!(serial_identity(Some("Dell"), "ABC1"), serial_identity(Some("HP"), "ABC1"));
    }
}
