//! Outbox rows, notices to queue, messages as the API shows them, and the sending port.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::outbox;
use crate::ids::{HubId, ResidentId};

crate::text_enum! {
    /// What a notice tells the resident.
    pub enum NoticeKind {
        LoanDueSoon => "loan_due_soon",
        LoanOverdue => "loan_overdue",
        HoldReady => "hold_ready",
        HoldLapsing => "hold_lapsing",
        SimEnding => "sim_ending",
        SaleReceipt => "sale_receipt",
        WebhookDisabled => "webhook_disabled",
    }
}

crate::text_enum! {
    /// Where a notice is in its life.
    pub enum NoticeStatus {
        Pending => "pending",
        Sending => "sending",
        ToPrint => "to_print",
        Sent => "sent",
        Skipped => "skipped",
        GaveUp => "gave_up",
    }
}

crate::text_enum! {
    /// How a notice reaches the resident.
    pub enum Channel {
        Email => "email",
        Sms => "sms",
        Letter => "letter",
        Print => "print",
    }
}

/// A notice to queue: what it is about (its natural key), for whom, and its placeholders' values.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub natural_key: String,
    pub kind: NoticeKind,
    pub resident_id: ResidentId,
    pub hub_id: Option<HubId>,
    pub data: Value,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: Uuid,
    pub natural_key: String,
    pub kind: NoticeKind,
    pub resident_id: Option<ResidentId>,
    pub hub_id: Option<HubId>,
    pub data: Value,
    pub status: NoticeStatus,
    pub channel: Option<Channel>,
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// For a notice to a member of staff or a partner rather than a resident.
    pub user_id: Option<crate::ids::UserId>,
}

/// A message as the resident's record shows it.
#[derive(Debug, Serialize)]
pub struct Message {
    pub id: Uuid,
    pub kind: NoticeKind,
    pub status: NoticeStatus,
    pub channel: Option<Channel>,
    pub recipient: Option<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub attempts: i32,
    /// Why it was not sent (no consent, no way to reach them) or the last failure.
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<OutboxRow> for Message {
    fn from(r: OutboxRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            status: r.status,
            channel: r.channel,
            recipient: r.recipient,
            subject: r.subject,
            body: r.body,
            attempts: r.attempts,
            note: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Messages {
    pub items: Vec<Message>,
}

/// A message ready to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The ways out the instance has: an SMTP server for email, GOV.UK Notify for text messages and
/// letters by post. The
/// worker builds it from the configuration; tests give a real SMTP server and a local Notify.
pub trait Senders: Send + Sync {
    /// Whether email can be sent at all.
    fn email_configured(&self) -> bool;
    fn send_email(&self, message: &Outgoing) -> Result<(), String>;
    /// Whether text messages can be sent at all.
    fn sms_configured(&self) -> bool {
        false
    }
    /// Sends `message.body` to the mobile number `message.to`; `reference` is the notice's id.
    fn send_sms(&self, message: &Outgoing, reference: &str) -> Result<(), String> {
        let _ = (message, reference);
        Err("text messages are not configured".into())
    }
    /// Whether letters can be sent by post.
    fn letters_configured(&self) -> bool {
        false
    }
    /// Posts `message` as a letter to the address in `message.to` (a line each: the name, the
    /// address, the postcode); `reference` is the notice's id.
    fn send_letter(&self, message: &Outgoing, reference: &str) -> Result<(), String> {
        let _ = (message, reference);
        Err("letters by post are not configured".into())
    }
}

/// The scheme's notices, for admins to see what did not go.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticesQuery {
    pub status: Option<NoticeStatus>,
    pub kind: Option<NoticeKind>,
    pub limit: Option<i64>,
}

/// A notice as admins see it: the message, and whom it was for.
#[derive(Debug, Serialize)]
pub struct Notice {
    #[serde(flatten)]
    pub message: Message,
    pub resident_id: Option<ResidentId>,
    pub user_id: Option<crate::ids::UserId>,
    pub hub_id: Option<HubId>,
    pub next_attempt_at: DateTime<Utc>,
}

impl From<OutboxRow> for Notice {
    fn from(r: OutboxRow) -> Self {
        let (resident_id, user_id, hub_id, next_attempt_at) = (r.resident_id, r.user_id, r.hub_id, r.next_attempt_at);
        Self { message: Message::from(r), resident_id, user_id, hub_id, next_attempt_at }
    }
}

#[derive(Debug, Serialize)]
pub struct Notices {
    pub items: Vec<Notice>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LettersQuery {
    /// The day the letters were queued (UK time); today if absent.
    pub date: Option<crate::calendar::Date>,
}

/// A kind's wording as the scheme has it (its own, or the default).
#[derive(Debug, Serialize)]
pub struct Template {
    pub kind: NoticeKind,
    pub subject: String,
    pub body: String,
    /// What `{…}` may name in this kind's wording.
    pub placeholders: &'static [&'static str],
    /// Whether this is the scheme's own wording rather than the default.
    pub customised: bool,
}

#[derive(Debug, Serialize)]
pub struct Templates {
    pub items: Vec<Template>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    /// Wording to try; the kind's current wording if absent.
    pub subject: Option<String>,
    pub body: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Preview {
    pub subject: String,
    pub body: String,
}
