//! Webhook queries: subscriptions, their delivery log, and the worker's claims.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Uuid as SqlUuid};
use uuid::Uuid;

use super::models::{Delivery, DeliveryStatus, Webhook};
use crate::db::schema::{webhook_deliveries as deliveries, webhooks};
use crate::ids::{OrganisationId, SchemeId, UserId};

/// A new subscription's fields.
pub struct NewRow<'a> {
    pub organisation_id: Option<OrganisationId>,
    pub url: &'a str,
    pub event_types: Vec<String>,
    pub description: Option<&'a str>,
    pub secret: &'a str,
    pub created_by: UserId,
}

pub fn insert(conn: &mut PgConnection, row: NewRow) -> QueryResult<Webhook> {
    diesel::insert_into(webhooks::table)
        .values((
            webhooks::id.eq(crate::db::new_id()),
            webhooks::organisation_id.eq(row.organisation_id),
            webhooks::url.eq(row.url),
            webhooks::event_types.eq(row.event_types),
            webhooks::description.eq(row.description),
            webhooks::secret.eq(row.secret),
            webhooks::created_by.eq(row.created_by),
        ))
        .returning(Webhook::as_returning())
        .get_result(conn)
}

/// The scheme's subscriptions (`owner` `None`), or one organisation's.
pub fn list(conn: &mut PgConnection, owner: Option<OrganisationId>) -> QueryResult<Vec<Webhook>> {
    let mut query =
        webhooks::table.select(Webhook::as_select()).order((webhooks::created_at, webhooks::id)).into_boxed();
    if let Some(owner) = owner {
        query = query.filter(webhooks::organisation_id.eq(owner));
    }
    query.load(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Webhook>> {
    webhooks::table.filter(webhooks::id.eq(id)).select(Webhook::as_select()).first(conn).optional()
}

/// What a PATCH changes.
#[derive(Default, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct Changes {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub disabled_at: Option<Option<DateTime<Utc>>>,
    pub disabled_reason: Option<Option<String>>,
}

/// Applies `changes` if the subscription is still at `version`.
pub fn update(conn: &mut PgConnection, id: Uuid, version: i32, changes: &Changes) -> QueryResult<Option<Webhook>> {
    diesel::update(webhooks::table.filter(webhooks::id.eq(id)).filter(webhooks::version.eq(version)))
        .set((changes, webhooks::version.eq(version + 1), webhooks::updated_at.eq(diesel::dsl::now)))
        .returning(Webhook::as_returning())
        .get_result(conn)
        .optional()
}

pub fn delete(conn: &mut PgConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(webhooks::table.filter(webhooks::id.eq(id))).execute(conn)
}

/// A subscription's deliveries, newest first.
pub fn deliveries(
    conn: &mut PgConnection,
    webhook: Uuid,
    status: Option<DeliveryStatus>,
    limit: i64,
) -> QueryResult<Vec<Delivery>> {
    let mut query = deliveries::table
        .filter(deliveries::webhook_id.eq(webhook))
        .select(Delivery::as_select())
        .order((deliveries::created_at.desc(), deliveries::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(deliveries::status.eq(status));
    }
    query.load(conn)
}

/// Queues a finished delivery (delivered or given up) to go again now, as the same message.
/// `None` when there is no such delivery of this subscription, or it is still on its way.
pub fn redeliver(conn: &mut PgConnection, webhook: Uuid, id: Uuid) -> QueryResult<Option<Delivery>> {
    diesel::update(
        deliveries::table
            .filter(deliveries::webhook_id.eq(webhook))
            .filter(deliveries::id.eq(id))
            .filter(deliveries::status.eq_any([DeliveryStatus::Delivered, DeliveryStatus::GaveUp])),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Pending),
        deliveries::attempts.eq(0),
        deliveries::next_attempt_at.eq(diesel::dsl::now),
        deliveries::delivered_at.eq(None::<DateTime<Utc>>),
        deliveries::claimed_until.eq(None::<DateTime<Utc>>),
    ))
    .returning(Delivery::as_returning())
    .get_result(conn)
    .optional()
}

pub fn find_delivery(conn: &mut PgConnection, webhook: Uuid, id: Uuid) -> QueryResult<Option<Delivery>> {
    deliveries::table
        .filter(deliveries::webhook_id.eq(webhook))
        .filter(deliveries::id.eq(id))
        .select(Delivery::as_select())
        .first(conn)
        .optional()
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    scheme_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Claims up to `limit` due deliveries across every scheme for `lease_seconds` (the migration's
/// `webhook_claim`); rows another worker holds are skipped, never waited for.
pub fn claim(conn: &mut PgConnection, limit: i32, lease_seconds: i32) -> QueryResult<Vec<(SchemeId, Uuid)>> {
    let rows: Vec<Claimed> = diesel::sql_query("SELECT scheme_id, id FROM webhook_claim($1, $2)")
        .bind::<Integer, _>(limit)
        .bind::<Integer, _>(lease_seconds)
        .load(conn)?;
    Ok(rows.into_iter().map(|c| (SchemeId::from(c.scheme_id), c.id)).collect())
}

/// A claimed delivery with what sending it needs: its subscription's URL, secret and state.
pub fn for_sending(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<(Delivery, Webhook, String)>> {
    let Some(delivery) = deliveries::table
        .filter(deliveries::id.eq(id))
        .filter(deliveries::status.eq(DeliveryStatus::Sending))
        .select(Delivery::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let found: Option<(Webhook, String)> = webhooks::table
        .filter(webhooks::id.eq(delivery.webhook_id))
        .select((Webhook::as_select(), webhooks::secret))
        .first(conn)
        .optional()?;
    Ok(found.map(|(w, s)| (delivery, w, s)))
}

/// The receiver took it.
pub fn delivered(conn: &mut PgConnection, delivery: &Delivery, code: u16) -> QueryResult<()> {
    diesel::update(deliveries::table.filter(deliveries::id.eq(delivery.id)))
        .set((
            deliveries::status.eq(DeliveryStatus::Delivered),
            deliveries::delivered_at.eq(diesel::dsl::now),
            deliveries::last_status_code.eq(i32::from(code)),
            deliveries::last_error.eq(None::<String>),
            deliveries::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)?;
    diesel::update(webhooks::table.filter(webhooks::id.eq(delivery.webhook_id)))
        .set(webhooks::last_success_at.eq(diesel::dsl::now))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: tried again at `next`, or given up when there is none.
pub fn failed(
    conn: &mut PgConnection,
    id: Uuid,
    code: Option<u16>,
    error: &str,
    next: Option<DateTime<Utc>>,
) -> QueryResult<usize> {
    let status = if next.is_some() { DeliveryStatus::Pending } else { DeliveryStatus::GaveUp };
    diesel::update(deliveries::table.filter(deliveries::id.eq(id)))
        .set((
            deliveries::status.eq(status),
            deliveries::last_status_code.eq(code.map(i32::from)),
            deliveries::last_error.eq(error.chars().take(500).collect::<String>()),
            deliveries::next_attempt_at.eq(next.unwrap_or_else(Utc::now)),
            deliveries::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
}

/// Switches a subscription off (if it is on) and gives up what it still had queued. Returns it
/// when this call switched it off.
pub fn disable(conn: &mut PgConnection, id: Uuid, reason: &str) -> QueryResult<Option<Webhook>> {
    let switched: Option<Webhook> =
        diesel::update(webhooks::table.filter(webhooks::id.eq(id)).filter(webhooks::enabled.eq(true)))
            .set((
                webhooks::enabled.eq(false),
                webhooks::disabled_at.eq(diesel::dsl::now),
                webhooks::disabled_reason.eq(reason),
                webhooks::version.eq(webhooks::version + 1),
                webhooks::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Webhook::as_returning())
            .get_result(conn)
            .optional()?;
    if switched.is_some() {
        give_up_queued(conn, id)?;
    }
    Ok(switched)
}

/// What a switched-off subscription had waiting is given up (it stays in the log to redeliver).
pub fn give_up_queued(conn: &mut PgConnection, webhook: Uuid) -> QueryResult<usize> {
    diesel::update(
        deliveries::table
            .filter(deliveries::webhook_id.eq(webhook))
            .filter(deliveries::status.eq_any([DeliveryStatus::Pending, DeliveryStatus::Sending])),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::GaveUp),
        deliveries::last_error.eq("the subscription was switched off"),
        deliveries::claimed_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
}
