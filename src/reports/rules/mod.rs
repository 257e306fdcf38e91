//! The reports' sums and decisions, as pure functions over plain types: grouping rows by the
//! dimensions asked for over whole UK months (`grouping`), each report's figures
//! (`sustainability`, `distribution`, `exclusion`, the last with its suppression of small groups),
//! and drawing the charts (`chart`). Every refusal is a `Refusal`, turned into a problem in one
//! place (`handlers::mod`).

pub mod chart;
pub mod distribution;
pub mod exclusion;
pub mod grouping;
pub mod network;
pub mod sustainability;

/// Why a report is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A query parameter that cannot be used: which one, and why.
    BadQuery { field: &'static str, message: String },
    /// `factor_set` names no factor set.
    UnknownFactorSet,
    /// `schemes` names a scheme that is neither the caller's nor granted to them.
    UnknownScheme,
}
