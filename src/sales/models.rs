//! Sale rows, views and forms. A sale carries the resident's id, never their personal fields.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::sales;
use crate::ids::{DeviceId, HubId, ResidentId, SaleId, SessionId, UserId};

crate::text_enum! {
    pub enum PaymentMethod {
        Cash => "cash",
        Card => "card",
        Voucher => "voucher",
        Free => "free",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sales)]
pub struct SaleRow {
    pub id: SaleId,
    pub receipt_number: String,
    pub device_id: DeviceId,
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub session_id: Option<SessionId>,
    pub price_pence: i32,
    pub market_value_pence: i32,
    pub subsidy_pence: i32,
    pub payment_method: PaymentMethod,
    pub sold_by: Option<UserId>,
    pub sold_at: DateTime<Utc>,
    pub override_reason: Option<String>,
    pub overridden_by: Option<UserId>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub refund_reason: Option<String>,
    pub refund_faulty: Option<bool>,
    pub refunded_by: Option<UserId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct Sale {
    pub id: SaleId,
    pub receipt_number: String,
    pub device_id: DeviceId,
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub session_id: Option<SessionId>,
    pub price_pence: i32,
    pub market_value_pence: i32,
    pub subsidy_pence: i32,
    pub payment_method: PaymentMethod,
    pub sold_by: Option<UserId>,
    pub sold_at: DateTime<Utc>,
    pub household_rule_overridden: bool,
    pub override_reason: Option<String>,
    pub overridden_by: Option<UserId>,
    pub refunded: bool,
    pub refunded_at: Option<DateTime<Utc>>,
    pub refund_reason: Option<String>,
    pub refund_faulty: Option<bool>,
    pub refunded_by: Option<UserId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<SaleRow> for Sale {
    fn from(r: SaleRow) -> Self {
        Self {
            id: r.id,
            receipt_number: r.receipt_number,
            device_id: r.device_id,
            resident_id: r.resident_id,
            hub_id: r.hub_id,
            session_id: r.session_id,
            price_pence: r.price_pence,
            market_value_pence: r.market_value_pence,
            subsidy_pence: r.subsidy_pence,
            payment_method: r.payment_method,
            sold_by: r.sold_by,
            sold_at: r.sold_at,
            household_rule_overridden: r.override_reason.is_some(),
            override_reason: r.override_reason,
            overridden_by: r.overridden_by,
            refunded: r.refunded_at.is_some(),
            refunded_at: r.refunded_at,
            refund_reason: r.refund_reason,
            refund_faulty: r.refund_faulty,
            refunded_by: r.refunded_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSale {
    pub device_id: DeviceId,
    pub resident_id: ResidentId,
    /// The pop-up session the sale belongs to; the device must be set aside for it.
    pub session_id: Option<SessionId>,
    /// Defaults to the scheme's price (TECH4ALL_SALE_PRICE_PENCE).
    pub price_pence: Option<i32>,
    /// Defaults to the scheme's estimate for the device's category.
    pub market_value_pence: Option<i32>,
    pub payment_method: PaymentMethod,
    /// Admins only: sell despite the household rule, saying why.
    pub override_reason: Option<String>,
    /// What goes with the device (a charger, a bag …), from the scheme's accessory kinds.
    #[serde(default)]
    pub accessories: Vec<crate::accessories::models::Items>,
    /// The resident's acceptance of the scheme's sale terms (required when the latest terms say so).
    pub agreement: Option<crate::agreements::models::Acceptance>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refund {
    pub reason: String,
    /// A faulty device goes back to refurbishment rather than to stock.
    #[serde(default)]
    pub faulty: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaleFilter {
    pub resident_id: Option<ResidentId>,
    pub session_id: Option<SessionId>,
    pub hub_id: Option<HubId>,
    pub device_id: Option<DeviceId>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

/// A checked sale, as stored.
#[derive(Debug, Clone)]
pub struct SaleRecord {
    pub receipt_number: String,
    pub device_id: DeviceId,
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub session_id: Option<SessionId>,
    pub price_pence: i32,
    pub market_value_pence: i32,
    pub subsidy_pence: i32,
    pub payment_method: PaymentMethod,
    pub sold_by: UserId,
    pub sold_at: DateTime<Utc>,
    pub override_reason: Option<String>,
    pub overridden_by: Option<UserId>,
}
