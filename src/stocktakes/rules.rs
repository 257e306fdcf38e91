//! What a scanned code names, what a count shows, and which closing decisions it allows.

use std::collections::{HashMap, HashSet};

use super::models::{Close, Counted, Counts, Report, ScanResult, ScanRow, StocktakeRow, StocktakeStatus, UnknownCode};
use crate::devices::models::{DeviceRow, DeviceStatus};
use crate::http::{FieldError, Problems};
use crate::ids::{DeviceId, HubId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// Closed already: no more scans, no second close.
    Closed,
    /// Another count of the hub is still open.
    AlreadyOpen,
}

/// The statuses of a device held at a hub: what a count expects to find on its shelves.
pub const EXPECTED: &[DeviceStatus] = &[
    DeviceStatus::Received,
    DeviceStatus::AwaitingRefurbishment,
    DeviceStatus::Ready,
    DeviceStatus::Reserved,
    DeviceStatus::AwaitingReset,
    DeviceStatus::BeyondRepair,
];

/// What a scanned code may name, most specific first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// A device's id, alone or at the end of a link to it.
    Id(DeviceId),
    /// An asset tag (what the label's QR code holds) or a serial number.
    TagOrSerial(String),
}

/// The code as kept: trimmed and in capitals (tags and serials are matched ignoring case), so a
/// code scanned twice is one code.
pub fn normalise(code: &str) -> String {
    code.trim().to_uppercase()
}

pub fn check_code(code: &str) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    problems.length("code", code, 1, 200);
    problems.into_errors()
}

pub fn parse(code: &str) -> Code {
    let trimmed = code.trim();
    let last = trimmed.trim_end_matches('/').rsplit('/').next().unwrap_or(trimmed);
    let looks_like_link = trimmed == last || trimmed.to_lowercase().contains("/devices/");
    match uuid::Uuid::parse_str(last) {
        Ok(id) if looks_like_link => Code::Id(id.into()),
        _ => Code::TagOrSerial(normalise(trimmed)),
    }
}

/// A scanned device is found if the count expected it, and unexpected otherwise.
pub fn result_of(expected: bool) -> ScanResult {
    if expected { ScanResult::Found } else { ScanResult::Unexpected }
}

pub fn counted(device: &DeviceRow, expected_status: Option<DeviceStatus>) -> Counted {
    Counted {
        device_id: device.id,
        asset_tag: device.asset_tag.clone(),
        serial_number: device.serial_number.clone(),
        status: device.status,
        hub_id: device.hub_id,
        expected_status,
    }
}

/// Whether an expected device's record still says it is here as it was when the count opened.
fn still_here(device: &DeviceRow, hub: HubId, status: DeviceStatus) -> bool {
    device.hub_id == Some(hub) && device.transfer_to_hub_id.is_none() && device.status == status
}

/// The count as it stands, from what was expected, what was scanned, and the devices' records now.
pub fn report(
    count: &StocktakeRow,
    expected: &[(DeviceId, DeviceStatus)],
    scans: &[ScanRow],
    devices: &HashMap<DeviceId, DeviceRow>,
) -> Report {
    let closed = count.status == StocktakeStatus::Closed;
    let scanned: HashSet<DeviceId> = scans.iter().filter_map(|s| s.device_id).collect();
    let expected_ids: HashSet<DeviceId> = expected.iter().map(|(id, _)| *id).collect();
    let mut r = Report::default();
    for (id, status) in expected {
        let Some(device) = devices.get(id) else { continue };
        let seen = counted(device, Some(*status));
        if scanned.contains(id) {
            r.found.push(seen);
        } else if !still_here(device, count.hub_id, *status) {
            r.moved.push(seen);
        } else if closed {
            r.missing.push(seen);
        } else {
            r.not_yet_scanned.push(seen);
        }
    }
    for scan in scans {
        match scan.device_id.and_then(|id| devices.get(&id)) {
            Some(device) if !expected_ids.contains(&device.id) => r.unexpected.push(counted(device, None)),
            Some(_) => {}
            None => r.unknown.push(UnknownCode { code: scan.code.clone(), scanned_at: scan.scanned_at }),
        }
    }
    for list in [&mut r.found, &mut r.not_yet_scanned, &mut r.missing, &mut r.unexpected, &mut r.moved] {
        list.sort_by(|a, b| a.asset_tag.cmp(&b.asset_tag));
    }
    r.counts = Counts {
        expected: expected.len(),
        found: r.found.len(),
        not_yet_scanned: r.not_yet_scanned.len(),
        missing: r.missing.len(),
        unexpected: r.unexpected.len(),
        moved: r.moved.len(),
        unknown: r.unknown.len(),
    };
    r
}

/// Closing decisions name only devices the count put in that place: lost ones among those not
/// scanned (and still recorded here), received ones among the unexpected that are in stock.
pub fn check_close(close: &Close, open_report: &Report) -> Result<(), Vec<FieldError>> {
    let mut problems = Problems::new();
    let missing: HashSet<DeviceId> = open_report.not_yet_scanned.iter().map(|c| c.device_id).collect();
    let unexpected: HashMap<DeviceId, &Counted> = open_report.unexpected.iter().map(|c| (c.device_id, c)).collect();
    let lists = [&open_report.found, &open_report.not_yet_scanned, &open_report.unexpected, &open_report.moved];
    let known: HashSet<DeviceId> = lists.into_iter().flatten().map(|c| c.device_id).collect();
    // A device the count never saw is, to the count, no record at all.
    let unknown = "refers to a record that does not exist";
    for (i, id) in close.mark_lost.iter().enumerate() {
        match (known.contains(id), missing.contains(id)) {
            (false, _) => problems.add(format!("mark_lost[{i}]"), unknown),
            (true, false) => problems.add(format!("mark_lost[{i}]"), "is not one of the count's missing devices"),
            (true, true) => {}
        }
    }
    for (i, id) in close.receive.iter().enumerate() {
        match unexpected.get(id) {
            None if !known.contains(id) => problems.add(format!("receive[{i}]"), unknown),
            None => problems.add(format!("receive[{i}]"), "is not one of the count's unexpected devices"),
            Some(c) if !c.status.is_in_stock() => problems.add(
                format!("receive[{i}]"),
                format!("is recorded as {}: settle that record (a loan's return, a sale's refund) first", c.status),
            ),
            Some(_) => {}
        }
    }
    let twice = |ids: &[DeviceId]| ids.iter().collect::<HashSet<_>>().len() != ids.len();
    problems.check(!twice(&close.mark_lost), "mark_lost", "names a device twice");
    problems.check(!twice(&close.receive), "receive", "names a device twice");
    problems.into_errors()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::StocktakeId;
    use chrono::Utc;

    fn device(status: DeviceStatus, hub: HubId, tag: &str) -> DeviceRow {
        let mut d = DeviceRow::example(status, Some(hub), None);
        d.asset_tag = tag.into();
        d
    }

    fn count(hub: HubId, status: StocktakeStatus) -> StocktakeRow {
        StocktakeRow {
            id: StocktakeId::new(),
            hub_id: hub,
            status,
            notes: None,
            opened_by: None,
            opened_at: Utc::now(),
            closed_by: None,
            closed_at: None,
            outcome: None,
            version: 1,
        }
    }

    fn scan(code: &str, device: Option<DeviceId>) -> ScanRow {
        ScanRow { code: code.into(), device_id: device, scanned_by: None, scanned_at: Utc::now() }
    }

    #[test]
    fn codes_name_ids_links_or_tags_and_serials() {
        let id = uuid::Uuid::now_v7();
        assert_eq!(parse(&id.to_string()), Code::Id(id.into()));
        assert_eq!(parse(&format!("https://tracker.example/api/v1/devices/{id}")), Code::Id(id.into()));
        assert_eq!(parse(" t4a-000123 "), Code::TagOrSerial("T4A-000123".into()));
        assert_eq!(
            parse(&format!("https://elsewhere.example/{id}")),
            Code::TagOrSerial(normalise(&format!("https://elsewhere.example/{id}")))
        );
        assert!(check_code("").is_err());
        assert!(check_code(&"x".repeat(201)).is_err());
    }

    #[test]
    fn a_count_sorts_devices_into_found_waiting_moved_unexpected_and_unknown() {
        let (here, there) = (HubId::new(), HubId::new());
        let a = device(DeviceStatus::Ready, here, "T4A-000001");
        let b = device(DeviceStatus::Ready, here, "T4A-000002");
        let mut c = device(DeviceStatus::OnLoan, here, "T4A-000003");
        let d = device(DeviceStatus::Ready, there, "T4A-000004");
        let expected = vec![(a.id, DeviceStatus::Ready), (b.id, DeviceStatus::Ready), (c.id, DeviceStatus::Ready)];
        let scans = vec![scan("T4A-000001", Some(a.id)), scan("T4A-000004", Some(d.id)), scan("NOPE", None)];
        let devices: HashMap<DeviceId, DeviceRow> = [&a, &b, &c, &d].into_iter().map(|x| (x.id, x.clone())).collect();
        let open = report(&count(here, StocktakeStatus::Open), &expected, &scans, &devices);
        assert_eq!(
            open.counts,
            Counts { expected: 3, found: 1, not_yet_scanned: 1, missing: 0, unexpected: 1, moved: 1, unknown: 1 }
        );
        assert_eq!(open.moved[0].asset_tag, "T4A-000003", "lent while the count ran");
        assert_eq!(open.unexpected[0].hub_id, Some(there));
        let closed = report(&count(here, StocktakeStatus::Closed), &expected, &scans, &devices);
        assert_eq!((closed.counts.missing, closed.counts.not_yet_scanned), (1, 0));

        // Closing may mark the missing one lost and receive the unexpected one; nothing else.
        let ok = Close { mark_lost: vec![b.id], receive: vec![d.id] };
        assert!(check_close(&ok, &open).is_ok());
        let wrong = Close { mark_lost: vec![a.id, c.id], receive: vec![b.id] };
        let fields: Vec<String> =
            check_close(&wrong, &open).expect_err("refused").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["mark_lost[0]", "mark_lost[1]", "receive[0]"]);
        c.hub_id = Some(there);
        let lent_elsewhere: HashMap<DeviceId, DeviceRow> = [(c.id, c.clone())].into_iter().collect();
        let seen = report(&count(here, StocktakeStatus::Open), &[], &[scan("T4A-000003", Some(c.id))], &lent_elsewhere);
        let refused = check_close(&Close { mark_lost: vec![], receive: vec![c.id] }, &seen).expect_err("on loan");
        assert!(refused[0].message.contains("on_loan"), "{refused:?}");
    }
}
