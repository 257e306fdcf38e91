//! Rules for hub fields (names, addresses, postcodes, opening hours) and for the calendar their
//! hours and closures make: which days a hub is open, and the next open day from a date.

use chrono::{Duration, NaiveDate};

use crate::calendar::Weekday;
use crate::http::{FieldError, Problems};
use crate::hubs::models::{CalendarDay, ClosedFor, HubCalendar, NewClosure, Opening, OpeningHours};

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

/// A week's opening hours make sense: each session closes after it opens, and sessions of one day
/// do not overlap.
pub fn check_hours(problems: &mut Problems, field: &str, hours: &OpeningHours) {
    if hours.0.len() > 28 {
        problems.add(field, "at most 28 sessions a week");
    }
    for (i, s) in hours.0.iter().enumerate() {
        if s.closes <= s.opens {
            problems.add(format!("{field}[{i}].closes"), "must be after opens");
        }
        let overlaps = hours.0.iter().enumerate().any(|(j, t)| {
            j != i && t.day == s.day && t.opens < s.closes && s.opens < t.closes && (t.opens, j) < (s.opens, i)
        });
        if overlaps {
            problems.add(format!("{field}[{i}]"), "overlaps another session on the same day");
        }
    }
}

/// A closure's own fields: a reason, and no more than a year of days.
pub fn check_closure(problems: &mut Problems, input: &NewClosure) {
    problems.length("reason", &input.reason, 1, 200);
    let (starts, ends) = (input.starts_on.day(), input.ends_on.unwrap_or(input.starts_on).day());
    problems.check(ends >= starts, "ends_on", "must not be before starts_on");
    problems.check((ends - starts).num_days() <= 366, "ends_on", "a closure lasts at most a year");
}

/// The longest span a calendar is read for at once.
pub const CALENDAR_MAX_DAYS: i64 = 366;

/// The days asked for: from `from` (today if absent) to `to` (four weeks on if absent).
pub fn calendar_span(
    today: NaiveDate,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate), FieldError> {
    let from = from.unwrap_or(today);
    let to = to.unwrap_or_else(|| from.checked_add_signed(Duration::days(27)).unwrap_or(NaiveDate::MAX));
    if to < from {
        return Err(FieldError::new("to", "must not be before from"));
    }
    if (to - from).num_days() >= CALENDAR_MAX_DAYS {
        return Err(FieldError::new("to", "at most 366 days at a time"));
    }
    Ok((from, to))
}

/// One day of a hub's calendar: open when no closure covers it and, if hours are recorded, the
/// hub opens that weekday.
pub fn day(calendar: &HubCalendar, date: NaiveDate) -> CalendarDay {
    let weekday = Weekday::of(date);
    let closures: Vec<ClosedFor> = calendar
        .closures
        .iter()
        .filter(|(starts, ends, _, _)| *starts <= date && date <= *ends)
        .map(|(_, _, id, reason)| ClosedFor { closure_id: *id, reason: reason.clone() })
        .collect();
    let mut hours: Vec<Opening> = match &calendar.hours {
        Some(week) => {
            week.0.iter().filter(|s| s.day == weekday).map(|s| Opening { opens: s.opens, closes: s.closes }).collect()
        }
        None => Vec::new(),
    };
    hours.sort_by_key(|o| o.opens);
    let opens_that_weekday = calendar.hours.is_none() || !hours.is_empty();
    let open = closures.is_empty() && opens_that_weekday;
    if !open {
        hours.clear();
    }
    CalendarDay { date: date.into(), weekday, open, hours, closures }
}

/// The first day from `date` on that the hub is open; `date` itself if it never opens in the next
/// year (a hub with no sessions at all keeps dates as they are rather than pushing them away).
pub fn next_open_day(calendar: &HubCalendar, date: NaiveDate) -> NaiveDate {
    (0..=CALENDAR_MAX_DAYS)
        .map_while(|n| date.checked_add_signed(Duration::days(n)))
        .find(|d| day(calendar, *d).open)
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ClockTime;
    use crate::hubs::models::Session;
    use uuid::Uuid;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    fn at(text: &str) -> ClockTime {
        ClockTime::parse(text).expect("time")
    }

    fn session(day: Weekday, opens: &str, closes: &str) -> Session {
        Session { day, opens: at(opens), closes: at(closes) }
    }

    /// A library open Monday to Saturday (closed Wednesday afternoons), shut on Sundays.
    fn library() -> HubCalendar {
        use Weekday::*;
        let mut week = vec![session(Wednesday, "09:30", "13:00")];
        for d in [Monday, Tuesday, Thursday, Friday, Saturday] {
            week.push(session(d, "09:30", "17:00"));
        }
        HubCalendar { hours: Some(OpeningHours(week)), closures: Vec::new() }
    }

    #[test]
    fn a_sunday_due_date_moves_to_monday_and_bank_holidays_on_again() {
        let mut cal = library();
        assert_eq!(next_open_day(&cal, date(2026, 12, 20)), date(2026, 12, 21), "Sunday to Monday");
        assert_eq!(next_open_day(&cal, date(2026, 12, 22)), date(2026, 12, 22), "an open day stays");
        cal.closures.push((date(2026, 12, 25), date(2026, 12, 26), Uuid::nil(), "Christmas".into()));
        cal.closures.push((date(2026, 12, 28), date(2026, 12, 28), Uuid::nil(), "Bank holiday".into()));
        assert_eq!(
            next_open_day(&cal, date(2026, 12, 25)),
            date(2026, 12, 29),
            "Fri, Sat closed; Sun shut; Mon holiday"
        );
        let christmas = day(&cal, date(2026, 12, 25));
        assert!(!christmas.open && christmas.hours.is_empty());
        assert_eq!(christmas.closures[0].reason, "Christmas");
    }

    #[test]
    fn without_hours_every_day_not_closed_is_open() {
        let mut cal = HubCalendar::default();
        assert!(day(&cal, date(2026, 12, 20)).open);
        cal.closures.push((date(2026, 12, 20), date(2026, 12, 21), Uuid::nil(), "Flood".into()));
        assert_eq!(next_open_day(&cal, date(2026, 12, 20)), date(2026, 12, 22));
        let never = HubCalendar { hours: Some(OpeningHours(Vec::new())), closures: Vec::new() };
        assert_eq!(next_open_day(&never, date(2026, 12, 20)), date(2026, 12, 20), "never open: unchanged");
    }

    #[test]
    fn sessions_must_close_after_they_open_and_not_overlap() {
        use Weekday::*;
        let mut problems = Problems::new();
        check_hours(&mut problems, "opening_hours", &library().hours.expect("hours"));
        assert!(problems.into_errors().is_ok());
        let bad = OpeningHours(vec![
            session(Monday, "09:00", "12:00"),
            session(Monday, "11:00", "15:00"),
            session(Tuesday, "12:00", "09:00"),
        ]);
        let mut problems = Problems::new();
        check_hours(&mut problems, "opening_hours", &bad);
        let fields: Vec<String> = problems.into_errors().expect_err("refused").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["opening_hours[1]", "opening_hours[2].closes"]);
    }

    #[test]
    fn a_calendar_is_four_weeks_from_today_unless_asked_and_at_most_a_year() {
        let today = date(2026, 12, 3);
        assert_eq!(calendar_span(today, None, None), Ok((today, date(2026, 12, 30))));
        assert!(calendar_span(today, Some(today), Some(date(2026, 12, 1))).is_err());
        assert!(calendar_span(today, Some(today), Some(today + Duration::days(366))).is_err(), "367 days");
        assert!(calendar_span(today, Some(today), Some(today + Duration::days(365))).is_ok(), "366 days");
        let last = NaiveDate::MAX;
        assert_eq!(calendar_span(today, Some(last), None), Ok((last, last)), "the calendar's last day");
    }
}
