//! Typed ids for the core records. Each wraps the record's UUID and is stored, compared and written
//! in JSON exactly as the UUID is, but a `ResidentId` cannot be passed where a `DeviceId` is meant:
//! the compiler refuses it. Repos and rules take these; handlers get them straight from the path
//! or the body.

use std::fmt;
use std::str::FromStr;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, AsExpression, FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = sql_types::Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id (UUID v7), so primary-key order is creation order.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::from_str(s).map(Self)
            }
        }

        impl ToSql<sql_types::Uuid, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <Uuid as ToSql<sql_types::Uuid, Pg>>::to_sql(&self.0, &mut out.reborrow())
            }
        }

        impl FromSql<sql_types::Uuid, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <Uuid as FromSql<sql_types::Uuid, Pg>>::from_sql(bytes).map(Self)
            }
        }
    )*};
}

typed_ids! {
    /// A scheme: one council's programme (or the platform's own row, for its administrators).
    SchemeId,
    /// A donated device.
    DeviceId,
    /// A batch of devices a donor handed over.
    DonationId,
    /// A library, community centre, pop-up venue or warehouse.
    HubId,
    /// An electoral ward.
    WardId,
    /// A donor, refurbisher, connectivity supplier or recycler.
    OrganisationId,
    /// A resident who receives devices.
    ResidentId,
    /// A staff, partner or reporter account.
    UserId,
    /// An integration's API key.
    ApiKeyId,
    /// A device lent to a resident.
    LoanId,
    /// A place in the waiting list for a category at a hub.
    HoldId,
    /// A loan rule (for a hub, a category, both, or the default).
    LoanRuleId,
    /// A device sold to a resident.
    SaleId,
    /// A pop-up sales session.
    SessionId,
    /// A refurbishment job given to a partner.
    JobId,
    /// A recorded data wipe.
    WipeId,
    /// A reset of a device at the counter, between one person and the next.
    ResetId,
    /// A count of the devices at a hub.
    StocktakeId,
    /// A kind of accessory issued with devices (a charger, a bag, a MiFi unit).
    AccessoryKindId,
    /// One published version of a scheme's hand-over terms.
    TermsId,
    /// A batch of SIM cards or data vouchers.
    BatchId,
    /// One SIM card or data voucher.
    SimId,
    /// A SIM card or voucher given to a resident.
    AllocationId,
    /// A versioned set of carbon and weight factors.
    FactorSetId,
}

/// A hand-over to a resident: a loan or a sale (what accessories and agreements go with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    Loan(LoanId),
    Sale(SaleId),
}

impl HandOver {
    /// The loan and the sale columns of a record that belongs to one of them.
    pub fn columns(self) -> (Option<LoanId>, Option<SaleId>) {
        match self {
            HandOver::Loan(l) => (Some(l), None),
            HandOver::Sale(s) => (None, Some(s)),
        }
    }
}

impl SchemeId {
    /// The platform's own row: where platform administrators belong (they are in no council's
    /// scheme). Fixed by the schemes migration.
    pub const PLATFORM: SchemeId = SchemeId(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0000));
    /// The first scheme: the one an upgraded single-scheme database became, and the one a new
    /// installation starts with. Fixed by the schemes migration.
    pub const FIRST: SchemeId = SchemeId(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_written_and_read_as_its_uuid() {
        let uuid = Uuid::now_v7();
        let id = DeviceId(uuid);
        assert_eq!(serde_json::to_value(id).expect("serialises"), serde_json::json!(uuid.to_string()));
        let back: DeviceId = serde_json::from_value(serde_json::json!(uuid.to_string())).expect("parses");
        assert_eq!(back, id);
        assert_eq!(id.to_string().parse::<DeviceId>().expect("parses"), id);
    }
}
