//! Factor sets as the API shows them and as admins add them, a device's ledger entry, and the
//! ledger's own units.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::devices::models::Category;
use crate::ids::{DeviceId, FactorSetId};

#[derive(Debug, Serialize)]
pub struct Factor {
    pub category: String,
    pub manufacture_co2e_kg: f64,
    pub weight_kg: f64,
    pub reliability: Option<i16>,
    pub source_note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct FactorSet {
    pub id: FactorSetId,
    pub name: String,
    pub version: String,
    pub source: String,
    /// Share of a new purchase a reused device displaces (0.5 = half).
    pub displacement: f64,
    pub is_default: bool,
    /// Whether devices have been counted under this set (it can then never change).
    pub in_use: bool,
    pub locked_at: Option<DateTime<Utc>>,
    pub factors: Vec<Factor>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct DeviceImpact {
    pub device_id: DeviceId,
    /// False until the device is first sold, lent or recycled.
    pub counted: bool,
    /// `reused` or `recycled`.
    pub kind: Option<String>,
    pub factor_set_id: Option<FactorSetId>,
    pub category: Option<String>,
    pub co2e_saved_kg: f64,
    pub landfill_saved_kg: f64,
    /// `device` (its own weight) or `category_average`.
    pub weight_source: Option<String>,
    pub counted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFactorSet {
    pub name: String,
    pub version: String,
    pub source: String,
    /// Share of a new purchase a reused device displaces, 0 to 1.
    pub displacement: f64,
    /// Figures for every category, keyed by category.
    pub factors: HashMap<Category, NewFactor>,
    #[serde(default)]
    pub make_default: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFactor {
    pub manufacture_co2e_kg: f64,
    pub weight_kg: f64,
    pub reliability: Option<i16>,
    pub source_note: Option<String>,
}

/// A set's figures in the integer units the ledger uses.
#[derive(Debug, PartialEq, Eq)]
pub struct CheckedSet {
    pub displacement_bp: i32,
    pub factors: Vec<CheckedFactor>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct CheckedFactor {
    pub category: Category,
    pub manufacture_co2e_g: i64,
    pub weight_g: i32,
    pub reliability: Option<i16>,
    pub source_note: Option<String>,
}

/// A set's row as stored.
pub type SetRow = (FactorSetId, String, String, String, i32, Option<DateTime<Utc>>, DateTime<Utc>);
/// A factor's row as stored.
pub type FactorRow = (FactorSetId, String, i64, i32, Option<i16>, Option<String>);
/// A ledger entry as stored.
pub type LedgerRow = (String, FactorSetId, String, i64, i64, String, DateTime<Utc>);
