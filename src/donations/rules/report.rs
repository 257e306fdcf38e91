//! What the sanitisation report says about each device: how its data was sanitised (the best wipe
//! on record: a later record wins, and a verified one over any unverified one) and what became of
//! it, in the donor's terms.

use std::collections::HashMap;

use crate::devices::models::DeviceRow;
use crate::devices::rules::{holds_data, outcome};
use crate::donations::models::{DisposalSummary, ReportLine, WipeSummary};
use crate::ids::DeviceId;

/// The wipe each device is reported with, from all its records oldest first.
pub fn best_wipes(wipes: Vec<WipeSummary>) -> HashMap<DeviceId, WipeSummary> {
    let mut best: HashMap<DeviceId, WipeSummary> = HashMap::new();
    for w in wipes {
        if best.get(&w.device_id).is_none_or(|old| w.verified || !old.verified) {
            best.insert(w.device_id, w);
        }
    }
    best
}

/// `verified`, `unverified`, `not_done`, or `not_applicable` for a device with no data storage.
pub fn wipe_status(device_holds_data: bool, wipe: Option<&WipeSummary>) -> &'static str {
    match (device_holds_data, wipe) {
        (false, _) => "not_applicable",
        (true, Some(w)) if w.verified => "verified",
        (true, Some(_)) => "unverified",
        (true, None) => "not_done",
    }
}

/// One device's line of the report.
pub fn line(d: DeviceRow, wipe: Option<&WipeSummary>, disposal: Option<&DisposalSummary>) -> ReportLine {
    ReportLine {
        wipe_status: wipe_status(holds_data(d.category), wipe),
        wipe_level: wipe.map(|w| w.level.clone()),
        wipe_method: wipe.map(|w| w.method.clone()),
        wipe_tool: wipe.map(|w| {
            [Some(w.tool.clone()), w.tool_version.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ")
        }),
        wipe_certificate: wipe.and_then(|w| w.certificate_reference.clone()),
        wiped_at: wipe.map(|w| w.performed_at),
        outcome: outcome(d.status),
        recycler: disposal.map(|x| x.recycler.clone()),
        waste_transfer_note: disposal.map(|x| x.waste_transfer_note.clone()),
        disposed_on: disposal.map(|x| x.disposed_on),
        asset_tag: d.asset_tag,
        serial_number: d.serial_number,
        make: d.make,
        model: d.model,
        category: d.category,
    }
}

pub const CSV_HEADER: &[&str] = &[
    "asset_tag",
    "serial_number",
    "make",
    "model",
    "category",
    "wipe_status",
    "wipe_level",
    "wipe_method",
    "wipe_tool",
    "wipe_certificate",
    "wiped_at",
    "outcome",
    "recycler",
    "waste_transfer_note",
    "disposed_on",
];

pub fn csv_row(l: &ReportLine) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        l.asset_tag.clone(),
        o(&l.serial_number),
        o(&l.make),
        o(&l.model),
        l.category.to_string(),
        l.wipe_status.to_owned(),
        o(&l.wipe_level),
        o(&l.wipe_method),
        o(&l.wipe_tool),
        o(&l.wipe_certificate),
        l.wiped_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        l.outcome.to_string(),
        o(&l.recycler),
        o(&l.waste_transfer_note),
        l.disposed_on.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wipe(device: DeviceId, verified: bool, tool: &str) -> WipeSummary {
        WipeSummary {
            device_id: device,
            level: "purge".into(),
            method: "overwrite".into(),
            tool: tool.into(),
            tool_version: None,
            certificate_reference: None,
            verified,
            performed_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_later_wipe_wins_but_never_an_unverified_one_over_a_verified_one() {
        let d = DeviceId::new();
        let best = best_wipes(vec![wipe(d, false, "a"), wipe(d, true, "b"), wipe(d, false, "c")]);
        assert_eq!(best.get(&d).map(|w| w.tool.as_str()), Some("b"));
        let best = best_wipes(vec![wipe(d, true, "a"), wipe(d, true, "b")]);
        assert_eq!(best.get(&d).map(|w| w.tool.as_str()), Some("b"));
    }

    #[test]
    fn devices_without_storage_need_no_wipe() {
        assert_eq!(wipe_status(false, None), "not_applicable");
        assert_eq!(wipe_status(true, None), "not_done");
        assert_eq!(wipe_status(true, Some(&wipe(DeviceId::new(), false, "x"))), "unverified");
    }
}
