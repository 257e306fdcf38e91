//! Sale and sales-session rows, views and forms. A sale carries the resident's id, never their
//! personal fields.

use crate::calendar::Date;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::{sales, sales_sessions};

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
    pub id: Uuid,
    pub receipt_number: String,
    pub device_id: Uuid,
    pub resident_id: Uuid,
    pub hub_id: Uuid,
    pub session_id: Option<Uuid>,
    pub price_pence: i32,
    pub market_value_pence: i32,
    pub subsidy_pence: i32,
    pub payment_method: PaymentMethod,
    pub sold_by: Option<Uuid>,
    pub sold_at: DateTime<Utc>,
    pub override_reason: Option<String>,
    pub overridden_by: Option<Uuid>,
    pub refunded_at: Option<DateTime<Utc>>,
    pub refund_reason: Option<String>,
    pub refund_faulty: Option<bool>,
    pub refunded_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct Sale {
    pub id: Uuid,
    pub receipt_number: String,
    pub device_id: Uuid,
    pub resident_id: Uuid,
    pub hub_id: Uuid,
    pub session_id: Option<Uuid>,
    pub price_pence: i32,
    pub market_value_pence: i32,
    pub subsidy_pence: i32,
    pub payment_method: PaymentMethod,
    pub sold_by: Option<Uuid>,
    pub sold_at: DateTime<Utc>,
    pub household_rule_overridden: bool,
    pub override_reason: Option<String>,
    pub overridden_by: Option<Uuid>,
    pub refunded: bool,
    pub refunded_at: Option<DateTime<Utc>>,
    pub refund_reason: Option<String>,
    pub refund_faulty: Option<bool>,
    pub refunded_by: Option<Uuid>,
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
    pub device_id: Uuid,
    pub resident_id: Uuid,
    /// The pop-up session the sale belongs to; the device must be set aside for it.
    pub session_id: Option<Uuid>,
    /// Defaults to the scheme's price (TECH4ALL_SALE_PRICE_PENCE).
    pub price_pence: Option<i32>,
    /// Defaults to the scheme's estimate for the device's category.
    pub market_value_pence: Option<i32>,
    pub payment_method: PaymentMethod,
    /// Admins only: sell despite the household rule, saying why.
    pub override_reason: Option<String>,
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
    pub resident_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub hub_id: Option<Uuid>,
    pub device_id: Option<Uuid>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sales_sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub hub_id: Uuid,
    pub held_on: NaiveDate,
    pub name: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub unsold_at_close: Option<i32>,
    pub created_by: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A pop-up session with its summary.
#[derive(Debug, Serialize)]
pub struct Session {
    pub id: Uuid,
    pub hub_id: Uuid,
    pub held_on: NaiveDate,
    pub name: Option<String>,
    pub closed: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    /// Devices still set aside (unsold); released back to stock when the session closes.
    pub set_aside_device_ids: Vec<Uuid>,
    pub summary: SessionSummary,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct SessionSummary {
    pub devices_sold: i64,
    pub takings_pence: i64,
    pub subsidy_pence: i64,
    pub refunds: i64,
    pub unsold_devices: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    pub hub_id: Uuid,
    pub held_on: Date,
    pub name: Option<String>,
    #[serde(default)]
    pub device_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetAside {
    pub device_ids: Vec<Uuid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionFilter {
    pub hub_id: Option<Uuid>,
    pub held_from: Option<Date>,
    pub held_to: Option<Date>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}
