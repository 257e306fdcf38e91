//! SIM rules as plain functions: ICCID check digits (ITU-T E.118 uses the Luhn algorithm), voucher
//! code shape, expiry dates, and masking of voucher codes.

use chrono::{Months, NaiveDate};

/// Whether `digits` (all ASCII digits) passes the Luhn check, its last digit being the check digit.
pub fn luhn_valid(digits: &str) -> bool {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The Luhn check digit for a number without one (used to make demo ICCIDs).
pub fn luhn_check_digit(partial: &str) -> Option<char> {
    (0..=9u8).map(|d| char::from(b'0' + d)).find(|c| luhn_valid(&format!("{partial}{c}")))
}

/// An ICCID: 19 or 20 digits (spaces allowed as written on the card), Luhn-valid.
pub fn check_iccid(raw: &str) -> Result<String, String> {
    let digits: String = raw.chars().filter(|c| *c != ' ').collect();
    if !(19..=20).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("an ICCID is 19 or 20 digits".into());
    }
    if !luhn_valid(&digits) {
        return Err("the ICCID's check digit is wrong (Luhn)".into());
    }
    Ok(digits)
}

/// A voucher code: 4 to 64 visible ASCII characters, kept as given (codes are case-sensitive).
pub fn check_voucher_code(raw: &str) -> Result<String, String> {
    let code = raw.trim();
    if (4..=64).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(code.to_owned())
    } else {
        Err("a voucher code is 4 to 64 visible characters, without spaces".into())
    }
}

/// The day an allocation ends: the allocation date plus the batch's duration, clamped to the end of
/// shorter months (31 January + 1 month = 28 or 29 February).
pub fn expiry(allocated_on: NaiveDate, duration_months: u32) -> NaiveDate {
    allocated_on.checked_add_months(Months::new(duration_months)).unwrap_or(NaiveDate::MAX)
}

/// A voucher code as shown everywhere but the allocation itself: only the last four characters.
pub fn mask(code: &str) -> String {
    let tail: String = code.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("••••{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn luhn_accepts_good_numbers_and_catches_single_digit_errors() {
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
        let base = "894411000000000012";
        let check = luhn_check_digit(base).expect("a digit");
        let iccid = format!("{base}{check}");
        assert_eq!(check_iccid(&iccid).as_deref(), Ok(iccid.as_str()));
        let mut typo = iccid.clone().into_bytes();
        typo[5] = if typo[5] == b'9' { b'0' } else { typo[5] + 1 };
        assert!(check_iccid(&String::from_utf8(typo).expect("ascii")).is_err());
        assert!(check_iccid("1234").is_err());
        assert!(check_iccid("8944 1100 0000 0000 12x").is_err());
    }

    #[test]
    fn expiry_adds_months_and_clamps_at_month_ends() {
        assert_eq!(expiry(date(2026, 1, 31), 1), date(2026, 2, 28));
        assert_eq!(expiry(date(2028, 1, 31), 1), date(2028, 2, 29), "leap year");
        assert_eq!(expiry(date(2024, 2, 29), 12), date(2025, 2, 28));
        assert_eq!(expiry(date(2026, 11, 25), 12), date(2027, 11, 25));
        assert_eq!(expiry(date(2026, 8, 31), 6), date(2027, 2, 28));
    }

    #[test]
    fn codes_are_masked_to_their_last_four_characters() {
        assert_eq!(mask("ABCD-1234-WXYZ"), "••••WXYZ");
        assert_eq!(mask("AB12"), "••••AB12");
    }
}
