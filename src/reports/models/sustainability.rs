//! The sustainability report's data: its query string, the impact rollup rows it reads, a factor
//! set to recompute them under ("what if"), the sums in grams, and the report in kilograms.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date as SqlDate, Nullable, Text, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};

use super::{Dimension, Group};
use crate::calendar::Date;
use crate::http::csv::ReportFormat;
use crate::ids::{FactorSetId, HubId, OrganisationId, SchemeId, WardId};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Up to two dimensions, comma-separated: `donor,month`.
    pub group_by: Option<String>,
    pub factor_set: Option<FactorSetId>,
    /// The schemes to report on, comma-separated: the caller's own when absent.
    pub schemes: Option<String>,
    pub format: Option<ReportFormat>,
}

#[derive(QueryableByName, Debug, Clone)]
pub struct RollupRow {
    /// The scheme the row was read in.
    #[diesel(sql_type = SqlUuid)]
    pub scheme_id: SchemeId,
    #[diesel(sql_type = SqlDate)]
    pub month: NaiveDate,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub donor_id: Option<OrganisationId>,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub hub_id: Option<HubId>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub ward_id: Option<WardId>,
    #[diesel(sql_type = BigInt)]
    pub devices_reused: i64,
    #[diesel(sql_type = BigInt)]
    pub devices_recycled: i64,
    #[diesel(sql_type = BigInt)]
    pub co2e_saved_g: i64,
    #[diesel(sql_type = BigInt)]
    pub landfill_saved_g: i64,
    #[diesel(sql_type = BigInt)]
    pub known_weight_g: i64,
    #[diesel(sql_type = BigInt)]
    pub unknown_weight_devices: i64,
}

/// Grams for one group, before they are shown as kilograms.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sums {
    pub reused: i64,
    pub recycled: i64,
    pub co2e_g: i64,
    pub landfill_g: i64,
}

/// A set's figures: (manufacture g CO2e, average weight g) per category, and displacement.
pub struct WhatIf {
    pub factors: BTreeMap<String, (i64, i64)>,
    pub displacement_bp: i64,
}

#[derive(Debug, Serialize)]
pub struct Saved {
    pub devices_reused: i64,
    pub devices_recycled: i64,
    pub co2e_saved_kg: f64,
    pub landfill_saved_kg: f64,
}

impl From<Sums> for Saved {
    fn from(s: Sums) -> Self {
        Self {
            devices_reused: s.reused,
            devices_recycled: s.recycled,
            co2e_saved_kg: s.co2e_g as f64 / 1000.0,
            landfill_saved_kg: s.landfill_g as f64 / 1000.0,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub group_by: Vec<Dimension>,
    /// The set the figures are computed under; null when each device counts under the set it was
    /// recorded with.
    pub factor_set_id: Option<FactorSetId>,
    pub totals: Saved,
    pub groups: Vec<Group<Saved>>,
}
