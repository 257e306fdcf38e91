//! The distribution report's data: its query string, the figures one group carries (read straight
//! from the distribution rollup and the loans open now), the rows they come in, and the report.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date as SqlDate, Nullable, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};

use super::{Dimension, Group};
use crate::calendar::Date;
use crate::http::csv::ReportFormat;
use crate::ids::{HubId, SchemeId, WardId};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Up to two of hub, ward, month, quarter: `hub,month`.
    pub group_by: Option<String>,
    pub format: Option<ReportFormat>,
    /// The schemes to report on, comma-separated: the caller's own when absent.
    pub schemes: Option<String>,
}

/// One group's figures. Loans open and overdue are as of today, counted in the month they were
/// lent; everything else in the month it happened.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, QueryableByName)]
pub struct Distribution {
    #[diesel(sql_type = BigInt)]
    pub devices_received: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_refurbished: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_sold: i64,
    #[diesel(sql_type = BigInt)]
    pub sales_refunded: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_lent: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_recycled: i64,
    /// Takings net of refunds (a refund counts in the month it was made).
    #[diesel(sql_type = BigInt)]
    pub sales_takings_pence: i64,
    #[diesel(sql_type = BigInt)]
    pub sales_subsidy_pence: i64,
    #[diesel(sql_type = BigInt)]
    pub sims_allocated: i64,
    #[diesel(sql_type = BigInt)]
    pub sims_replaced: i64,
    /// Monthly data allowance of the SIMs allocated, in GB.
    #[diesel(sql_type = BigInt)]
    pub sim_data_gb_per_month: i64,
    #[diesel(sql_type = BigInt)]
    pub loans_active: i64,
    #[diesel(sql_type = BigInt)]
    pub loans_overdue: i64,
}

impl Distribution {
    /// The figures as CSV columns, in the order the JSON gives them.
    pub fn columns(&self) -> [(&'static str, i64); 13] {
        [
            ("devices_received", self.devices_received),
            ("devices_refurbished", self.devices_refurbished),
            ("devices_sold", self.devices_sold),
            ("sales_refunded", self.sales_refunded),
            ("devices_lent", self.devices_lent),
            ("devices_recycled", self.devices_recycled),
            ("sales_takings_pence", self.sales_takings_pence),
            ("sales_subsidy_pence", self.sales_subsidy_pence),
            ("sims_allocated", self.sims_allocated),
            ("sims_replaced", self.sims_replaced),
            ("sim_data_gb_per_month", self.sim_data_gb_per_month),
            ("loans_active", self.loans_active),
            ("loans_overdue", self.loans_overdue),
        ]
    }
}

/// One row of figures for a month at a hub (and the hub's ward).
#[derive(QueryableByName)]
pub struct DistributionRow {
    /// The scheme the row was read in.
    #[diesel(sql_type = SqlUuid)]
    pub scheme_id: SchemeId,
    #[diesel(sql_type = SqlDate)]
    pub month: NaiveDate,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub hub_id: Option<HubId>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub ward_id: Option<WardId>,
    #[diesel(embed)]
    pub figures: Distribution,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub group_by: Vec<Dimension>,
    /// The day loans are counted overdue on (UK date).
    pub as_of: NaiveDate,
    pub totals: Distribution,
    pub groups: Vec<Group<Distribution>>,
}
