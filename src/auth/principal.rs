//! The caller. `Principal` is extracted from the bearer token (signature and claims checked, no
//! database yet); inside the request's `run_blocking` closure `Principal::actor` confirms it against
//! the database and yields the `Actor` that handlers authorise with. A handler cannot learn the
//! caller's role without that confirmation.

use super::Role;
use super::jwt::{Claims, JwtKeys};
use crate::db::schema::{api_keys, users};
use crate::http::{ApiError, Caller, Callers};
use crate::ids::{HubId, OrganisationId, UserId};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Array;
use futures_util::future::{Ready, ready};

pub struct Principal {
    claims: Claims,
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(req))
    }
}

fn extract(req: &HttpRequest) -> Result<Principal, ApiError> {
    let keys = req.app_data::<web::Data<JwtKeys>>().ok_or_else(|| ApiError::internal("token keys missing"))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send an access token: Authorization: Bearer <token>"))?;
    let token = bearer(value.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be: Bearer <token>"))?;
    let claims = keys.verify(token)?;
    Ok(Principal { claims })
}

/// The token in an `Authorization: Bearer <token>` value.
fn bearer(value: Option<&str>) -> Option<&str> {
    value
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Idempotency keys belong to the token's subject, and a stored answer is replayed only while the
/// token is still honoured.
impl Callers for JwtKeys {
    fn identify(&self, req: &HttpRequest) -> Option<Caller> {
        let token = bearer(req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()))?;
        let claims = self.verify(token).ok()?;
        let id = claims.sub.to_string();
        let principal = Principal { claims };
        Some(Caller { id, confirm: Box::new(move |conn| principal.actor(conn).map(|_| ())) })
    }
}

/// A confirmed caller: the user as the database has it now.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub hub_ids: Vec<HubId>,
    pub organisation_id: Option<OrganisationId>,
}

impl Principal {
    /// Confirms the token against the database: the user exists and is active, its role and token
    /// epoch are unchanged, and the API key it came from (if any) is not revoked.
    pub fn actor(&self, conn: &mut PgConnection) -> Result<Actor, ApiError> {
        let stale = || ApiError::unauthorized("this token is no longer valid; sign in again");
        // One round trip for the user and their hubs: every authenticated request makes it.
        let (role, organisation_id, active, epoch, hub_ids) = users::table
            .find(self.claims.sub)
            .select((users::role, users::organisation_id, users::active, users::token_epoch, HubIdsOfUser))
            .first::<(Role, Option<OrganisationId>, bool, i32, Vec<HubId>)>(conn)
            .optional()?
            .ok_or_else(stale)?;
        if !active || epoch != self.claims.ep || role != self.claims.role {
            return Err(stale());
        }
        if let Some(kid) = self.claims.kid {
            let live = api_keys::table
                .filter(api_keys::id.eq(kid))
                .filter(api_keys::user_id.eq(self.claims.sub))
                .filter(api_keys::revoked_at.is_null())
                .count()
                .get_result::<i64>(conn)?;
            if live == 0 {
                return Err(stale());
            }
        }
        Ok(Actor { user_id: UserId(self.claims.sub), role, hub_ids, organisation_id })
    }

    /// `actor`, then 403 unless the caller has one of `roles`.
    pub fn actor_in(&self, conn: &mut PgConnection, roles: &[Role]) -> Result<Actor, ApiError> {
        let actor = self.actor(conn)?;
        actor.require(roles)?;
        Ok(actor)
    }
}

/// `ARRAY(SELECT hub_id FROM user_hubs …)` for the user row being read: the hubs come back with
/// the user in one statement. A type of its own (not `dsl::sql`) so that diesel keeps the
/// statement prepared on each connection instead of parsing and planning it on every request.
#[derive(Debug, Clone, Copy, QueryId, ValidGrouping)]
struct HubIdsOfUser;

impl Expression for HubIdsOfUser {
    type SqlType = Array<diesel::sql_types::Uuid>;
}

impl AppearsOnTable<users::table> for HubIdsOfUser {}

impl SelectableExpression<users::table> for HubIdsOfUser {}

impl QueryFragment<Pg> for HubIdsOfUser {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("ARRAY(SELECT user_hubs.hub_id FROM user_hubs WHERE user_hubs.user_id = users.id)");
        Ok(())
    }
}

impl Actor {
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Admins work at every hub; hub staff only at theirs.
    pub fn works_at(&self, hub_id: impl Into<HubId>) -> bool {
        let hub_id = hub_id.into();
        self.is_admin() || (self.role == Role::HubStaff && self.hub_ids.contains(&hub_id))
    }
}
