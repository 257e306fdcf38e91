//! What a notice says, which way it goes, when a failed one is tried again, and which notices a
//! day brings.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::models::{Channel, NoticeKind};

/// Overdue reminders go on these days after the due date.
pub const OVERDUE_DAYS: &[i64] = &[1, 7, 14];

/// A loan's "due soon" reminder goes this many days before the due date.
/// A new scheme's defaults: residents hear of a loan two days before it is due, and of free
/// data ending a week before (each scheme sets its own).
pub const DUE_SOON_DAYS: i64 = 2;

/// After this many failed attempts (about a day and a half of backoff) a notice is given up, and
/// shows so to admins.
pub const MAX_ATTEMPTS: i32 = 14;

/// The wait before the next attempt after `attempts` failures: one minute, doubling, at most six
/// hours.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Duration::minutes(2_i64.saturating_pow(exponent)).min(Duration::hours(6))
}

/// The next attempt's time, or none if the notice should be given up.
pub fn retry_at(now: DateTime<Utc>, attempts: i32) -> Option<DateTime<Utc>> {
    (attempts < MAX_ATTEMPTS).then(|| now + backoff(attempts))
}

/// How a resident can be reached, from their record.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reach<'a> {
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// A postal address (lines and postcode) is on record.
    pub post: bool,
}

/// The ways out this instance has.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ways {
    pub email: bool,
    pub sms: bool,
    pub letter: bool,
}

/// What the resident's record allows: nothing without consent; then email, a text message to a
/// mobile, a letter by post (GOV.UK Notify), or a printed letter from the hub for everyone else.
pub fn channel(consent: bool, reach: Reach, ways: Ways) -> Result<Channel, &'static str> {
    if !consent {
        return Err("no consent to contact");
    }
    if reach.email.is_some() && ways.email {
        Ok(Channel::Email)
    } else if reach.phone.is_some_and(is_mobile) && ways.sms {
        Ok(Channel::Sms)
    } else if reach.post && ways.letter {
        Ok(Channel::Letter)
    } else {
        Ok(Channel::Print)
    }
}

/// A letter's address as Notify takes it, a line each: the name, the lines, the postcode.
pub fn postal_address(name: Option<&str>, lines: Option<&[String]>, postcode: Option<&str>) -> Option<String> {
    let (lines, postcode) = (lines?, postcode?);
    let mut all = vec![name.unwrap_or("The resident").to_owned()];
    all.extend(lines.iter().cloned());
    all.push(postcode.to_owned());
    Some(all.join("\n"))
}

/// A UK mobile number (07…, or +447…), the only kind a text message reaches.
pub fn is_mobile(phone: &str) -> bool {
    let digits: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    digits.starts_with("07") || digits.starts_with("+447") || digits.starts_with("447")
}

/// No texts at night: from 20:00 to 08:00 UK time a text waits for 08:00.
pub fn text_allowed_at(now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
    use chrono::Timelike;
    let local = now.with_timezone(&chrono_tz::Europe::London);
    let hour = local.hour();
    if (8..20).contains(&hour) {
        return Ok(());
    }
    let day = if hour >= 20 { local.date_naive() + Duration::days(1) } else { local.date_naive() };
    Err(crate::calendar::start_of_day(day) + Duration::hours(8))
}

/// Residents hear this many days before their free data ends.
pub const SIM_ENDING_DAYS: i64 = 7;

/// When a held device must be collected by, as a resident reads it (UK time).
pub fn collect_by_text(until: DateTime<Utc>) -> String {
    until.with_timezone(&chrono_tz::Europe::London).format("%-d %B %Y, %H:%M").to_string()
}

pub fn key_hold_ready(hold: uuid::Uuid, until: DateTime<Utc>) -> String {
    format!("hold:{hold}:ready:{}", until.timestamp())
}

pub fn key_hold_lapsing(hold: uuid::Uuid, until: DateTime<Utc>) -> String {
    format!("hold:{hold}:lapsing:{}", until.timestamp())
}

pub fn key_sim_ending(allocation: uuid::Uuid, expires_on: NaiveDate) -> String {
    format!("sim:{allocation}:ending:{expires_on}")
}

/// The natural keys: what a notice is about, its kind, and its occurrence.
pub fn key_due_soon(loan: uuid::Uuid, due_on: NaiveDate) -> String {
    format!("loan:{loan}:due_soon:{due_on}")
}

pub fn key_overdue(loan: uuid::Uuid, due_on: NaiveDate, day: i64) -> String {
    format!("loan:{loan}:overdue:{due_on}:{day}")
}

pub fn key_receipt(sale: uuid::Uuid) -> String {
    format!("sale:{sale}:receipt")
}

/// The placeholders each kind of notice may use.
pub fn placeholders(kind: NoticeKind) -> &'static [&'static str] {
    match kind {
        NoticeKind::LoanDueSoon => &["name", "device", "asset_tag", "due_on", "hub"],
        NoticeKind::LoanOverdue => &["name", "device", "asset_tag", "due_on", "hub", "days_overdue"],
        NoticeKind::HoldReady | NoticeKind::HoldLapsing => &["name", "category", "hub", "collect_by"],
        NoticeKind::SimEnding => &["name", "network", "ends_on", "hub"],
        NoticeKind::SaleReceipt => &["name", "device", "asset_tag", "receipt_number", "price", "hub", "sold_on"],
        NoticeKind::WebhookDisabled => &["name", "url", "reason", "webhook_id"],
    }
}

/// Whether a kind goes to residents (and so has a scheme-worded template); the others go to
/// staff and partners in the service's own words.
pub fn for_residents(kind: NoticeKind) -> bool {
    kind != NoticeKind::WebhookDisabled
}

/// The wording a scheme starts with: a subject and a body, with `{placeholder}`s.
pub fn default_template(kind: NoticeKind) -> (&'static str, &'static str) {
    match kind {
        NoticeKind::LoanDueSoon => (
            "Your Tech4All loan is due back on {due_on}",
            "Dear {name},\n\nThe {device} ({asset_tag}) you borrowed from {hub} is due back on {due_on}. You can return it to any of our hubs, or ask there to renew it.\n\nThank you,\nTech4All",
        ),
        NoticeKind::LoanOverdue => (
            "Your Tech4All loan was due on {due_on}",
            "Dear {name},\n\nThe {device} ({asset_tag}) you borrowed from {hub} was due back on {due_on}, {days_overdue} days ago. Please bring it to any of our hubs, or ask there to renew it. If something has gone wrong, tell us: we can help.\n\nTech4All",
        ),
        NoticeKind::HoldReady => (
            "A {category} is waiting for you at {hub}",
            "Dear {name},\n\nThe {category} you asked for is ready to collect at {hub} until {collect_by}.\n\nTech4All",
        ),
        NoticeKind::HoldLapsing => (
            "Collect your {category} from {hub} by {collect_by}",
            "Dear {name},\n\nThe {category} kept for you at {hub} goes to the next person after {collect_by}.\n\nTech4All",
        ),
        NoticeKind::SimEnding => (
            "Your free data ends on {ends_on}",
            "Dear {name},\n\nThe {network} SIM from Tech4All stops on {ends_on}. Ask at {hub} about what comes next.\n\nTech4All",
        ),
        NoticeKind::SaleReceipt => (
            "Your receipt {receipt_number}",
            "Dear {name},\n\nThank you for buying a {device} ({asset_tag}) at {hub} on {sold_on} for {price}. Your receipt number is {receipt_number}; you can return it within 30 days with it.\n\nTech4All",
        ),
        NoticeKind::WebhookDisabled => (
            "Webhook switched off: {url}",
            "Dear {name},\n\nThe webhook you set up to {url} has been switched off: {reason}. Events since then have not been sent. When the endpoint answers again, switch it back on (PATCH /api/v1/webhooks/{webhook_id} with enabled: true) and redeliver what you missed from its delivery log.\n\nTech4All",
        ),
    }
}

/// Fills `{placeholder}`s from `data`; an unknown placeholder, or one with no value, is an error
/// (a template is checked when it is saved, so this is the last line).
pub fn render(template: &str, data: &Map<String, Value>) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or_else(|| "a { without its }".to_owned())?;
        let name = &after[..end];
        let value = match data.get(name) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(format!("no value for {{{name}}}")),
        };
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The notice's subject and body in the scheme's wording (`template`, or the default), for the
/// resident named.
pub fn compose(
    kind: NoticeKind,
    template: Option<(&str, &str)>,
    data: &Value,
    name: Option<&str>,
) -> Result<(String, String), String> {
    let mut values = data.as_object().cloned().unwrap_or_default();
    values.insert("name".into(), Value::String(name.unwrap_or("resident").to_owned()));
    let (subject, body) = template.unwrap_or_else(|| default_template(kind));
    Ok((render(subject, &values)?, render(body, &values)?))
}

/// The `{placeholder}`s a template uses, or where its braces do not pair up.
fn used_placeholders(text: &str) -> Result<Vec<&str>, &'static str> {
    let mut used = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(['{', '}']) {
        if rest[start..].starts_with('}') {
            return Err("has a } without its {");
        }
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or("has a { without its }")?;
        used.push(&after[..end]);
        rest = &after[end + 1..];
    }
    Ok(used)
}

/// A scheme's wording for a kind: sensible lengths, and only that kind's placeholders.
pub fn check_template(kind: NoticeKind, subject: &str, body: &str) -> Result<(), Vec<crate::http::FieldError>> {
    let mut problems = crate::http::Problems::new();
    problems.length("subject", subject, 1, 200);
    problems.length("body", body, 1, 5000);
    let known = placeholders(kind);
    for (field, text) in [("subject", subject), ("body", body)] {
        match used_placeholders(text) {
            Err(message) => problems.add(field, message),
            Ok(used) => {
                for name in used.into_iter().filter(|n| !known.contains(n)) {
                    problems.add(field, format!("{{{name}}} is not a placeholder of {kind}; use {}", known.join(", ")));
                }
            }
        }
    }
    problems.into_errors()
}

/// Made-up values for every placeholder of a kind, for a preview.
pub fn sample(kind: NoticeKind) -> Value {
    let values: Map<String, Value> = placeholders(kind)
        .iter()
        .map(|p| {
            let v = match *p {
                "name" => "Sam Sample",
                "device" => "laptop Dell Latitude 5490",
                "asset_tag" => "T4A-000123",
                "due_on" | "ends_on" | "sold_on" => "24 December 2026",
                "collect_by" => "24 December 2026, 17:00",
                "hub" => "Stretford Library",
                "days_overdue" => "7",
                "category" => "laptop",
                "network" => "O2",
                "receipt_number" => "T4A-S-2026-000123",
                "price" => "£60.00",
                _ => "…",
            };
            ((*p).to_owned(), Value::String(v.to_owned()))
        })
        .collect();
    Value::Object(values)
}

/// A day's letters as one page to print, a letter a sheet: the resident's name and postcode, the
/// notice's subject and text. Everything is escaped.
pub fn letters_page(hub: &str, day: NaiveDate, letters: &[(Option<String>, Option<String>, String, String)]) -> String {
    use crate::http::escape_html as escape;
    let mut sheets = String::new();
    for (name, postcode, subject, body) in letters {
        let paragraphs: String =
            body.split("\n\n").map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>"))).collect();
        sheets.push_str(&format!(
            "<section class=\"letter\"><p class=\"to\">{}<br>{}</p><p class=\"from\">{}<br>{}</p><h2>{}</h2>{paragraphs}</section>\n",
            escape(name.as_deref().unwrap_or("")),
            escape(postcode.as_deref().unwrap_or("")),
            escape(hub),
            day.format("%-d %B %Y"),
            escape(subject),
        ));
    }
    if letters.is_empty() {
        sheets.push_str("<p>No letters to print for this day.</p>");
    }
    format!(
        "<!doctype html>\n<html lang=\"en-GB\">\n<head><meta charset=\"utf-8\"><title>Letters from {hub} for {day}</title>\n<style>body{{font-family:system-ui,sans-serif;font-size:12pt;line-height:1.5;color:#111}}.letter{{max-width:40em;margin:2em auto;page-break-after:always}}.from{{text-align:right}}h2{{font-size:1.2em}}</style></head>\n<body>\n{sheets}</body></html>\n",
        hub = escape(hub),
        day = day.format("%-d %B %Y"),
    )
}

/// The loans a day brings notices for: due soon (due `ahead` days on) and overdue on the
/// reminder days.
pub fn due_dates_for(today: NaiveDate, ahead: i64) -> (NaiveDate, Vec<(i64, NaiveDate)>) {
    (today + Duration::days(ahead), OVERDUE_DAYS.iter().map(|d| (*d, today - Duration::days(*d))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failed_notices_wait_longer_each_time_and_are_given_up_after_a_day_and_more() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(4), Duration::minutes(8));
        assert_eq!(backoff(11), Duration::hours(6));
        let now = Utc::now();
        assert!(retry_at(now, MAX_ATTEMPTS - 1).is_some());
        assert!(retry_at(now, MAX_ATTEMPTS).is_none());
        let total: i64 = (1..MAX_ATTEMPTS).map(|a| backoff(a).num_minutes()).sum();
        assert!(total >= 24 * 60, "tried for at least a day: {total} minutes");
    }

    #[test]
    fn nothing_without_consent_and_a_printed_letter_for_those_with_no_email_or_phone() {
        let all = Ways { email: true, sms: true, letter: true };
        let both = Reach { email: Some("a@b.test"), phone: Some("07700 900000"), post: true };
        assert_eq!(channel(false, both, all), Err("no consent to contact"));
        assert_eq!(channel(true, both, all), Ok(Channel::Email));
        assert_eq!(channel(true, both, Ways { email: false, ..all }), Ok(Channel::Sms));
        assert_eq!(channel(true, both, Ways { email: false, sms: false, letter: true }), Ok(Channel::Letter));
        assert_eq!(channel(true, both, Ways::default()), Ok(Channel::Print));
        assert_eq!(channel(true, Reach::default(), all), Ok(Channel::Print));
        let phone_only = Reach { phone: Some("07700 900000"), ..Reach::default() };
        assert_eq!(channel(true, phone_only, Ways { sms: false, ..all }), Ok(Channel::Print));
        let lines = vec!["12 Talbot Road".to_owned(), "Stretford".to_owned()];
        assert_eq!(
            postal_address(Some("Ada"), Some(&lines), Some("M32 0TH")).as_deref(),
            Some("Ada\n12 Talbot Road\nStretford\nM32 0TH")
        );
        assert_eq!(postal_address(Some("Ada"), Some(&lines), None), None, "no letter without a postcode");
    }

    #[test]
    fn texts_go_to_mobiles_and_never_at_night() {
        assert!(is_mobile("07700 900123") && is_mobile("+44 7700 900123") && !is_mobile("0161 912 2000"));
        let landline = Reach { phone: Some("0161 912 2000"), ..Reach::default() };
        let ways = Ways { email: true, sms: true, letter: true };
        assert_eq!(channel(true, landline, ways), Ok(Channel::Print), "a landline takes no text");
        use chrono::TimeZone;
        let noon = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).single().expect("time");
        assert_eq!(text_allowed_at(noon), Ok(()));
        let late = Utc.with_ymd_and_hms(2026, 12, 3, 21, 30, 0).single().expect("time");
        assert_eq!(text_allowed_at(late), Err(Utc.with_ymd_and_hms(2026, 12, 4, 8, 0, 0).single().expect("time")));
        let early = Utc.with_ymd_and_hms(2026, 7, 3, 5, 0, 0).single().expect("time");
        assert_eq!(
            text_allowed_at(early),
            Err(Utc.with_ymd_and_hms(2026, 7, 3, 7, 0, 0).single().expect("time")),
            "08:00 BST"
        );
    }

    #[test]
    fn templates_fill_their_placeholders_and_refuse_unknown_ones() {
        let data = json!({"name": "Ada", "days_overdue": 7});
        let data = data.as_object().expect("object");
        assert_eq!(render("Hi {name}, {days_overdue} days", data), Ok("Hi Ada, 7 days".to_owned()));
        assert!(render("Hi {nmae}", data).is_err());
        assert!(render("Hi {name", data).is_err());
        for kind in NoticeKind::ALL.iter().copied() {
            let (subject, body) = default_template(kind);
            let values: Map<String, Value> = placeholders(kind).iter().map(|p| ((*p).to_owned(), json!("x"))).collect();
            assert!(render(subject, &values).is_ok() && render(body, &values).is_ok(), "{kind}");
        }
    }

    #[test]
    fn a_template_may_use_only_its_own_placeholders() {
        assert!(check_template(NoticeKind::LoanDueSoon, "Due {due_on}", "Hello {name}, {device} at {hub}").is_ok());
        let errors = check_template(NoticeKind::LoanDueSoon, "Due {due_on}", "Hello {nmae}").expect_err("unknown");
        assert!(errors[0].message.starts_with("{nmae} is not a placeholder of loan_due_soon"), "{errors:?}");
        assert!(check_template(NoticeKind::SaleReceipt, "{receipt_number", "x").is_err());
        assert!(check_template(NoticeKind::SaleReceipt, "x}", "x").is_err());
        assert!(check_template(NoticeKind::SaleReceipt, "", "x").is_err());
        let sample = sample(NoticeKind::LoanOverdue);
        let (_, body) = compose(NoticeKind::LoanOverdue, None, &sample, Some("Sam")).expect("renders");
        assert!(body.contains("7 days ago"));
    }

    #[test]
    fn a_day_brings_the_loans_due_in_two_days_and_those_overdue_by_one_seven_and_fourteen() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        let (soon, overdue) = due_dates_for(today, DUE_SOON_DAYS);
        assert_eq!(soon, NaiveDate::from_ymd_opt(2026, 12, 5).expect("date"));
        assert_eq!(overdue.iter().map(|(d, _)| *d).collect::<Vec<_>>(), [1, 7, 14]);
        assert_eq!(overdue[2].1, NaiveDate::from_ymd_opt(2026, 11, 19).expect("date"));
    }
}
