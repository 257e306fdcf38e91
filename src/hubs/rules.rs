//! Rules for hub fields: names, addresses and postcodes.

use crate::http::Problems;

pub fn check_fields(problems: &mut Problems, name: Option<&str>, address: Option<&str>) {
    if let Some(name) = name {
        problems.length("name", name, 1, 200);
    }
    if let Some(address) = address {
        problems.length("address", address, 0, 500);
    }
}

/// Normalises an optional postcode in place, recording a problem if it is malformed.
pub fn normalise_optional_postcode(problems: &mut Problems, postcode: &mut Option<String>) {
    if let Some(raw) = postcode.as_deref() {
        match crate::contact::normalise_postcode(raw) {
            Ok(canonical) => *postcode = Some(canonical),
            Err(message) => problems.add("postcode", message),
        }
    }
}
