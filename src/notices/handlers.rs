//! `GET /api/v1/residents/{id}/messages`; `queue` (a change's own notice, in its transaction),
//! `pass` (what a day brings) and `deliver` (one claimed notice) are the steps other slices and
//! the worker run.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::PgConnection;
use serde_json::{Value, json};
use uuid::Uuid;

use super::models::{
    Channel, LettersQuery, Message, Messages, NewNotice, Notice, NoticeKind, NoticeStatus, Notices, NoticesQuery,
    Outgoing, Preview, PreviewInput, Senders, Template, TemplateInput, Templates,
};
use super::repo;
use super::rules;
use crate::auth::{ADMIN, Principal, STAFF};
use crate::http::{ApiError, AppState, Json, Query, run_blocking};
use crate::ids::{HubId, ResidentId, UserId};

/// Queues a notice in the caller's transaction: it goes only if the change commits, and once.
pub fn queue(conn: &mut PgConnection, notice: &NewNotice) -> Result<(), ApiError> {
    repo::queue(conn, notice)?;
    Ok(())
}

/// Queues an email to a member of staff or a partner (a webhook of theirs switched off), in the
/// caller's transaction, once per `key`.
pub fn tell_user(conn: &mut PgConnection, user: UserId, key: &str, data: &Value) -> Result<(), ApiError> {
    repo::queue_for_user(conn, user, key, NoticeKind::WebhookDisabled, data)?;
    Ok(())
}

/// Queues what `today` brings in the caller's scheme: loans due soon and overdue on the reminder
/// days, held devices to collect by tomorrow, SIMs whose data ends in a week. Running it again the
/// same day queues nothing new. Returns how many were queued.
pub fn pass(conn: &mut PgConnection, today: NaiveDate, days: NoticeDays) -> Result<usize, ApiError> {
    let mut hubs = HubNames::default();
    Ok(loans_due(conn, today, days.due_soon, &mut hubs)?
        + holds_lapsing(conn, today, &mut hubs)?
        + sims_ending(conn, today, days.sim_ending, &mut hubs)?)
}

/// How far ahead a scheme tells residents: of a loan falling due, of free data ending (days).
#[derive(Debug, Clone, Copy)]
pub struct NoticeDays {
    pub due_soon: i64,
    pub sim_ending: i64,
}

impl Default for NoticeDays {
    fn default() -> Self {
        Self { due_soon: rules::DUE_SOON_DAYS, sim_ending: rules::SIM_ENDING_DAYS }
    }
}

/// Hub names, looked up once per pass.
#[derive(Default)]
struct HubNames(HashMap<HubId, String>);

impl HubNames {
    fn of(&mut self, conn: &mut PgConnection, hub: HubId) -> Result<String, ApiError> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(hub) {
            slot.insert(crate::hubs::repo::find(conn, hub)?.map(|h| h.name).unwrap_or_default());
        }
        Ok(self.0[&hub].clone())
    }
}

fn loans_due(conn: &mut PgConnection, today: NaiveDate, ahead: i64, hubs: &mut HubNames) -> Result<usize, ApiError> {
    let (soon, overdue) = rules::due_dates_for(today, ahead);
    let mut days: Vec<NaiveDate> = overdue.iter().map(|(_, d)| *d).collect();
    days.push(soon);
    let mut queued = 0;
    for (loan, resident, hub, device, due_on) in repo::open_loans_due(conn, &days)? {
        let Some(device) = crate::devices::repo::find(conn, device)? else { continue };
        let mut data = json!({ "device": crate::devices::rules::fields::describe(&device), "asset_tag": device.asset_tag,
                               "due_on": due_on.format("%-d %B %Y").to_string(), "hub": hubs.of(conn, hub)? });
        let (kind, key) = match overdue.iter().find(|(_, d)| *d == due_on) {
            Some((days_late, _)) => {
                data["days_overdue"] = json!(days_late);
                (NoticeKind::LoanOverdue, rules::key_overdue(loan.uuid(), due_on, *days_late))
            }
            None => (NoticeKind::LoanDueSoon, rules::key_due_soon(loan.uuid(), due_on)),
        };
        let notice = NewNotice { natural_key: key, kind, resident_id: resident, hub_id: Some(hub), data };
        queued += usize::from(repo::queue(conn, &notice)?);
    }
    Ok(queued)
}

/// Held devices whose collection deadline is today or tomorrow.
fn holds_lapsing(conn: &mut PgConnection, today: NaiveDate, hubs: &mut HubNames) -> Result<usize, ApiError> {
    let (from, to) =
        (crate::calendar::start_of_day(today), crate::calendar::end_of_day(today + chrono::Duration::days(1)));
    let mut queued = 0;
    for (hold, resident, hub, category, until) in repo::holds_lapsing(conn, from, to)? {
        let data =
            json!({ "category": category, "hub": hubs.of(conn, hub)?, "collect_by": rules::collect_by_text(until) });
        let key = rules::key_hold_lapsing(hold.uuid(), until);
        let notice = NewNotice {
            natural_key: key,
            kind: NoticeKind::HoldLapsing,
            resident_id: resident,
            hub_id: Some(hub),
            data,
        };
        queued += usize::from(repo::queue(conn, &notice)?);
    }
    Ok(queued)
}

/// SIMs whose free data ends in a week.
fn sims_ending(conn: &mut PgConnection, today: NaiveDate, ahead: i64, hubs: &mut HubNames) -> Result<usize, ApiError> {
    let on = today + chrono::Duration::days(ahead);
    let mut queued = 0;
    for (allocation, resident, hub, network) in repo::sims_ending(conn, on)? {
        let data =
            json!({ "network": network, "ends_on": on.format("%-d %B %Y").to_string(), "hub": hubs.of(conn, hub)? });
        let key = rules::key_sim_ending(allocation, on);
        let notice =
            NewNotice { natural_key: key, kind: NoticeKind::SimEnding, resident_id: resident, hub_id: Some(hub), data };
        queued += usize::from(repo::queue(conn, &notice)?);
    }
    Ok(queued)
}

/// Queues "your device is ready to collect" in the transaction that reserved it for the hold.
pub fn hold_ready(
    conn: &mut PgConnection,
    (hold, resident, hub): (crate::ids::HoldId, ResidentId, HubId),
    category: &str,
    until: DateTime<Utc>,
) -> Result<(), ApiError> {
    let name = HubNames::default().of(conn, hub)?;
    let data = json!({ "category": category, "hub": name, "collect_by": rules::collect_by_text(until) });
    let key = rules::key_hold_ready(hold.uuid(), until);
    repo::queue(
        conn,
        &NewNotice { natural_key: key, kind: NoticeKind::HoldReady, resident_id: resident, hub_id: Some(hub), data },
    )?;
    Ok(())
}

/// Sends one claimed notice through the resident's channel and records what happened. A failure
/// to send is kept for another try (or given up after the last); it is not an error here.
pub fn deliver(conn: &mut PgConnection, id: Uuid, senders: &dyn Senders, now: DateTime<Utc>) -> Result<(), ApiError> {
    let Some(row) = repo::find(conn, id)? else { return Ok(()) };
    if let Some(user) = row.user_id {
        return deliver_to_user(conn, &row, user, senders, now);
    }
    let resident = match row.resident_id {
        Some(r) => crate::residents::repo::find(conn, r)?.filter(|r| r.erased_at.is_none()),
        None => None,
    };
    let Some(resident) = resident else {
        repo::skipped(conn, id, "the resident's record was erased")?;
        return Ok(());
    };
    let (channel, to) = match route(&resident, senders) {
        Ok(found) => found,
        Err(reason) => {
            repo::skipped(conn, id, reason)?;
            return Ok(());
        }
    };
    let template = repo::template(conn, row.kind)?;
    let wording = template.as_ref().map(|(s, b)| (s.as_str(), b.as_str()));
    match rules::compose(row.kind, wording, &row.data, resident.name.as_deref()) {
        Ok(text) => send(conn, (id, row.attempts), channel, &to, text, senders, now),
        Err(e) => Ok(repo::failed(conn, id, &e, None).map(|_| ())?),
    }
}

/// The channel a resident's notice goes by, and where to: their email address, mobile number or
/// postal address (a line each), or nothing for a letter printed at the hub.
fn route(
    resident: &crate::residents::models::ResidentRow,
    senders: &dyn Senders,
) -> Result<(Channel, String), &'static str> {
    let (email, phone) = (resident.email.as_deref(), resident.phone.as_deref());
    let address = rules::postal_address(
        resident.name.as_deref(),
        resident.address_lines.as_deref(),
        resident.postcode.as_deref(),
    );
    let reach = rules::Reach { email, phone, post: address.is_some() };
    let ways = rules::Ways {
        email: senders.email_configured(),
        sms: senders.sms_configured(),
        letter: senders.letters_configured(),
    };
    let channel = rules::channel(resident.contact_consent, reach, ways)?;
    let to = match channel {
        Channel::Sms => phone.map(str::to_owned),
        Channel::Letter => address,
        Channel::Email => email.map(str::to_owned),
        Channel::Print => None,
    };
    Ok((channel, to.unwrap_or_default()))
}

/// Sends a composed notice by `channel`; a printed letter waits at the hub to be printed.
fn send(
    conn: &mut PgConnection,
    (id, attempts): (Uuid, i32),
    channel: Channel,
    to: &str,
    (subject, body): (String, String),
    senders: &dyn Senders,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let outgoing = Outgoing { to: to.to_owned(), subject: subject.clone(), body: body.clone() };
    let sent = match channel {
        Channel::Email => senders.send_email(&outgoing),
        Channel::Sms => match rules::text_allowed_at(now) {
            Ok(()) => senders.send_sms(&outgoing, &id.to_string()),
            Err(morning) => {
                repo::deferred(conn, id, morning, "no texts between 20:00 and 08:00")?;
                return Ok(());
            }
        },
        Channel::Letter => senders.send_letter(&outgoing, &id.to_string()),
        Channel::Print => {
            repo::delivered(conn, id, Channel::Print, (None, &subject, &body), NoticeStatus::ToPrint)?;
            return Ok(());
        }
    };
    match sent {
        Ok(()) => repo::delivered(conn, id, channel, (Some(to), &subject, &body), NoticeStatus::Sent)?,
        Err(e) => repo::failed(conn, id, &e, rules::retry_at(now, attempts))?,
    };
    Ok(())
}

/// A notice to staff or a partner: by email, in the service's own words; they consented to
/// operational mail by taking an account.
fn deliver_to_user(
    conn: &mut PgConnection,
    row: &super::models::OutboxRow,
    user: UserId,
    senders: &dyn Senders,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let Some(account) = crate::users::repo::find(conn, user)?.filter(|u| u.active) else {
        repo::skipped(conn, row.id, "the account is no longer active")?;
        return Ok(());
    };
    if !senders.email_configured() {
        repo::skipped(conn, row.id, "no SMTP server is configured")?;
        return Ok(());
    }
    match rules::compose(row.kind, None, &row.data, Some(&account.display_name)) {
        Ok(text) => send(conn, (row.id, row.attempts), Channel::Email, &account.email, text, senders, now),
        Err(e) => Ok(repo::failed(conn, row.id, &e, None).map(|_| ())?),
    }
}

/// What was sent to a resident, and what was not and why, oldest first.
pub async fn messages(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<ResidentId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        crate::residents::repo::find(conn, id)?.ok_or_else(|| ApiError::not_found("resident"))?;
        Ok(repo::of_resident(conn, id)?.into_iter().map(Message::from).collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Messages { items }))
}

/// Every notice in the scheme, newest first — `?status=gave_up` is what could not be sent after
/// every retry, `skipped` what was not sent and why. Admins.
pub async fn list(
    state: web::Data<AppState>,
    who: Principal,
    Query(query): Query<NoticesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid_query("limit must be 1 to 200", "limit", "must be 1 to 200"));
    }
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        Ok(repo::list(conn, query.status, query.kind, limit)?.into_iter().map(Notice::from).collect())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Notices { items }))
}

/// The resident's messages, for the subject access export.
pub fn export_section(conn: &mut PgConnection, resident: ResidentId) -> Result<Vec<Value>, ApiError> {
    repo::of_resident(conn, resident)?
        .into_iter()
        .map(|r| serde_json::to_value(Message::from(r)).map_err(ApiError::internal))
        .collect()
}

/// The day's letters to print at a hub, for residents with neither email nor phone, as one page;
/// fetching it marks them sent (printed). Fetching it again reprints the same letters.
pub async fn letters(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<HubId>,
    Query(query): Query<LettersQuery>,
) -> Result<HttpResponse, ApiError> {
    let hub = id.into_inner();
    let day = query.date.map(|d| d.day()).unwrap_or_else(|| crate::calendar::local_date(Utc::now()));
    let html = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let name = crate::hubs::repo::find(conn, hub)?
            .filter(|_| actor.works_at(hub))
            .ok_or_else(|| ApiError::not_found("hub"))?
            .name;
        let (from, to) = (crate::calendar::start_of_day(day), crate::calendar::end_of_day(day));
        let rows = repo::letters(conn, hub, from, to)?;
        let mut sheets = Vec::new();
        for row in &rows {
            let resident = match row.resident_id {
                Some(r) => crate::residents::repo::find(conn, r)?,
                None => None,
            };
            let (name, postcode) = resident.map(|r| (r.name, r.postcode)).unwrap_or_default();
            sheets.push((
                name,
                postcode,
                row.subject.clone().unwrap_or_default(),
                row.body.clone().unwrap_or_default(),
            ));
        }
        repo::printed(conn, &rows.iter().map(|r| r.id).collect::<Vec<_>>())?;
        Ok(rules::letters_page(&name, day, &sheets))
    })
    .await?;
    Ok(crate::http::private_page(html))
}

/// Only notices to residents have a scheme's wording.
fn resident_kind(kind: NoticeKind) -> Result<NoticeKind, ApiError> {
    if rules::for_residents(kind) { Ok(kind) } else { Err(ApiError::not_found("notice template")) }
}

/// A kind's wording in the caller's scheme: its own, or the default.
fn template_of(conn: &mut PgConnection, kind: NoticeKind) -> Result<Template, ApiError> {
    let own = repo::template(conn, kind)?;
    let customised = own.is_some();
    let (subject, body) = own.unwrap_or_else(|| {
        let (s, b) = rules::default_template(kind);
        (s.to_owned(), b.to_owned())
    });
    Ok(Template { kind, subject, body, placeholders: rules::placeholders(kind), customised })
}

pub async fn templates(state: web::Data<AppState>, who: Principal) -> Result<HttpResponse, ApiError> {
    let items = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        NoticeKind::ALL
            .iter()
            .filter(|k| rules::for_residents(**k))
            .map(|k| template_of(conn, *k))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?;
    Ok(HttpResponse::Ok().json(Templates { items }))
}

/// Admins set the scheme's wording for a kind; a placeholder the kind does not have is refused.
pub async fn save_template(
    state: web::Data<AppState>,
    who: Principal,
    kind: web::Path<NoticeKind>,
    Json(input): Json<TemplateInput>,
) -> Result<HttpResponse, ApiError> {
    let kind = resident_kind(kind.into_inner())?;
    rules::check_template(kind, &input.subject, &input.body).map_err(ApiError::validation)?;
    let template = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, ADMIN)?;
        repo::save_template(conn, kind, input.subject.trim(), input.body.trim(), actor.user_id)?;
        template_of(conn, kind)
    })
    .await?;
    Ok(HttpResponse::Ok().json(template))
}

/// Back to the default wording.
pub async fn reset_template(
    state: web::Data<AppState>,
    who: Principal,
    kind: web::Path<NoticeKind>,
) -> Result<HttpResponse, ApiError> {
    let kind = resident_kind(kind.into_inner())?;
    run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, ADMIN)?;
        repo::reset_template(conn, kind)?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The wording (as given, or the kind's current one) filled with made-up values.
pub async fn preview(
    state: web::Data<AppState>,
    who: Principal,
    kind: web::Path<NoticeKind>,
    Json(input): Json<PreviewInput>,
) -> Result<HttpResponse, ApiError> {
    let kind = resident_kind(kind.into_inner())?;
    let preview = run_blocking(&state.pool, move |conn| {
        who.actor_in(conn, STAFF)?;
        let current = template_of(conn, kind)?;
        let subject = input.subject.unwrap_or(current.subject);
        let body = input.body.unwrap_or(current.body);
        rules::check_template(kind, &subject, &body).map_err(ApiError::validation)?;
        let (subject, body) = rules::compose(kind, Some((&subject, &body)), &rules::sample(kind), Some("Sam Sample"))
            .map_err(|e| ApiError::validation(vec![crate::http::FieldError::new("body", e)]))?;
        Ok(Preview { subject, body })
    })
    .await?;
    Ok(HttpResponse::Ok().json(preview))
}
