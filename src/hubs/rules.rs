//! Rules for hub fields: names, addresses and UK postcodes.

use crate::http::Problems;

/// A UK postcode in its canonical form (upper case, one space before the inward code), or an
/// explanation. The shape is the Royal Mail format — outward code A9, A99, AA9, AA99, A9A or AA9A,
/// an optional space, inward code 9AA — i.e. `^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$`,
/// the pattern the contract gives. Whether Royal Mail has issued it is not checked.
pub fn normalise_postcode(raw: &str) -> Result<String, String> {
    let b = raw.as_bytes();
    let shaped = raw.is_ascii()
        && (2..=4).any(|outward_len| {
            [false, true].into_iter().any(|space| {
                b.len() == outward_len + usize::from(space) + 3
                    && outward_ok(&b[..outward_len])
                    && (!space || b[outward_len] == b' ')
                    && inward_ok(&b[b.len() - 3..])
            })
        });
    if !shaped {
        return Err("must be a UK postcode such as M32 0TH".into());
    }
    let compact: String = raw.chars().filter(|c| *c != ' ').collect::<String>().to_uppercase();
    let (outward, inward) = compact.split_at(compact.len() - 3);
    Ok(format!("{outward} {inward}"))
}

fn outward_ok(o: &[u8]) -> bool {
    let (a, d, x) = (u8::is_ascii_alphabetic, u8::is_ascii_digit, u8::is_ascii_alphanumeric);
    match o {
        [p, q] => a(p) && d(q),
        [p, q, r] => a(p) && ((d(q) && x(r)) || (a(q) && d(r))),
        [p, q, r, s] => a(p) && a(q) && d(r) && x(s),
        _ => false,
    }
}

fn inward_ok(i: &[u8]) -> bool {
    matches!(i, [d, p, q] if d.is_ascii_digit() && p.is_ascii_alphabetic() && q.is_ascii_alphabetic())
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
        assert_eq!(normalise_postcode("m16 9ax").ok().as_deref(), Some("M16 9AX"));
        assert_eq!(normalise_postcode("W1A 1AA").ok().as_deref(), Some("W1A 1AA"));
        for bad in
            ["", "M32", "123 456", "M32 OTH0", "ÅB1 2CD", "M3 2 0TH!", " M32 0TH", "M32  0TH", "ABC1 2DE", "00000000"]
        {
            assert!(normalise_postcode(bad).is_err(), "{bad} should be refused");
        }
    }
}
