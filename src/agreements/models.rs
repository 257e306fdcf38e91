//! Terms, acceptances, their forms and views.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{agreement_terms, agreements};
use crate::ids::{LoanId, SaleId, TermsId, UserId};

crate::text_enum! {
    /// What the terms cover.
    pub enum AgreementKind {
        Loan => "loan",
        Sale => "sale",
    }
}

crate::text_enum! {
    /// How the resident accepted the terms.
    pub enum AcceptanceMethod {
        Paper => "paper",
        TypedName => "typed_name",
        Signature => "signature",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = agreement_terms)]
pub struct Terms {
    pub id: TermsId,
    pub kind: AgreementKind,
    pub version: i32,
    pub title: String,
    pub body: String,
    pub required: bool,
    pub published_by: Option<UserId>,
    pub published_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTerms {
    pub kind: AgreementKind,
    pub title: String,
    pub body: String,
    /// Whether a loan or sale needs the resident's acceptance while these are the latest terms.
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsFilter {
    pub kind: Option<AgreementKind>,
}

#[derive(Debug, Serialize)]
pub struct TermsList {
    pub items: Vec<Terms>,
}

/// A signature drawn at the counter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureInput {
    /// `image/svg+xml` (the SVG document as text) or `image/png` (base64).
    pub media_type: String,
    pub data: String,
}

/// The resident's acceptance, sent with a loan or a sale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// The version accepted; the latest of the kind if absent.
    pub terms_id: Option<TermsId>,
    pub method: AcceptanceMethod,
    pub typed_name: Option<String>,
    pub signature: Option<SignatureInput>,
}

/// A signature that passed its checks, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agreements)]
pub struct AgreementRow {
    pub terms_id: TermsId,
    pub loan_id: Option<LoanId>,
    pub sale_id: Option<SaleId>,
    pub method: AcceptanceMethod,
    pub typed_name: Option<String>,
    pub signature_type: Option<String>,
    pub signature: Option<Vec<u8>>,
    pub accepted_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// What an agreement print shows beside the terms.
#[derive(Debug, Clone)]
pub struct Printed<'a> {
    pub resident_name: Option<&'a str>,
    pub resident_reference: &'a str,
    pub device: &'a str,
    pub asset_tag: &'a str,
    pub hub: &'a str,
}
