//! SIM batch, SIM and allocation rows, views and forms. Voucher codes are secrets: views carry
//! them masked unless the caller is the one who allocated them (see `allocations`).

use crate::calendar::Date;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::rules;
use crate::db::schema::{sim_allocations, sim_batches, sims};
use crate::ids::{AllocationId, BatchId, HubId, LoanId, OrganisationId, ResidentId, SaleId, SimId, UserId};

crate::text_enum! {
    pub enum SimKind {
        PhysicalSim => "physical_sim",
        DataVoucher => "data_voucher",
    }
}

crate::text_enum! {
    pub enum SimStatus {
        InStock => "in_stock",
        Allocated => "allocated",
        Retired => "retired",
    }
}

crate::text_enum! {
    pub enum EndReason {
        Returned => "returned",
        Lost => "lost",
        Expired => "expired",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sim_batches)]
pub struct Batch {
    pub id: BatchId,
    pub supplier_id: OrganisationId,
    pub network: String,
    pub kind: SimKind,
    pub data_gb_per_month: i32,
    pub duration_months: i32,
    pub received_on: Date,
    pub hub_id: HubId,
    pub reference: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sims)]
pub struct SimRow {
    pub id: SimId,
    pub batch_id: BatchId,
    pub supplier_id: OrganisationId,
    pub iccid: Option<String>,
    pub voucher_code: Option<String>,
    pub status: SimStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct Sim {
    pub id: SimId,
    pub batch_id: BatchId,
    pub iccid: Option<String>,
    /// Masked (last four characters) except in the response to the allocation that issued it.
    pub voucher_code: Option<String>,
    pub status: SimStatus,
}

impl Sim {
    pub fn new(r: &SimRow, reveal: bool) -> Self {
        Self {
            id: r.id,
            batch_id: r.batch_id,
            iccid: r.iccid.clone(),
            voucher_code: r.voucher_code.as_deref().map(|c| if reveal { c.to_owned() } else { rules::mask(c) }),
            status: r.status,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sim_allocations)]
pub struct AllocationRow {
    pub id: AllocationId,
    pub sim_id: SimId,
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub allocated_by: Option<UserId>,
    pub allocated_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub sale_id: Option<SaleId>,
    pub loan_id: Option<LoanId>,
    pub replaces_id: Option<AllocationId>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<EndReason>,
    pub ended_by: Option<UserId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct Allocation {
    pub id: AllocationId,
    pub sim: Sim,
    pub network: String,
    pub data_gb_per_month: i32,
    pub resident_id: ResidentId,
    pub hub_id: HubId,
    pub allocated_by: Option<UserId>,
    pub allocated_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub active: bool,
    pub sale_id: Option<SaleId>,
    pub loan_id: Option<LoanId>,
    pub replaces_id: Option<AllocationId>,
    /// The allocation issued in place of this one (a lost SIM replaced).
    pub replacement: Option<Box<Allocation>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<EndReason>,
    pub ended_by: Option<UserId>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Allocation {
    pub fn new(a: AllocationRow, sim: &SimRow, batch: &Batch, reveal: bool) -> Self {
        Self {
            id: a.id,
            sim: Sim::new(sim, reveal),
            network: batch.network.clone(),
            data_gb_per_month: batch.data_gb_per_month,
            resident_id: a.resident_id,
            hub_id: a.hub_id,
            allocated_by: a.allocated_by,
            allocated_on: a.allocated_on,
            expires_on: a.expires_on,
            active: a.ended_at.is_none(),
            sale_id: a.sale_id,
            loan_id: a.loan_id,
            replaces_id: a.replaces_id,
            replacement: None,
            ended_at: a.ended_at,
            end_reason: a.end_reason,
            ended_by: a.ended_by,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewBatch {
    pub supplier_id: OrganisationId,
    pub network: String,
    pub kind: SimKind,
    pub data_gb_per_month: i32,
    pub duration_months: i32,
    pub received_on: Date,
    pub hub_id: HubId,
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchFilter {
    pub hub_id: Option<HubId>,
    pub network: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

/// Give a SIM: a named one, or the next available of a batch, or of a network at a hub.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAllocation {
    pub resident_id: ResidentId,
    pub sim_id: Option<SimId>,
    pub batch_id: Option<BatchId>,
    pub network: Option<String>,
    /// Where it is handed over (defaults to the SIM's batch hub).
    pub hub_id: Option<HubId>,
    pub sale_id: Option<SaleId>,
    pub loan_id: Option<LoanId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndAllocation {
    pub reason: EndReason,
    /// For a lost SIM: issue the next available one of the same batch in its place.
    #[serde(default)]
    pub replace: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocationFilter {
    pub resident_id: Option<ResidentId>,
    pub hub_id: Option<HubId>,
    pub active: Option<bool>,
    /// e.g. `30d`: active allocations ending within that many days.
    pub expiring_within: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockFilter {
    pub hub_id: Option<HubId>,
    pub network: Option<String>,
    pub batch_id: Option<BatchId>,
}

#[derive(Debug, Serialize)]
pub struct ImportedSim {
    pub row: usize,
    pub id: SimId,
}

#[derive(Debug, Serialize)]
pub struct StockImport {
    pub batch_id: BatchId,
    pub imported: usize,
    pub sims: Vec<ImportedSim>,
}

/// Per batch: what is in stock, allocated and retired, and how many allocations end soon.
#[derive(Debug, Serialize)]
pub struct StockLine {
    pub batch_id: BatchId,
    pub hub_id: HubId,
    pub supplier_id: OrganisationId,
    pub network: String,
    pub kind: SimKind,
    pub data_gb_per_month: i32,
    pub in_stock: i64,
    pub allocated: i64,
    pub retired: i64,
    pub expiring_within_30_days: i64,
}

#[derive(Debug, Serialize)]
pub struct Stock {
    pub items: Vec<StockLine>,
}
