//! Outbox queries, and what the scheduled pass reads.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Uuid as SqlUuid};
use serde_json::Value;
use uuid::Uuid;

use super::models::{Channel, NewNotice, NoticeKind, NoticeStatus, OutboxRow};
use crate::db::schema::{holds, loans, notice_templates, outbox, sim_allocations, sim_batches, sims};
use crate::ids::{DeviceId, HoldId, HubId, LoanId, ResidentId, SchemeId, UserId};

/// Queues a notice; false if one with its natural key is already queued (nothing changes).
pub fn queue(conn: &mut PgConnection, notice: &NewNotice) -> QueryResult<bool> {
    let added = diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(crate::db::new_id()),
            outbox::natural_key.eq(&notice.natural_key),
            outbox::kind.eq(notice.kind),
            outbox::resident_id.eq(notice.resident_id),
            outbox::hub_id.eq(notice.hub_id),
            outbox::data.eq(&notice.data),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(added == 1)
}

/// Queues a notice to a member of staff or a partner (by email), once per key.
pub fn queue_for_user(
    conn: &mut PgConnection,
    user: UserId,
    key: &str,
    kind: NoticeKind,
    data: &Value,
) -> QueryResult<bool> {
    let added = diesel::insert_into(outbox::table)
        .values((
            outbox::id.eq(crate::db::new_id()),
            outbox::natural_key.eq(key),
            outbox::kind.eq(kind),
            outbox::user_id.eq(user),
            outbox::data.eq(data),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(added == 1)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    scheme_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Claims up to `limit` due notices across every scheme for `lease_seconds` (see the migration's
/// `outbox_claim`): rows another worker holds are skipped, never waited for.
pub fn claim(conn: &mut PgConnection, limit: i32, lease_seconds: i32) -> QueryResult<Vec<(SchemeId, Uuid)>> {
    let rows: Vec<Claimed> = diesel::sql_query("SELECT scheme_id, id FROM outbox_claim($1, $2)")
        .bind::<Integer, _>(limit)
        .bind::<Integer, _>(lease_seconds)
        .load(conn)?;
    Ok(rows.into_iter().map(|c| (SchemeId::from(c.scheme_id), c.id)).collect())
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<OutboxRow>> {
    outbox::table.filter(outbox::id.eq(id)).select(OutboxRow::as_select()).first(conn).optional()
}

/// The claimed notice went (or, for a printed letter, waits at the hub to be printed).
pub fn delivered(
    conn: &mut PgConnection,
    id: Uuid,
    channel: Channel,
    (recipient, subject, body): (Option<&str>, &str, &str),
    status: NoticeStatus,
) -> QueryResult<usize> {
    let sent_at = (status == NoticeStatus::Sent).then(Utc::now);
    diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::status.eq(NoticeStatus::Sending)))
        .set((
            outbox::status.eq(status),
            outbox::channel.eq(channel),
            outbox::recipient.eq(recipient),
            outbox::subject.eq(subject),
            outbox::body.eq(body),
            outbox::sent_at.eq(sent_at),
            outbox::claimed_until.eq(None::<DateTime<Utc>>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
}

/// Nothing will be sent: recorded with the reason.
pub fn skipped(conn: &mut PgConnection, id: Uuid, reason: &str) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::status.eq(NoticeStatus::Sending)))
        .set((
            outbox::status.eq(NoticeStatus::Skipped),
            outbox::last_error.eq(reason),
            outbox::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
}

/// A failed attempt: tried again at `next`, or given up when there is none.
pub fn failed(conn: &mut PgConnection, id: Uuid, error: &str, next: Option<DateTime<Utc>>) -> QueryResult<usize> {
    let status = if next.is_some() { NoticeStatus::Pending } else { NoticeStatus::GaveUp };
    diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::status.eq(NoticeStatus::Sending)))
        .set((
            outbox::status.eq(status),
            outbox::last_error.eq(error.chars().take(500).collect::<String>()),
            outbox::next_attempt_at.eq(next.unwrap_or_else(Utc::now)),
            outbox::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
}

/// Not yet (a text at night): waits until `until`, without counting as an attempt.
pub fn deferred(conn: &mut PgConnection, id: Uuid, until: DateTime<Utc>, reason: &str) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::status.eq(NoticeStatus::Sending)))
        .set((
            outbox::status.eq(NoticeStatus::Pending),
            outbox::attempts.eq(outbox::attempts - 1),
            outbox::next_attempt_at.eq(until),
            outbox::last_error.eq(reason),
            outbox::claimed_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
}

/// The scheme's notices, newest first, by status and kind.
pub fn list(
    conn: &mut PgConnection,
    status: Option<NoticeStatus>,
    kind: Option<NoticeKind>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut query = outbox::table
        .select(OutboxRow::as_select())
        .order((outbox::created_at.desc(), outbox::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status));
    }
    if let Some(kind) = kind {
        query = query.filter(outbox::kind.eq(kind));
    }
    query.load(conn)
}

pub fn of_resident(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::resident_id.eq(resident))
        .order((outbox::created_at, outbox::id))
        .select(OutboxRow::as_select())
        .limit(1000)
        .load(conn)
}

/// An open loan, as a reminder needs it.
pub type OpenLoan = (LoanId, ResidentId, HubId, DeviceId, NaiveDate);

/// Open loans due on one of `days`.
pub fn open_loans_due(conn: &mut PgConnection, days: &[NaiveDate]) -> QueryResult<Vec<OpenLoan>> {
    loans::table
        .filter(loans::returned_at.is_null())
        .filter(loans::lost_at.is_null())
        .filter(loans::due_on.eq_any(days))
        .select((loans::id, loans::resident_id, loans::hub_id, loans::device_id, loans::due_on))
        .order(loans::id)
        .load(conn)
}

/// A ready hold: who waits, where, for what, until when.
pub type ReadyHold = (HoldId, ResidentId, HubId, String, DateTime<Utc>);

/// Ready holds whose collection deadline falls between `from` and `to`.
pub fn holds_lapsing(conn: &mut PgConnection, from: DateTime<Utc>, to: DateTime<Utc>) -> QueryResult<Vec<ReadyHold>> {
    holds::table
        .filter(holds::status.eq("ready"))
        .filter(holds::expires_at.ge(from))
        .filter(holds::expires_at.le(to))
        .select((holds::id, holds::resident_id, holds::hub_id, holds::category, holds::expires_at.assume_not_null()))
        .order(holds::id)
        .load(conn)
}

/// SIMs still held whose data ends on `on`, with their network.
pub fn sims_ending(conn: &mut PgConnection, on: NaiveDate) -> QueryResult<Vec<(Uuid, ResidentId, HubId, String)>> {
    sim_allocations::table
        .inner_join(sims::table.inner_join(sim_batches::table))
        .filter(sim_allocations::ended_at.is_null())
        .filter(sim_allocations::expires_on.eq(on))
        .select((sim_allocations::id, sim_allocations::resident_id, sim_allocations::hub_id, sim_batches::network))
        .order(sim_allocations::id)
        .load(conn)
}

/// The letters of a hub's day to print: those waiting, and those printed already (a reprint).
pub fn letters(
    conn: &mut PgConnection,
    hub: HubId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<OutboxRow>> {
    outbox::table
        .filter(outbox::hub_id.eq(hub))
        .filter(outbox::channel.eq(Channel::Print))
        .filter(outbox::status.eq_any([NoticeStatus::ToPrint, NoticeStatus::Sent]))
        .filter(outbox::created_at.ge(from))
        .filter(outbox::created_at.le(to))
        .order((outbox::resident_id, outbox::created_at))
        .select(OutboxRow::as_select())
        .load(conn)
}

/// Letters printed: sent now.
pub fn printed(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)).filter(outbox::status.eq(NoticeStatus::ToPrint)))
        .set((outbox::status.eq(NoticeStatus::Sent), outbox::sent_at.eq(Utc::now())))
        .execute(conn)
}

/// The scheme's own wording for a kind, if it has one.
pub fn template(conn: &mut PgConnection, kind: NoticeKind) -> QueryResult<Option<(String, String)>> {
    notice_templates::table
        .filter(notice_templates::kind.eq(kind))
        .select((notice_templates::subject, notice_templates::body))
        .first(conn)
        .optional()
}

pub fn save_template(
    conn: &mut PgConnection,
    kind: NoticeKind,
    subject: &str,
    body: &str,
    by: crate::ids::UserId,
) -> QueryResult<()> {
    diesel::insert_into(notice_templates::table)
        .values((
            notice_templates::kind.eq(kind),
            notice_templates::subject.eq(subject),
            notice_templates::body.eq(body),
            notice_templates::updated_by.eq(by),
        ))
        .on_conflict((notice_templates::scheme_id, notice_templates::kind))
        .do_update()
        .set((
            notice_templates::subject.eq(subject),
            notice_templates::body.eq(body),
            notice_templates::updated_by.eq(by),
            notice_templates::updated_at.eq(Utc::now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn reset_template(conn: &mut PgConnection, kind: NoticeKind) -> QueryResult<bool> {
    Ok(diesel::delete(notice_templates::table.filter(notice_templates::kind.eq(kind))).execute(conn)? == 1)
}
