//! The caller. `Principal` is extracted from the bearer token (signature and claims checked, no
//! database yet); inside the request's `run_blocking` closure `Principal::actor` confirms it against
//! the database, enters the caller's scheme, and yields the `Actor` that handlers authorise with.
//! A handler cannot learn the caller's role, nor see any scheme's rows, without that confirmation.

use super::Role;
use super::jwt::{Claims, JwtKeys};
use crate::config::SchemeRules;
use crate::http::{ApiError, Caller, Callers};
use crate::ids::{HubId, OrganisationId, SchemeId, UserId};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, Bool, Integer, Nullable, Text, Uuid as SqlUuid};
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
        // One caller is one user of one scheme.
        let id = format!("{}:{}", claims.sch, claims.sub);
        let principal = Principal { claims };
        Some(Caller { id, confirm: Box::new(move |conn| principal.actor(conn).map(|_| ())) })
    }
}

/// A confirmed caller: the user as the database has it now.
#[derive(Debug, Clone)]
pub struct Actor {
    pub scheme_id: SchemeId,
    pub user_id: UserId,
    pub role: Role,
    pub hub_ids: Vec<HubId>,
    pub organisation_id: Option<OrganisationId>,
    /// The scheme's rules as they stand now.
    pub rules: SchemeRules,
}

/// What `confirm_caller` answers.
type Confirmed = (Role, Option<OrganisationId>, bool, i32, Vec<HubId>, bool, i32, i32, i32, i32, i32, String);

impl Principal {
    /// Confirms the token against the database and enters the caller's scheme, in one statement
    /// (`confirm_caller`): the user exists in the token's scheme and is active, its role and token
    /// epoch are unchanged, the API key it came from (if any) is not revoked, and the scheme is not
    /// suspended. Only then does the connection's row-level security admit the scheme's rows.
    /// Platform administrators are refused here: they work only through `platform_actor`.
    pub fn actor(&self, conn: &mut PgConnection) -> Result<Actor, ApiError> {
        let actor = self.confirm(conn)?;
        if actor.role == Role::PlatformAdmin {
            return Err(ApiError::forbidden());
        }
        Ok(actor)
    }

    /// `actor`, then 403 unless the caller has one of `roles`.
    pub fn actor_in(&self, conn: &mut PgConnection, roles: &[Role]) -> Result<Actor, ApiError> {
        let actor = self.actor(conn)?;
        actor.require(roles)?;
        Ok(actor)
    }

    /// A confirmed platform administrator, or 403.
    pub fn platform_actor(&self, conn: &mut PgConnection) -> Result<Actor, ApiError> {
        let actor = self.confirm(conn)?;
        actor.require(&[Role::PlatformAdmin])?;
        Ok(actor)
    }

    /// A confirmed caller of any role: for the caller's own account.
    pub fn any_actor(&self, conn: &mut PgConnection) -> Result<Actor, ApiError> {
        self.confirm(conn)
    }

    fn confirm(&self, conn: &mut PgConnection) -> Result<Actor, ApiError> {
        let stale = || ApiError::unauthorized("this token is no longer valid; sign in again");
        let claims = &self.claims;
        let (
            role,
            organisation_id,
            active,
            epoch,
            hub_ids,
            scheme_active,
            price,
            household,
            refund,
            sims,
            retention,
            receipt,
        ) = ConfirmCaller { scheme: claims.sch, user: claims.sub, key: claims.kid }
            .get_result::<Confirmed>(conn)
            .optional()?
            .ok_or_else(stale)?;
        if !active || epoch != claims.ep || role != claims.role {
            return Err(stale());
        }
        if !scheme_active {
            return Err(ApiError::scheme_suspended());
        }
        let rules = SchemeRules {
            sale_price_pence: price,
            household_rule_months: household,
            refund_window_days: refund,
            sim_limit_per_resident: sims,
            retention_months: retention,
            receipt_prefix: receipt,
        };
        Ok(Actor {
            scheme_id: SchemeId(claims.sch),
            user_id: UserId(claims.sub),
            role,
            hub_ids,
            organisation_id,
            rules,
        })
    }
}

/// `SELECT * FROM confirm_caller($1, $2, $3)`. A query type of its own (not `sql_query`) so that
/// diesel keeps the statement prepared on each connection instead of parsing it on every request.
#[derive(Debug, Clone, Copy, QueryId)]
struct ConfirmCaller {
    scheme: uuid::Uuid,
    user: uuid::Uuid,
    key: Option<uuid::Uuid>,
}

impl Query for ConfirmCaller {
    type SqlType = (
        Text,
        Nullable<SqlUuid>,
        Bool,
        Integer,
        Array<SqlUuid>,
        Bool,
        Integer,
        Integer,
        Integer,
        Integer,
        Integer,
        Text,
    );
}

impl QueryFragment<Pg> for ConfirmCaller {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "SELECT role, organisation_id, active, token_epoch, hub_ids, scheme_active, sale_price_pence, \
             household_rule_months, refund_window_days, sim_limit_per_resident, retention_months, receipt_prefix \
             FROM confirm_caller(",
        );
        out.push_bind_param::<SqlUuid, _>(&self.scheme)?;
        out.push_sql(", ");
        out.push_bind_param::<SqlUuid, _>(&self.user)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&self.key)?;
        out.push_sql(")");
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for ConfirmCaller {}

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
