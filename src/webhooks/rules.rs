//! The rules of webhooks: which targets may be called, which events a partner may hear of, the
//! signing secret and signature (Standard Webhooks), and the retry schedule.

use std::net::IpAddr;

use base64::Engine;
use chrono::Duration;

use super::models::EventType;
use crate::http::Problems;

/// The events a partner's subscription may ask for: about its own jobs and devices.
pub const PARTNER_EVENTS: &[EventType] =
    &[EventType::JobAssigned, EventType::JobChanged, EventType::DeviceStatusChanged, EventType::WipeRecorded];

/// The waits between attempts the Standard Webhooks specification suggests: 5 seconds, 5 and 30
/// minutes, 2, 5, 10 and 10 hours — eight attempts over a little more than 27 hours.
const RETRY_AFTER_SECONDS: [i64; 7] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];

/// After `attempts` failed attempts, how long until the next; `None` when it is given up.
pub fn retry_after(attempts: i32) -> Option<Duration> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    RETRY_AFTER_SECONDS.get(index).map(|s| Duration::seconds(*s))
}

/// Whether an address is one a partner's endpoint must not be: loopback, private, link-local,
/// shared (carrier-grade NAT), documentation, multicast, unspecified or broadcast.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || a >= 240
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
        }
    }
}

/// A target URL: `https` to a public host, or — when the operator allows private targets —
/// `http` or `https` to any. Names are resolved and checked again at each delivery.
pub fn check_url(problems: &mut Problems, field: &str, raw: &str, allow_private: bool) {
    if raw.chars().count() > 2000 {
        return problems.add(field, "must be at most 2000 characters");
    }
    let url = match url::Url::parse(raw.trim()) {
        Ok(url) => url,
        Err(e) => return problems.add(field, format!("is not a URL ({e})")),
    };
    if !matches!(url.scheme(), "https" | "http") {
        return problems.add(field, "must be an https URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return problems.add(field, "must not carry a user name or password; the signature authenticates us");
    }
    let private = match url.host() {
        None => return problems.add(field, "has no host"),
        Some(url::Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost"
                || name.ends_with(".localhost")
                || name.ends_with(".local")
                || name.ends_with(".internal")
        }
    };
    if private && !allow_private {
        return problems.add(field, "is in a private or loopback range; webhooks go to the public internet");
    }
    if url.scheme() == "http" && !allow_private {
        problems.add(field, "must be an https URL");
    }
}

/// The event types: at least one, no repeats, and for a partner only its own kinds.
pub fn check_events(problems: &mut Problems, events: &[EventType], partner: bool) {
    if events.is_empty() {
        problems.add("event_types", "must name at least one event type");
    }
    for (i, event) in events.iter().enumerate() {
        if events[..i].contains(event) {
            problems.add(format!("event_types[{i}]"), "is listed twice");
        } else if partner && !PARTNER_EVENTS.contains(event) {
            problems.add(
                format!("event_types[{i}]"),
                "is not one a partner receives; partners hear of their jobs, their devices and their wipes",
            );
        }
    }
}

pub fn check_description(problems: &mut Problems, description: Option<&str>) {
    if let Some(description) = description {
        problems.length("description", description, 0, 200);
    }
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The three headers of a signed message (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`) as the Standard Webhooks specification defines them.
pub fn signed_headers(
    secret: &str,
    message_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<Vec<(&'static str, String)>, String> {
    let webhook = standardwebhooks::Webhook::new(secret).map_err(|e| format!("the secret is unusable: {e}"))?;
    let signature = webhook.sign(message_id, timestamp, body.as_bytes()).map_err(|e| e.to_string())?;
    Ok(vec![
        (standardwebhooks::HEADER_WEBHOOK_ID, message_id.to_owned()),
        (standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, timestamp.to_string()),
        (standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature),
    ])
}

/// The message id a delivery is sent under, the same on every attempt.
pub fn message_id(delivery: uuid::Uuid) -> String {
    format!("msg_{}", delivery.simple())
}

/// What a response means for the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Failed,
    /// 410 Gone: the receiver says the endpoint is no more; stop at once.
    Gone,
}

pub fn outcome(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        410 => Outcome::Gone,
        _ => Outcome::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(problems: Problems) -> usize {
        problems.into_errors().err().map_or(0, |e| e.len())
    }

    fn problems_for(url: &str, allow_private: bool) -> usize {
        let mut problems = Problems::new();
        check_url(&mut problems, "url", url, allow_private);
        count(problems)
    }

    #[test]
    fn targets_must_be_public_https_unless_the_operator_allows_private_ones() {
        assert_eq!(problems_for("https://partner.example.org/hooks", false), 0);
        for refused in [
            "http://partner.example.org/hooks",
            "https://127.0.0.1/hooks",
            "https://10.1.2.3/",
            "https://192.168.0.10/",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://100.64.0.1/",
            "https://localhost:8080/",
            "https://user:pass@partner.example.org/",
            "ftp://partner.example.org/",
            "not a url",
        ] {
            assert!(problems_for(refused, false) > 0, "{refused} should be refused");
        }
        assert_eq!(problems_for("http://127.0.0.1:9000/hooks", true), 0);
        assert!(problems_for("https://user:pass@127.0.0.1/", true) > 0);
    }

    #[test]
    fn partners_hear_only_of_their_own_work() {
        let mut problems = Problems::new();
        check_events(&mut problems, &[EventType::JobAssigned, EventType::WipeRecorded], true);
        assert_eq!(count(problems), 0);
        let mut problems = Problems::new();
        check_events(&mut problems, &[EventType::SaleMade, EventType::JobAssigned, EventType::JobAssigned], true);
        assert_eq!(count(problems), 2, "a sale is not theirs, and a repeat is refused");
        let mut admin = Problems::new();
        check_events(&mut admin, &[EventType::SaleMade, EventType::LoanOut], false);
        assert_eq!(count(admin), 0);
    }

    #[test]
    fn retries_follow_the_standard_schedule_for_more_than_a_day() {
        let total: i64 = (1..=7).map(|n| retry_after(n).expect("retried").num_seconds()).sum();
        assert!(total > 24 * 3600, "{total}");
        assert_eq!(retry_after(1), Some(Duration::seconds(5)));
        assert_eq!(retry_after(8), None, "given up after the eighth attempt");
        assert_eq!(retry_after(0), None);
    }

    #[test]
    fn signatures_verify_with_the_standard_library() {
        let secret = new_secret();
        assert!(secret.starts_with("whsec_") && secret.len() == 6 + 44);
        let body = r#"{"type":"job.assigned","timestamp":"2026-12-03T10:00:00Z","data":{}}"#;
        let now = chrono::Utc::now().timestamp();
        let headers = signed_headers(&secret, "msg_1", now, body).expect("signed");
        let mut map = http::HeaderMap::new();
        for (name, value) in &headers {
            map.insert(*name, value.parse().expect("header value"));
        }
        let webhook = standardwebhooks::Webhook::new(&secret).expect("secret");
        assert!(webhook.verify(body.as_bytes(), &map).is_ok());
        assert!(webhook.verify(b"{}", &map).is_err(), "another body does not verify");
    }

    #[test]
    fn gone_stops_and_other_failures_retry() {
        assert_eq!(outcome(204), Outcome::Delivered);
        assert_eq!(outcome(410), Outcome::Gone);
        assert_eq!(outcome(500), Outcome::Failed);
        assert_eq!(outcome(301), Outcome::Failed);
    }
}
