//! SIM rules as plain functions: ICCID check digits (ITU-T E.118 uses the Luhn algorithm), voucher
//! code shape, what a batch, an upload, an allocation and its ending must hold, the per-resident
//! SIM limit, expiry dates, what becomes of a SIM when its allocation ends, the stock figures, and
//! masking of voucher codes.

use std::collections::HashMap;

use chrono::{Months, NaiveDate};

use crate::http::{FieldError, Problems};
use crate::ids::BatchId;
use crate::sims::models::{Batch, EndAllocation, EndReason, NewAllocation, NewBatch, SimKind, SimStatus, StockLine};

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

/// Why a SIM or an allocation cannot change as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    BatchNotFound,
    AllocationNotFound,
    /// The resident holds as many active allocations as the scheme allows.
    SimLimit {
        limit: i64,
    },
    /// No SIM of that kind is left.
    SoldOut,
    /// The SIM named is not in stock.
    NotInStock {
        status: SimStatus,
    },
    /// Another request took the SIM first.
    JustTaken,
    AlreadyEnded,
}

/// What a batch must hold.
pub fn check_batch(input: &NewBatch) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.length("network", &input.network, 1, 60);
    problems.check((1..=10_000).contains(&input.data_gb_per_month), "data_gb_per_month", "must be from 1 to 10000");
    problems.check((1..=60).contains(&input.duration_months), "duration_months", "must be from 1 to 60");
    if let Some(r) = &input.reference {
        problems.length("reference", r, 0, 200);
    }
    problems.into_errors()
}

/// An allocation names exactly one of a SIM, a batch or a network.
pub fn check_allocation(input: &NewAllocation) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    let chosen =
        [input.sim_id.is_some(), input.batch_id.is_some(), input.network.is_some()].iter().filter(|b| **b).count();
    problems.check(chosen == 1, "sim_id", "name exactly one of sim_id, batch_id or network");
    if let Some(n) = &input.network {
        problems.length("network", n, 1, 60);
    }
    problems.into_errors()
}

/// Only a lost SIM is replaced as its allocation ends.
pub fn check_end(input: &EndAllocation) -> Result<(), Vec<FieldError>> {
    if input.replace && input.reason != EndReason::Lost {
        return Err(vec![FieldError::new("replace", "only a lost SIM is replaced")]);
    }
    Ok(())
}

/// A resident may hold at most `limit` active allocations.
pub fn within_limit(active: i64, limit: i64) -> Result<(), Refusal> {
    if active >= limit { Err(Refusal::SimLimit { limit }) } else { Ok(()) }
}

/// A SIM that comes back goes into stock again; a lost or expired one is retired.
pub fn after_end(reason: EndReason) -> SimStatus {
    if reason == EndReason::Returned { SimStatus::InStock } else { SimStatus::Retired }
}

/// `30d` → 30: the `expiring_within` filter.
pub fn days(raw: &str) -> Option<i64> {
    raw.strip_suffix('d')
        .filter(|d| !d.is_empty() && d.len() <= 4 && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
}

/// Checks an upload's entries for a batch of `kind`: each well formed and none repeated. Returns
/// the good entries (row, value) and every problem, named by row.
pub fn check_entries(kind: SimKind, entries: Vec<(usize, String)>) -> (Vec<(usize, String)>, Vec<FieldError>) {
    let field = entry_field(kind);
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut good = Vec::new();
    for (row, raw) in entries {
        let checked = if kind == SimKind::PhysicalSim { check_iccid(&raw) } else { check_voucher_code(&raw) };
        match checked {
            Err(message) => errors.push(FieldError::at_row(row, field, message)),
            Ok(value) => match seen.get(&value) {
                Some(first) => errors.push(FieldError::at_row(row, field, format!("duplicates row {first}"))),
                None => {
                    seen.insert(value.clone(), row);
                    good.push((row, value));
                }
            },
        }
    }
    (good, errors)
}

/// What an upload's entries are called for a batch of `kind`.
pub fn entry_field(kind: SimKind) -> &'static str {
    if kind == SimKind::PhysicalSim { "iccid" } else { "voucher_code" }
}

/// The stock line of a batch from its SIMs counted by status and its allocations ending soon.
pub fn stock_line(b: Batch, counts: &[(BatchId, SimStatus, i64)], expiring: &[(BatchId, i64)]) -> StockLine {
    let count = |status| counts.iter().filter(|(id, s, _)| *id == b.id && *s == status).map(|(_, _, n)| *n).sum();
    StockLine {
        batch_id: b.id,
        hub_id: b.hub_id,
        supplier_id: b.supplier_id,
        in_stock: count(SimStatus::InStock),
        allocated: count(SimStatus::Allocated),
        retired: count(SimStatus::Retired),
        expiring_within_30_days: expiring.iter().filter(|(id, _)| *id == b.id).map(|(_, n)| *n).sum(),
        network: b.network,
        kind: b.kind,
        data_gb_per_month: b.data_gb_per_month,
    }
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
    fn one_sim_per_resident_by_default_and_lost_sims_are_retired() {
        assert_eq!(within_limit(0, 1), Ok(()));
        assert_eq!(within_limit(1, 1), Err(Refusal::SimLimit { limit: 1 }));
        assert_eq!(after_end(EndReason::Returned), SimStatus::InStock);
        assert_eq!(after_end(EndReason::Lost), SimStatus::Retired);
        assert_eq!(days("30d"), Some(30));
        assert_eq!(days("30"), None);
        assert_eq!(days("99999d"), None);
    }

    #[test]
    fn an_upload_reports_bad_and_repeated_entries_by_row() {
        let (good, errors) =
            check_entries(SimKind::DataVoucher, vec![(1, "VODA-1".into()), (2, "VODA-1".into()), (3, " ".into())]);
        assert_eq!(good, [(1, "VODA-1".to_owned())]);
        let rows: Vec<Option<usize>> = errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, [Some(2), Some(3)]);
    }

    #[test]
    fn codes_are_masked_to_their_last_four_characters() {
        assert_eq!(mask("ABCD-1234-WXYZ"), "••••WXYZ");
        assert_eq!(mask("AB12"), "••••AB12");
    }
}
