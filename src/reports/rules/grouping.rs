//! What the reports share: the `group_by` parameter, the reporting period (whole UK months), the
//! labels groups are keyed by, and summing rows into groups.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::Refusal;
use crate::reports::models::{Coordinates, Dimension, Group};

/// The dimensions asked for (at most two, each once, each one of `allowed`), or why not.
pub fn parse_group_by(raw: Option<&str>, allowed: &[Dimension]) -> Result<Vec<Dimension>, String> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else { return Ok(Vec::new()) };
    let names = || allowed.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ");
    let mut dims = Vec::new();
    for part in raw.split(',') {
        let d: Dimension =
            part.trim().parse().map_err(|_| format!("unknown dimension '{part}'; expected {}", names()))?;
        if !allowed.contains(&d) {
            return Err(format!("this report cannot be grouped by {d}; expected {}", names()));
        }
        if dims.contains(&d) {
            return Err(format!("{d} is named twice"));
        }
        dims.push(d);
    }
    if dims.len() > 2 { Err(format!("group by at most two of {}", names())) } else { Ok(dims) }
}

/// The `group_by` parameter as dimensions, or a refusal naming it.
pub fn group_by(raw: Option<&str>, allowed: &[Dimension]) -> Result<Vec<Dimension>, Refusal> {
    parse_group_by(raw, allowed).map_err(|message| Refusal::BadQuery { field: "group_by", message })
}

/// The first and last month a `from`/`to` period covers, within what PostgreSQL dates hold:
/// `from` selects its whole month.
pub fn months(from: Option<NaiveDate>, to: Option<NaiveDate>) -> (NaiveDate, NaiveDate) {
    let earliest = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default();
    let latest = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
    let first = from.map(|d| d.with_day(1).unwrap_or(d)).unwrap_or(earliest).clamp(earliest, latest);
    (first, to.unwrap_or(latest).clamp(earliest, latest))
}

/// `2026-10`.
pub fn month_label(month: NaiveDate) -> String {
    format!("{:04}-{:02}", month.year(), month.month())
}

/// `2026-Q4`.
pub fn quarter_label(month: NaiveDate) -> String {
    format!("{:04}-Q{}", month.year(), (month.month() - 1) / 3 + 1)
}

/// The label a row carries for one dimension: empty where the row does not say.
fn value(at: &Coordinates, d: Dimension) -> String {
    fn id(id: Option<impl ToString>) -> String {
        id.map(|id| id.to_string()).unwrap_or_default()
    }
    match d {
        Dimension::Scheme => id(at.scheme),
        Dimension::Donor => id(at.donor),
        Dimension::Category => at.category.clone().unwrap_or_default(),
        Dimension::Hub => id(at.hub),
        Dimension::Ward => id(at.ward),
        Dimension::Month => at.month.map(month_label).unwrap_or_default(),
        Dimension::Quarter => at.month.map(quarter_label).unwrap_or_default(),
    }
}

/// Something a group adds up.
pub trait Figures: Default + Copy {
    fn add(&mut self, other: Self);
}

/// Sums `rows` into groups by `dims` (ordered by their labels) and a grand total. Every row adds to
/// exactly one group and to the total, so the groups always add up to the total.
pub fn group<F: Figures>(rows: impl IntoIterator<Item = (Coordinates, F)>, dims: &[Dimension]) -> (Vec<Group<F>>, F) {
    let mut groups: BTreeMap<Vec<String>, F> = BTreeMap::new();
    let mut total = F::default();
    for (at, figures) in rows {
        total.add(figures);
        groups.entry(dims.iter().map(|d| value(&at, *d)).collect()).or_default().add(figures);
    }
    let keyed = groups
        .into_iter()
        .map(|(values, figures)| Group { keys: dims.iter().map(|d| d.field()).zip(values).collect(), figures })
        .collect();
    (keyed, total)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Dimension] = Dimension::ALL;

    #[test]
    fn group_by_accepts_up_to_two_distinct_allowed_dimensions() {
        assert_eq!(parse_group_by(Some("donor,month"), ALL), Ok(vec![Dimension::Donor, Dimension::Month]));
        assert_eq!(parse_group_by(None, ALL), Ok(vec![]));
        assert!(parse_group_by(Some("donor,donor"), ALL).is_err());
        assert!(parse_group_by(Some("donor,month,hub"), ALL).is_err());
        assert!(parse_group_by(Some("colour"), ALL).is_err());
        let err = parse_group_by(Some("donor"), &[Dimension::Hub, Dimension::Month]).expect_err("not allowed");
        assert!(err.contains("hub, month"), "{err}");
    }

    #[test]
    fn a_period_covers_whole_months_from_its_first_day() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert_eq!(months(Some(d(2026, 10, 17)), Some(d(2026, 12, 31))), (d(2026, 10, 1), d(2026, 12, 31)));
        assert_eq!(quarter_label(d(2026, 10, 1)), "2026-Q4");
        assert_eq!(month_label(d(2026, 3, 1)), "2026-03");
    }
}
