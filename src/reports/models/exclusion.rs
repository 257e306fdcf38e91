//! The exclusion-risk report's data: its query string, the rows it reads (wards, residents reached,
//! what reached them), what reached one group before suppression, and the figures as published
//! (`null` where suppressed).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::http::csv::ReportFormat;
use crate::ids::WardId;
use crate::residents::models::Eligibility;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExclusionQuery {
    /// The schemes to report on, comma-separated: the caller's own when absent.
    pub schemes: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub format: Option<ReportFormat>,
}

/// A ward and its Digital Exclusion Risk Index score.
#[derive(Debug, Clone, Queryable)]
pub struct WardRow {
    pub id: WardId,
    pub name: String,
    pub deri_score: Option<f64>,
}

/// Devices and SIMs that reached residents of one ward and eligibility category.
#[derive(QueryableByName)]
pub struct CountRow {
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub ward_id: Option<WardId>,
    #[diesel(sql_type = Text)]
    pub eligibility: String,
    #[diesel(sql_type = BigInt)]
    pub sold: i64,
    #[diesel(sql_type = BigInt)]
    pub lent: i64,
    #[diesel(sql_type = BigInt)]
    pub sims: i64,
}

/// Distinct residents reached, by ward, by eligibility, or overall.
#[derive(QueryableByName)]
pub struct PeopleRow {
    /// Which grouping set the row is: 1 by ward, 2 by eligibility, 3 overall.
    #[diesel(sql_type = Integer)]
    pub grouping_set: i32,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub ward_id: Option<WardId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub eligibility: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub people: i64,
}

/// What reached one group of residents, before suppression.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub people: i64,
    pub sold: i64,
    pub lent: i64,
    pub sims: i64,
}

/// What reached residents in the period, by home ward (`None`: no ward recorded), by eligibility
/// category, and overall, before suppression.
#[derive(Debug, Default)]
pub struct Tally {
    pub by_ward: HashMap<Option<WardId>, Cell>,
    pub by_eligibility: HashMap<String, Cell>,
    pub total: Cell,
}

/// Figures as published: `None` where suppressed.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Reach {
    pub residents_reached: Option<i64>,
    pub devices_sold: Option<i64>,
    pub devices_lent: Option<i64>,
    pub sims: Option<i64>,
    pub suppressed: bool,
}

impl Reach {
    pub fn of(cell: Cell, hide: bool) -> Self {
        let show = |n: i64| if hide { None } else { Some(n) };
        Reach {
            residents_reached: show(cell.people),
            devices_sold: show(cell.sold),
            devices_lent: show(cell.lent),
            sims: show(cell.sims),
            suppressed: hide,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct WardReach {
    /// `null` for residents with no ward recorded (outside the borough, or not given).
    pub ward_id: Option<WardId>,
    pub name: Option<String>,
    pub deri_score: Option<f64>,
    pub highest_risk: bool,
    #[serde(flatten)]
    pub reach: Reach,
}

#[derive(Debug, Serialize)]
pub struct EligibilityReach {
    pub eligibility: Eligibility,
    #[serde(flatten)]
    pub reach: Reach,
}

#[derive(Debug, Serialize)]
pub struct HighestRisk {
    pub definition: &'static str,
    pub ward_ids: Vec<WardId>,
    /// Share of devices (sold and lent) that reached residents of these wards, to the whole
    /// percent; `null` when nothing was handed out or the total is suppressed.
    pub devices_share: Option<f64>,
    pub sims_share: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub min_group_size: i64,
    pub totals: Reach,
    pub highest_risk: HighestRisk,
    pub wards: Vec<WardReach>,
    pub eligibility: Vec<EligibilityReach>,
}
