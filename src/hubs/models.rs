//! Hub rows, views and forms; opening hours, closures and the calendar they make.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Jsonb;
use serde::{Deserialize, Serialize};

use crate::calendar::{ClockTime, Date, Weekday};
use crate::db::schema::{closures, hubs};
use crate::ids::{HubId, UserId, WardId};
use uuid::Uuid;

crate::text_enum! {
    pub enum HubKind {
        Library => "library",
        CommunityCentre => "community_centre",
        Popup => "popup",
        Warehouse => "warehouse",
        PartnerSite => "partner_site",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = hubs)]
pub struct Hub {
    pub id: HubId,
    pub name: String,
    pub kind: HubKind,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub ward_id: Option<WardId>,
    pub active: bool,
    /// The week's opening hours; `null` when none are recorded (the hub counts as open every day).
    pub opening_hours: Option<OpeningHours>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, Insertable)]
#[diesel(table_name = hubs)]
#[serde(deny_unknown_fields)]
pub struct CreateHub {
    pub name: String,
    pub kind: HubKind,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub ward_id: Option<WardId>,
    #[serde(default = "yes")]
    pub active: bool,
    pub opening_hours: Option<OpeningHours>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, AsChangeset)]
#[diesel(table_name = hubs)]
#[serde(deny_unknown_fields)]
pub struct UpdateHub {
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub kind: Option<HubKind>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub address: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub postcode: Option<Option<String>>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub ward_id: Option<Option<WardId>>,
    #[serde(default, deserialize_with = "crate::http::json::non_null")]
    pub active: Option<bool>,
    #[serde(default, with = "crate::http::json::double_option")]
    pub opening_hours: Option<Option<OpeningHours>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubFilter {
    pub kind: Option<HubKind>,
    pub ward_id: Option<WardId>,
    pub active: Option<bool>,
    /// Part of the name or postcode.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<crate::http::Cursor>,
}

/// One opening of a hub in the week: a day, and from when to when (a hub closed for lunch has two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub day: Weekday,
    pub opens: ClockTime,
    pub closes: ClockTime,
}

/// A hub's week, stored as JSON in `hubs.opening_hours` (its shape checked by the database too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, AsExpression, FromSqlRow)]
#[diesel(sql_type = Jsonb)]
#[serde(transparent)]
pub struct OpeningHours(pub Vec<Session>);

impl ToSql<Jsonb, Pg> for OpeningHours {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        let value = serde_json::to_value(self)?;
        <serde_json::Value as ToSql<Jsonb, Pg>>::to_sql(&value, &mut out.reborrow())
    }
}

impl FromSql<Jsonb, Pg> for OpeningHours {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let value = <serde_json::Value as FromSql<Jsonb, Pg>>::from_sql(bytes)?;
        Ok(serde_json::from_value(value)?)
    }
}

/// Days a hub is closed: a bank holiday for every hub (`hub_id` null), or one hub's own.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = closures)]
pub struct Closure {
    pub id: Uuid,
    pub hub_id: Option<HubId>,
    pub starts_on: Date,
    pub ends_on: Date,
    pub reason: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClosure {
    /// Absent or null: every hub of the scheme (a bank holiday).
    pub hub_id: Option<HubId>,
    pub starts_on: Date,
    /// The last closed day; the same as `starts_on` if absent.
    pub ends_on: Option<Date>,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosureFilter {
    pub hub_id: Option<HubId>,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

#[derive(Debug, Serialize)]
pub struct Closures {
    pub items: Vec<Closure>,
}

/// What a hub's calendar is made of: its week and the closures that touch a span of days.
#[derive(Debug, Clone, Default)]
pub struct HubCalendar {
    pub hours: Option<OpeningHours>,
    pub closures: Vec<(NaiveDate, NaiveDate, Uuid, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opening {
    pub opens: ClockTime,
    pub closes: ClockTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosedFor {
    pub closure_id: Uuid,
    pub reason: String,
}

/// One day of a hub's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarDay {
    pub date: Date,
    pub weekday: Weekday,
    pub open: bool,
    pub hours: Vec<Opening>,
    pub closures: Vec<ClosedFor>,
}

#[derive(Debug, Serialize)]
pub struct CalendarView {
    pub hub_id: HubId,
    pub from: Date,
    pub to: Date,
    /// Whether opening hours are recorded; without them every day not closed counts as open.
    pub hours_recorded: bool,
    pub days: Vec<CalendarDay>,
}
