//! Rules for residents' personal fields.

use super::models::{CreateResident, UpdateResident};
use crate::calendar::Date;
use crate::http::Problems;

/// A UK phone number as written by a person: digits with optional spaces, dashes, brackets and
/// a leading +; 7 to 15 digits. Stored as given, trimmed.
pub fn check_phone(problems: &mut Problems, phone: &str) {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+'));
    let plus_first = phone.find('+').is_none_or(|i| i == 0 && phone.matches('+').count() == 1);
    if !(allowed && plus_first && (7..=15).contains(&digits) && phone.chars().count() <= 40) {
        problems.add("phone", "must be a phone number such as 0161 912 2000 or +44 161 912 2000");
    }
}

fn check_email(problems: &mut Problems, email: &str) {
    if crate::users::rules::normalise_email(email).is_err() {
        problems.add("email", "must be an email address like name@example.org");
    }
}

fn normalise_postcode(problems: &mut Problems, postcode: &mut String) {
    match crate::hubs::rules::normalise_postcode(postcode) {
        Ok(canonical) => *postcode = canonical,
        Err(message) => problems.add("postcode", message),
    }
}

/// Checks a new resident and puts postcode and email into canonical form.
pub fn check_create(input: &mut CreateResident) -> Result<(), crate::http::ApiError> {
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
    check_verified_on(&mut problems, input.eligibility_verified_on.map(Date::day));
    problems.finish()?;
    input.name = input.name.trim().to_owned();
    input.email = input.email.as_ref().map(|e| e.to_lowercase());
    input.phone = input.phone.as_ref().map(|p| p.trim().to_owned());
    Ok(())
}

pub fn check_update(patch: &mut UpdateResident) -> Result<(), crate::http::ApiError> {
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
    check_verified_on(&mut problems, patch.eligibility_verified_on.map(Date::day));
    problems.finish()?;
    patch.name = patch.name.as_ref().map(|n| n.trim().to_owned());
    patch.email = patch.email.as_ref().map(|e| e.as_ref().map(|e| e.to_lowercase()));
    patch.phone = patch.phone.as_ref().map(|p| p.as_ref().map(|p| p.trim().to_owned()));
    Ok(())
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

    fn phone_ok(p: &str) -> bool {
        let mut problems = Problems::new();
        check_phone(&mut problems, p);
        problems.finish().is_ok()
    }

    #[test]
    fn phone_numbers_as_people_write_them() {
        assert!(phone_ok("0161 912 2000"));
        assert!(phone_ok("+44 (0)161 912-2000"));
        assert!(phone_ok("07700900123"));
        assert!(!phone_ok("12345"));
        assert!(!phone_ok("0161 912 2000 ext 4"));
        assert!(!phone_ok("44+161 912 2000"));
    }
}
