//! Rules for residents: their personal fields, and that an erased record serves nobody.

use super::models::{CreateResident, ResidentRow, UpdateResident};
use crate::calendar::Date;
use crate::http::{FieldError, Problems};

/// Why a resident's record cannot be used as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such resident.
    NotFound,
    /// A body field names a resident that does not exist.
    UnknownReference(&'static str),
    /// The personal data was erased; the person registers again.
    Erased,
    /// An erased record cannot be given a device, SIM or hold.
    ErasedForService,
}

/// A resident who may be given a device, a SIM or a hold: one whose record was not erased.
pub fn may_be_served(resident: &ResidentRow) -> Result<(), Refusal> {
    if resident.erased_at.is_some() { Err(Refusal::ErasedForService) } else { Ok(()) }
}

/// A resident whose details may be corrected: one whose record was not erased.
pub fn may_be_changed(resident: &ResidentRow) -> Result<(), Refusal> {
    if resident.erased_at.is_some() { Err(Refusal::Erased) } else { Ok(()) }
}

fn check_phone(problems: &mut Problems, phone: &str) {
    if let Err(message) = crate::contact::check_phone(phone) {
        problems.add("phone", message);
    }
}

fn check_email(problems: &mut Problems, email: &str) {
    if crate::contact::normalise_email(email).is_err() {
        problems.add("email", "must be an email address like name@example.org");
    }
}

fn normalise_postcode(problems: &mut Problems, postcode: &mut String) {
    match crate::contact::normalise_postcode(postcode) {
        Ok(canonical) => *postcode = canonical,
        Err(message) => problems.add("postcode", message),
    }
}

/// Checks a new resident and puts postcode and email into canonical form.
pub fn check_create(input: &mut CreateResident) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.length("name", &input.name, 1, 200);
    if let Some(phone) = &input.phone {
        check_phone(&mut problems, phone);
    }
    if let Some(email) = &input.email {
        check_email(&mut problems, email);
    }
    if let Some(postcode) = input.postcode.as_mut() {
        normalise_postcode(&mut problems, postcode);
    }
    if let Some(lines) = &input.address_lines {
        check_address(&mut problems, lines);
    }
    check_verified_on(&mut problems, input.eligibility_verified_on.map(Date::day));
    problems.into_errors()?;
    input.address_lines = input.address_lines.take().map(tidy_address);
    input.name = input.name.trim().to_owned();
    input.email = input.email.as_ref().map(|e| e.to_lowercase());
    input.phone = input.phone.as_ref().map(|p| p.trim().to_owned());
    Ok(())
}

pub fn check_update(patch: &mut UpdateResident) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    if let Some(name) = &patch.name {
        problems.length("name", name, 1, 200);
    }
    if let Some(Some(phone)) = &patch.phone {
        check_phone(&mut problems, phone);
    }
    if let Some(Some(email)) = &patch.email {
        check_email(&mut problems, email);
    }
    if let Some(Some(postcode)) = patch.postcode.as_mut() {
        normalise_postcode(&mut problems, postcode);
    }
    if let Some(Some(lines)) = &patch.address_lines {
        check_address(&mut problems, lines);
    }
    check_verified_on(&mut problems, patch.eligibility_verified_on.map(Date::day));
    problems.into_errors()?;
    patch.address_lines = patch.address_lines.take().map(|a| a.map(tidy_address));
    patch.name = patch.name.as_ref().map(|n| n.trim().to_owned());
    patch.email = patch.email.as_ref().map(|e| e.as_ref().map(|e| e.to_lowercase()));
    patch.phone = patch.phone.as_ref().map(|p| p.as_ref().map(|p| p.trim().to_owned()));
    Ok(())
}

/// A postal address before the postcode: one to five lines of up to 80 characters, for a letter
/// (GOV.UK Notify takes up to seven lines: the name, these, and the postcode). Letters go only
/// when the postcode is on record too.
fn check_address(problems: &mut Problems, lines: &[String]) {
    if lines.is_empty() || lines.len() > 5 {
        problems.add("address_lines", "must be one to five lines (the postcode goes in postcode)");
    }
    for (i, line) in lines.iter().enumerate() {
        problems.length(&format!("address_lines[{i}]"), line, 1, 80);
    }
}

/// Each line trimmed, with any control character (a line break inside a line) made a space, so a
/// letter's address has exactly the lines given.
fn tidy_address(lines: Vec<String>) -> Vec<String> {
    lines
        .into_iter()
        .map(|l| l.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned())
        .collect()
}

fn check_verified_on(problems: &mut Problems, date: Option<chrono::NaiveDate>) {
    if let Some(d) = date {
        let today = chrono::Utc::now().date_naive();
        let earliest = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(chrono::NaiveDate::MIN);
        problems.check(
            d <= today + chrono::Days::new(1) && d >= earliest,
            "eligibility_verified_on",
            "must be a date from 2000-01-01, not in the future",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::residents::models::Eligibility;

    #[test]
    fn an_address_keeps_exactly_its_lines() {
        let lines = vec![" 12 Talbot Road\nFlat 2 ".to_owned(), "Stretford".to_owned()];
        assert_eq!(tidy_address(lines), ["12 Talbot Road Flat 2", "Stretford"]);
        let mut problems = Problems::new();
        check_address(&mut problems, &[]);
        check_address(&mut problems, &vec!["x".to_owned(); 6]);
        check_address(&mut problems, &["  ".to_owned()]);
        assert_eq!(problems.into_errors().map_err(|e| e.len()), Err(3));
    }

    #[test]
    fn every_bad_field_of_a_new_resident_is_named_and_good_ones_are_tidied() {
        let mut input = CreateResident {
            name: " Ada ".into(),
            phone: Some("12".into()),
            email: Some("Ada@Example.ORG".into()),
            postcode: Some("m32 0th".into()),
            address_lines: None,
            ward_id: None,
            eligibility: Eligibility::UniversalCredit,
            eligibility_verified_on: None,
            contact_consent: true,
            hub_id: None,
        };
        let fields: Vec<String> =
            check_create(&mut input).expect_err("bad phone").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["phone"]);
        input.phone = Some("0161 912 2000".into());
        check_create(&mut input).expect("valid");
        assert_eq!(
            (input.name.as_str(), input.email.as_deref(), input.postcode.as_deref()),
            ("Ada", Some("ada@example.org"), Some("M32 0TH"))
        );
    }
}
