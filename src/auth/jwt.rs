//! Access tokens: HS256 JWTs with the algorithm pinned, `exp`, `iss`, `aud` and `sub` required and
//! checked, `nbf` honoured when present (RFC 7519 §4.1.5: a number, or the token is invalid) and an
//! `iat` from the future refused. Besides the role they carry the user's scheme and token epoch
//! (and the API key they came from), which the database must still agree with for the token to be
//! honoured.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;
use crate::http::ApiError;
use crate::ids::{ApiKeyId, SchemeId, UserId};

pub const ISSUER: &str = "tech4all";
pub const AUDIENCE: &str = "tech4all-api";

/// Clock skew allowed between instances when checking `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 5;
/// How far in the future an `iat` may be before the token is refused, in seconds.
const IAT_SKEW_SECS: u64 = 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: Uuid,
    /// The scheme the user belongs to (the platform's own row for platform administrators).
    pub sch: Uuid,
    pub role: Role,
    pub iat: u64,
    pub exp: u64,
    /// Not before (a NumericDate, which may have a fraction; `null` or text make the token
    /// invalid). Tokens issued here have none.
    #[serde(default, deserialize_with = "crate::http::json::non_null", skip_serializing_if = "Option::is_none")]
    pub nbf: Option<f64>,
    /// The user's token epoch when this token was issued.
    pub ep: i32,
    /// The API key this token was exchanged for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<Uuid>,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl: Duration,
}

/// What a successful sign-in answers.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation, ttl }
    }

    pub fn issue(
        &self,
        scheme: SchemeId,
        user: UserId,
        role: Role,
        epoch: i32,
        api_key: Option<ApiKeyId>,
    ) -> Result<TokenResponse, ApiError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user.uuid(),
            sch: scheme.uuid(),
            role,
            iat: now,
            exp: now + self.ttl.as_secs(),
            nbf: None,
            ep: epoch,
            kid: api_key.map(ApiKeyId::uuid),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::internal(format!("token signing failed: {e}")))?;
        Ok(TokenResponse { access_token: token, token_type: "Bearer", expires_in: self.ttl.as_secs() })
    }

    /// Checks signature, algorithm, expiry, issuer, audience and the token's own times.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let refused = || ApiError::unauthorized("the access token is invalid or has expired; sign in again");
        let claims =
            decode::<Claims>(token, &self.decoding, &self.validation).map(|data| data.claims).map_err(|e| {
                tracing::debug!(error = %e, "rejected token");
                refused()
            })?;
        if !in_force(&claims, jsonwebtoken::get_current_timestamp()) {
            tracing::debug!("rejected token: not yet valid, or issued in the future");
            return Err(refused());
        }
        Ok(claims)
    }
}

/// Whether a token's `nbf` has come and its `iat` is not in the future, at `now`.
fn in_force(claims: &Claims, now: u64) -> bool {
    let started = claims.nbf.is_none_or(|nbf| nbf.is_finite() && nbf <= (now + LEEWAY_SECS) as f64);
    started && claims.iat <= now + IAT_SKEW_SECS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&[7u8; 32], Duration::from_secs(60))
    }

    #[test]
    fn an_issued_token_verifies_with_its_claims() {
        let user = UserId::new();
        let token = keys().issue(SchemeId::FIRST, user, Role::HubStaff, 3, None).expect("issues").access_token;
        let claims = keys().verify(&token).expect("verifies");
        assert_eq!(
            (claims.sub, claims.sch, claims.role, claims.ep),
            (user.uuid(), SchemeId::FIRST.uuid(), Role::HubStaff, 3)
        );
    }

    fn claims(iat: u64, nbf: Option<f64>) -> Claims {
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: Uuid::now_v7(),
            sch: SchemeId::FIRST.uuid(),
            role: Role::Admin,
            iat,
            exp: iat + 60,
            nbf,
            ep: 0,
            kid: None,
        }
    }

    #[test]
    fn not_before_and_issued_at_are_checked_against_the_clock() {
        let now = 1_800_000_000;
        assert!(in_force(&claims(now, None), now));
        assert!(in_force(&claims(now, Some((now - 10) as f64)), now));
        assert!(in_force(&claims(now, Some(now as f64 + 4.5)), now), "within the leeway");
        assert!(!in_force(&claims(now, Some((now + 3600) as f64)), now), "an hour ahead");
        assert!(!in_force(&claims(now, Some(f64::NAN)), now));
        assert!(in_force(&claims(now + 60, None), now), "a minute of skew");
        assert!(!in_force(&claims(now + 61, None), now), "issued in the future");
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = JwtKeys::new(&[8u8; 32], Duration::from_secs(60));
        let token = other.issue(SchemeId::FIRST, UserId::new(), Role::Admin, 0, None).expect("issues").access_token;
        assert!(keys().verify(&token).is_err());
    }
}
