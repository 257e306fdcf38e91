//! Contact details as the scheme stores them: email addresses, UK postcodes and phone numbers,
//! each checked and put into one canonical form, and what counts as white space in what people
//! type. Users, organisations, hubs and residents all keep some of them, so the rules live here,
//! below every slice.

/// White space for "not only spaces" rules: Unicode white space plus the ASCII information
/// separators U+001C–U+001F. openapi.yaml spells the same set out as an explicit character class,
/// because regex engines disagree about what `\s` covers.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// The email, lower-cased, if it is shaped like `local@domain.tld` (no spaces, one `@`, a dot
/// inside the domain) and at most 254 characters. The contract states the same rule as a pattern.
pub fn normalise_email(raw: &str) -> Result<String, String> {
    let valid = raw.chars().count() <= 254
        && !raw.chars().any(is_space)
        && raw.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid { Ok(raw.to_lowercase()) } else { Err("must be an email address like name@example.org".into()) }
}

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

/// A UK phone number as written by a person: digits with optional spaces, dashes, brackets and
/// a leading +; 7 to 15 digits. Stored as given, trimmed.
pub fn check_phone(phone: &str) -> Result<(), String> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+'));
    let plus_first = phone.find('+').is_none_or(|i| i == 0 && phone.matches('+').count() == 1);
    if allowed && plus_first && (7..=15).contains(&digits) && phone.chars().count() <= 40 {
        Ok(())
    } else {
        Err("must be a phone number such as 0161 912 2000 or +44 161 912 2000".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(normalise_email("Ana@Example.ORG").ok().as_deref(), Some("ana@example.org"));
        assert_eq!(normalise_email("a@é.x").ok().as_deref(), Some("a@é.x"), "non-ASCII domains do not panic");
        for bad in [
            "",
            "ana",
            "ana@",
            "@x.org",
            "a b@x.org",
            "ana@localhost",
            "a@b@c.org",
            "ana@x.",
            " ana@x.org",
            "a@.",
            "a@..",
            "a@é",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad} should be refused");
        }
    }

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

    #[test]
    fn phone_numbers_as_people_write_them() {
        assert!(check_phone("0161 912 2000").is_ok());
        assert!(check_phone("+44 (0)161 912-2000").is_ok());
        assert!(check_phone("07700900123").is_ok());
        assert!(check_phone("12345").is_err());
        assert!(check_phone("0161 912 2000 ext 4").is_err());
        assert!(check_phone("44+161 912 2000").is_err());
    }
}
