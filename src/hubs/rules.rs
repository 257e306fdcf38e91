//! Rules for hub fields: names, addresses and UK postcodes.

use crate::http::Problems;

/// A UK postcode in its canonical form (upper case, one space before the inward code), or an
/// explanation. Checks the shape (outward code of 2–4 characters starting with a letter, inward
/// code of a digit and two letters), not whether Royal Mail has issued it.
pub fn normalise_postcode(raw: &str) -> Result<String, String> {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let shaped = (5..=7).contains(&compact.len()) && compact.is_ascii() && {
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward: Vec<char> = inward.chars().collect();
        outward.starts_with(|c: char| c.is_ascii_alphabetic())
            && outward.chars().all(|c| c.is_ascii_alphanumeric())
            && outward.chars().any(|c| c.is_ascii_digit())
            && inward[0].is_ascii_digit()
            && inward[1].is_ascii_alphabetic()
            && inward[2].is_ascii_alphabetic()
    };
    if shaped {
        let (outward, inward) = compact.split_at(compact.len() - 3);
        Ok(format!("{outward} {inward}"))
    } else {
        Err("must be a UK postcode such as M32 0TH".into())
    }
}

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
        match normalise_postcode(raw) {
            Ok(canonical) => *postcode = Some(canonical),
            Err(message) => problems.add("postcode", message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_normalised() {
        assert_eq!(normalise_postcode("m32 0th").ok().as_deref(), Some("M32 0TH"));
        assert_eq!(normalise_postcode("WA145PQ").ok().as_deref(), Some("WA14 5PQ"));
        assert_eq!(normalise_postcode("EC1A 1BB").ok().as_deref(), Some("EC1A 1BB"));
        for bad in ["", "M32", "123 456", "M32 OTH0", "ÅB1 2CD", "M3 2 0TH!"] {
            assert!(normalise_postcode(bad).is_err(), "{bad} should be refused");
        }
    }
}
