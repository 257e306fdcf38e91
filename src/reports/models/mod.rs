//! The reports' data: the query strings they take, the rows they read from the rollups, and the
//! reports as published. What every report shares is here: the dimensions a report can be grouped
//! by, where a rollup row sits along them, a group as published, and the charts' query strings.
//! Each report's own types are in its submodule, as their names repeat (`Report`).

pub mod distribution;
pub mod exclusion;
pub mod sustainability;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Date;
use crate::ids::{FactorSetId, HubId, OrganisationId, SchemeId, WardId};

crate::text_enum! {
    pub enum Dimension {
        Scheme => "scheme",
        Donor => "donor",
        Category => "category",
        Hub => "hub",
        Ward => "ward",
        Month => "month",
        Quarter => "quarter",
    }
}

impl Dimension {
    /// The key a group carries for this dimension: ids are `<name>_id`.
    pub fn field(self) -> String {
        match self {
            Dimension::Scheme | Dimension::Donor | Dimension::Hub | Dimension::Ward => format!("{self}_id"),
            other => other.to_string(),
        }
    }
}

/// What a rollup row says about each dimension; reports fill the ones they have.
#[derive(Debug, Clone, Default)]
pub struct Coordinates {
    pub scheme: Option<SchemeId>,
    pub month: Option<NaiveDate>,
    pub donor: Option<OrganisationId>,
    pub category: Option<String>,
    pub hub: Option<HubId>,
    pub ward: Option<WardId>,
}

/// One group of a report: its value for each dimension (`hub_id`, `month`…) and its figures.
#[derive(Debug, Serialize)]
pub struct Group<F> {
    #[serde(flatten)]
    pub keys: BTreeMap<String, String>,
    #[serde(flatten)]
    pub figures: F,
}

/// `GET /api/v1/reports/sustainability.svg`: a period, and optionally another factor set.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartQuery {
    pub schemes: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub factor_set: Option<FactorSetId>,
}

/// `GET /api/v1/reports/distribution.svg`: a period.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    pub schemes: Option<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}
