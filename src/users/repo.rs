//! Queries on users, their hub assignments and their API keys. Every function takes the request's
//! connection; callers own the transaction.

use std::collections::HashMap;

use chrono::Utc;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{ApiKeyRow, UserFilter, UserRow};
use super::rules::{AccountChange, NewAccount};
use crate::auth::Role;
use crate::db::schema::{api_keys, sign_in_emails, user_hubs, users};
use crate::http::PageRequest;
use crate::ids::{ApiKeyId, HubId, OrganisationId, UserId};

pub fn find(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional()
}

/// Whether any account on the platform signs in with `email`.
pub fn email_in_use(conn: &mut PgConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(sign_in_emails::table.find(email.trim().to_lowercase()))).get_result(conn)
}

/// The first step of a sign-in: enters the scheme `email` belongs to (emails are unique across the
/// platform) and returns its account, and whether that scheme is active.
pub fn sign_in_account(conn: &mut PgConnection, email: &str) -> QueryResult<Option<(UserRow, bool)>> {
    let entered = diesel::sql_query("SELECT user_id AS id, scheme_active FROM enter_scheme_of_email($1)")
        .bind::<diesel::sql_types::Text, _>(email)
        .get_result::<Entered>(conn)
        .optional()?;
    let Some(entered) = entered else { return Ok(None) };
    Ok(find(conn, UserId(entered.id))?.map(|user| (user, entered.scheme_active)))
}

/// A live API key (its id and secret digest), its owner, and whether the owner's scheme is active.
pub type KeySignIn = (ApiKeyId, Vec<u8>, UserRow, bool);

/// The first step of a token exchange: enters the scheme of the API key with `prefix` and returns
/// the key (if live), its secret digest, its owner, and whether the scheme is active.
pub fn sign_in_key(conn: &mut PgConnection, prefix: &str) -> QueryResult<Option<KeySignIn>> {
    let entered = diesel::sql_query("SELECT key_id AS id, scheme_active FROM enter_scheme_of_key($1)")
        .bind::<diesel::sql_types::Text, _>(prefix)
        .get_result::<Entered>(conn)
        .optional()?;
    let Some(entered) = entered else { return Ok(None) };
    let key = api_keys::table
        .inner_join(users::table)
        .filter(api_keys::id.eq(entered.id))
        .filter(api_keys::revoked_at.is_null())
        .select((api_keys::id, api_keys::secret_sha256, UserRow::as_select()))
        .first::<(ApiKeyId, Vec<u8>, UserRow)>(conn)
        .optional()?;
    Ok(key.map(|(id, digest, user)| (id, digest, user, entered.scheme_active)))
}

/// What `enter_scheme_of_email` / `enter_scheme_of_key` answer: the scheme entered, the account's
/// or key's id, and whether the scheme is active.
#[derive(QueryableByName)]
struct Entered {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    scheme_active: bool,
}

/// The account and its hubs.
pub fn find_with_hubs(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<(UserRow, Vec<HubId>)>> {
    let Some(row) = find(conn, id)? else { return Ok(None) };
    let hubs = hub_ids(conn, id)?;
    Ok(Some((row, hubs)))
}

pub fn hub_ids(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<HubId>> {
    user_hubs::table.filter(user_hubs::user_id.eq(user)).select(user_hubs::hub_id).order(user_hubs::hub_id).load(conn)
}

pub fn hub_ids_of(conn: &mut PgConnection, users: &[UserId]) -> QueryResult<HashMap<UserId, Vec<HubId>>> {
    let pairs: Vec<(UserId, HubId)> = user_hubs::table
        .filter(user_hubs::user_id.eq_any(users))
        .select((user_hubs::user_id, user_hubs::hub_id))
        .order((user_hubs::user_id, user_hubs::hub_id))
        .load(conn)?;
    let mut map: HashMap<UserId, Vec<HubId>> = HashMap::new();
    for (user, hub) in pairs {
        map.entry(user).or_default().push(hub);
    }
    Ok(map)
}

pub fn replace_hubs(conn: &mut PgConnection, user: UserId, hubs: &[HubId]) -> QueryResult<()> {
    diesel::delete(user_hubs::table.filter(user_hubs::user_id.eq(user))).execute(conn)?;
    let mut hubs = hubs.to_vec();
    hubs.sort();
    hubs.dedup();
    let rows: Vec<_> = hubs.iter().map(|hub| (user_hubs::user_id.eq(user), user_hubs::hub_id.eq(*hub))).collect();
    diesel::insert_into(user_hubs::table).values(rows).execute(conn)?;
    Ok(())
}

/// Creates the account and gives it its hubs; the caller owns the transaction.
pub fn create_account(
    conn: &mut PgConnection,
    new: &NewAccount,
    password_hash: Option<String>,
) -> QueryResult<(UserRow, Vec<HubId>)> {
    let row: UserRow = diesel::insert_into(users::table)
        .values((
            users::id.eq(UserId::new()),
            users::email.eq(&new.email),
            users::display_name.eq(&new.display_name),
            users::password_hash.eq(password_hash),
            users::role.eq(new.role),
            users::organisation_id.eq(new.organisation_id),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)?;
    replace_hubs(conn, row.id, &new.hub_ids)?;
    let hubs = hub_ids(conn, row.id)?;
    Ok((row, hubs))
}

pub fn list(conn: &mut PgConnection, filter: &UserFilter, page: &PageRequest) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(after) = page.after {
        query = query.filter(users::id.gt(after));
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(hub) = filter.hub_id {
        query = query
            .filter(users::id.eq_any(user_hubs::table.filter(user_hubs::hub_id.eq(hub)).select(user_hubs::user_id)));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", crate::db::like_escape(q));
        query = query.filter(users::email.ilike(pattern.clone()).or(users::display_name.ilike(pattern)));
    }
    query.order(users::id).limit(page.fetch()).load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
struct UserChanges {
    display_name: Option<String>,
    role: Option<Role>,
    password_hash: Option<Option<String>>,
    organisation_id: Option<Option<OrganisationId>>,
    active: Option<bool>,
}

/// Applies `change` (and a new password hash) if the row is still at `version`, moving the token
/// epoch on when the change ends the account's tokens; None when the row moved on (or vanished).
pub fn apply_change(
    conn: &mut PgConnection,
    id: UserId,
    version: i32,
    change: &AccountChange,
    password_hash: Option<String>,
) -> QueryResult<Option<(UserRow, Vec<HubId>)>> {
    let ends_tokens = change.ends_tokens || password_hash.is_some();
    let changes = UserChanges {
        display_name: change.display_name.clone(),
        role: change.role,
        password_hash: password_hash.map(Some),
        organisation_id: change.organisation_id,
        active: change.active,
    };
    let row = diesel::update(users::table.filter(users::id.eq(id)).filter(users::version.eq(version)))
        .set((
            changes,
            users::version.eq(users::version + 1),
            users::updated_at.eq(Utc::now()),
            users::token_epoch.eq(users::token_epoch + i32::from(ends_tokens)),
        ))
        .returning(UserRow::as_returning())
        .get_result(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    if let Some(hubs) = &change.hub_ids {
        replace_hubs(conn, id, hubs)?;
    }
    let hubs = hub_ids(conn, id)?;
    Ok(Some((row, hubs)))
}

/// Active admins other than `except`.
pub fn other_active_admins(conn: &mut PgConnection, except: UserId) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .filter(users::id.ne(except))
        .count()
        .get_result(conn)
}

pub fn delete(conn: &mut PgConnection, id: UserId) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}

pub fn insert_api_key(
    conn: &mut PgConnection,
    user: UserId,
    name: &str,
    prefix: &str,
    secret_sha256: &[u8],
) -> QueryResult<ApiKeyRow> {
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(ApiKeyId::new()),
            api_keys::user_id.eq(user),
            api_keys::name.eq(name.trim()),
            api_keys::prefix.eq(prefix),
            api_keys::secret_sha256.eq(secret_sha256),
        ))
        .returning(ApiKeyRow::as_returning())
        .get_result(conn)
}

pub fn api_keys_of(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table.filter(api_keys::user_id.eq(user)).select(ApiKeyRow::as_select()).order(api_keys::id).load(conn)
}

/// Marks a key revoked (keeping the first revocation time); false if the user has no such key.
pub fn revoke_api_key(conn: &mut PgConnection, user: UserId, key: ApiKeyId) -> QueryResult<bool> {
    let found = api_keys::table
        .filter(api_keys::id.eq(key))
        .filter(api_keys::user_id.eq(user))
        .count()
        .get_result::<i64>(conn)?;
    diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(key))
            .filter(api_keys::user_id.eq(user))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(Utc::now()))
    .execute(conn)?;
    Ok(found > 0)
}

pub fn touch_api_key(conn: &mut PgConnection, key: ApiKeyId) -> QueryResult<()> {
    diesel::update(api_keys::table.find(key)).set(api_keys::last_used_at.eq(Utc::now())).execute(conn).map(|_| ())
}
