//! Subscriptions, deliveries, and the forms.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::{webhook_deliveries, webhooks};
use crate::ids::{OrganisationId, UserId};

crate::text_enum! {
    /// What a subscription can hear of.
    pub enum EventType {
        JobAssigned => "job.assigned",
        JobChanged => "job.changed",
        DeviceStatusChanged => "device.status_changed",
        WipeRecorded => "wipe.recorded",
        LoanOut => "loan.out",
        LoanBack => "loan.back",
        SaleMade => "sale.made",
    }
}

crate::text_enum! {
    /// Where a delivery is in its life.
    pub enum DeliveryStatus {
        Pending => "pending",
        Sending => "sending",
        Delivered => "delivered",
        GaveUp => "gave_up",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = webhooks)]
pub struct Webhook {
    pub id: Uuid,
    /// The partner it belongs to; `null` for the scheme's own.
    pub organisation_id: Option<OrganisationId>,
    pub url: String,
    #[diesel(deserialize_as = Vec<String>)]
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new subscription, with its signing secret: the only time the secret is shown.
#[derive(Debug, Serialize)]
pub struct Created {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    pub url: String,
    pub event_types: Vec<EventType>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub event_types: Option<Vec<EventType>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub description: Option<Option<String>>,
    /// `true` switches a disabled subscription back on; `false` switches it off.
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub enabled: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Webhooks {
    pub items: Vec<Webhook>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub event_type: String,
    pub payload: Value,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
pub struct Deliveries {
    pub items: Vec<Delivery>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    pub status: Option<DeliveryStatus>,
    pub limit: Option<i64>,
}

/// Send a delivery again (the same message: the same `webhook-id`, newly signed).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redeliver {
    pub delivery_id: Uuid,
}

/// A signed request ready to post.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// What came back from posting: the status code, or why there was none.
pub type Posted = Result<u16, String>;

/// The way out to partners' endpoints. The worker gives one that refuses private addresses
/// unless the operator allows them.
pub trait Poster: Send + Sync {
    fn post(&self, request: &Outgoing) -> Posted;
}
