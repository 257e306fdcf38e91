//! Sign-in, tokens and their attacks, disabled users, API keys, and the failed-login throttle.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use uuid::Uuid;

use tech4all::auth::Role;

use crate::helpers::{JWT_SECRET, PASSWORD, TestApp, assert_problem, json_ok};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret)).expect("signs")
}

fn claims_for(user: Uuid, role: &str) -> Value {
    json!({"iss": "tech4all", "aud": "tech4all-api", "sub": user, "sch": tech4all::ids::SchemeId::FIRST, "role": role, "iat": now(), "exp": now() + 600, "ep": 0})
}

#[actix_web::test]
async fn login_gives_a_bearer_token_that_opens_me() {
    let app = TestApp::spawn().await;
    let (id, email) = app.create_account(Role::Reporter, vec![], None);
    let response =
        app.post_json("/api/v1/auth/login", None, &json!({"email": email.to_uppercase(), "password": PASSWORD})).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = json_ok(response).await;
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_u64().is_some_and(|s| s > 0));
    let me = json_ok(app.get("/api/v1/me", body["access_token"].as_str()).await).await;
    assert_eq!(me["id"], id.to_string());
    assert_eq!(me["role"], "reporter");
    assert!(me.get("password_hash").is_none());
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_are_the_same_401() {
    let app = TestApp::spawn().await;
    let (_, email) = app.create_account(Role::Admin, vec![], None);
    let wrong = assert_problem(
        app.post_json("/api/v1/auth/login", None, &json!({"email": email, "password": "not the password"})).await,
        401,
    )
    .await;
    let unknown = assert_problem(
        app.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"email": "nobody@example.org", "password": "whatever it is"}),
        )
        .await,
        401,
    )
    .await;
    assert_eq!(wrong["detail"], unknown["detail"]);
}

#[actix_web::test]
async fn requests_without_a_token_or_with_a_garbled_one_are_401() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/me", None).await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_problem(response, 401).await;
    assert_problem(app.get("/api/v1/me", Some("garbage")).await, 401).await;
    let basic = app.client.get(app.url("/api/v1/me")).header("authorization", "Basic YTpi").send().await.expect("sent");
    assert_problem(basic, 401).await;
}

#[actix_web::test]
async fn forged_and_malformed_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Reporter).await;
    let good = claims_for(user.id, "reporter");
    assert_eq!(
        app.get("/api/v1/me", Some(&sign(&good, JWT_SECRET))).await.status(),
        200,
        "control: a well-formed token works"
    );

    let b64 = |v: &Value| base64_url_encode(v.to_string().as_bytes());
    // alg: none, unsigned.
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&good));
    // Signed with another key.
    let wrong_key = sign(&good, b"another-secret-that-is-32-bytes-long!!");
    // Expired well beyond the leeway.
    let mut expired = good.clone();
    expired["exp"] = json!(now() - 3600);
    // exp as a string, and no exp at all.
    let mut exp_string = good.clone();
    exp_string["exp"] = json!((now() + 600).to_string());
    let mut no_exp = good.clone();
    no_exp.as_object_mut().expect("object").remove("exp");
    // Wrong audience and issuer.
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("someone-else");
    let mut wrong_iss = good.clone();
    wrong_iss["iss"] = json!("someone-else");
    // A role claim tampered with after signing: the signature no longer matches.
    let signed = sign(&good, JWT_SECRET);
    let parts: Vec<&str> = signed.split('.').collect();
    let mut admin_claims = good.clone();
    admin_claims["role"] = json!("admin");
    let tampered = format!("{}.{}.{}", parts[0], b64(&admin_claims), parts[2]);
    // A correctly signed token whose role disagrees with the database.
    let role_mismatch = sign(&admin_claims, JWT_SECRET);

    for (name, token) in [
        ("alg none", none),
        ("wrong key", wrong_key),
        ("expired", sign(&expired, JWT_SECRET)),
        ("exp as string", sign(&exp_string, JWT_SECRET)),
        ("missing exp", sign(&no_exp, JWT_SECRET)),
        ("wrong aud", sign(&wrong_aud, JWT_SECRET)),
        ("wrong iss", sign(&wrong_iss, JWT_SECRET)),
        ("tampered role", tampered),
        ("role not in database", role_mismatch),
    ] {
        let response = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(response.status(), 401, "{name} must be refused");
    }
}

#[actix_web::test]
async fn tokens_not_yet_valid_or_issued_in_the_future_are_refused() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Reporter).await;
    let with = |name: &str, value: Value| {
        let mut claims = claims_for(user.id, "reporter");
        claims[name] = value;
        sign(&claims, JWT_SECRET)
    };
    for (name, token) in [
        ("nbf an hour ahead", with("nbf", json!(now() + 3600))),
        ("nbf as text", with("nbf", json!("tomorrow"))),
        ("nbf as a numeric string", with("nbf", json!(now().to_string()))),
        ("nbf null", with("nbf", Value::Null)),
        ("iat two minutes ahead", with("iat", json!(now() + 120))),
    ] {
        let response = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(response.status(), 401, "{name} must be refused");
    }
    for (name, token) in [
        ("nbf passed", with("nbf", json!(now() - 60))),
        ("nbf with a fraction", with("nbf", json!(now() as f64 - 0.5))),
        ("iat a few seconds ahead", with("iat", json!(now() + 10))),
    ] {
        let response = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(response.status(), 200, "{name} must be accepted");
    }
}

/// URL-safe base64 without padding, as JWTs use.
fn base64_url_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[actix_web::test]
async fn disabling_a_user_stops_their_token_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let staff = app.user(Role::Reporter).await;
    assert_eq!(app.get("/api/v1/me", Some(&staff.token)).await.status(), 200);
    let path = format!("/api/v1/users/{}", staff.id);
    let etag = app.get(&path, Some(&admin.token)).await.headers()["etag"].to_str().expect("etag").to_owned();
    json_ok(app.patch_json(&path, Some(&admin.token), Some(&etag), &json!({"active": false})).await).await;
    assert_problem(app.get("/api/v1/me", Some(&staff.token)).await, 401).await;
    assert_problem(
        app.post_json("/api/v1/auth/login", None, &json!({"email": staff.email, "password": PASSWORD})).await,
        401,
    )
    .await;
}

#[actix_web::test]
async fn changing_a_password_stops_existing_tokens() {
    let app = TestApp::spawn().await;
    let user = app.user(Role::Reporter).await;
    let bad = app
        .post_json(
            "/api/v1/me/password",
            Some(&user.token),
            &json!({"current_password": "not it at all", "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(assert_problem(bad, 403).await["errors"][0]["field"], "current_password");
    let response = app
        .post_json(
            "/api/v1/me/password",
            Some(&user.token),
            &json!({"current_password": PASSWORD, "new_password": "a brand new password"}),
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_problem(app.get("/api/v1/me", Some(&user.token)).await, 401).await;
    let fresh = app.login(&user.email, "a brand new password").await;
    assert_eq!(app.get("/api/v1/me", Some(&fresh)).await.status(), 200);
}

#[actix_web::test]
async fn an_api_key_exchanges_for_a_token_until_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (partner_id, _) = app.create_account(Role::Partner, vec![], Some(app.insert_organisation("Refurbisher")));
    let created = app
        .post_json(
            &format!("/api/v1/users/{partner_id}/api-keys"),
            Some(&admin.token),
            &json!({"name": "nightly sync"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let key = json_ok(created).await;
    let secret = key["api_key"].as_str().expect("key shown once").to_owned();

    let listed = json_ok(app.get(&format!("/api/v1/users/{partner_id}/api-keys"), Some(&admin.token)).await).await;
    assert!(listed["items"][0].get("api_key").is_none(), "the key is never shown again");
    assert!(!listed.to_string().contains(&secret[16..]));

    let token = json_ok(app.post_json("/api/v1/auth/token", None, &json!({"api_key": secret})).await).await;
    let token = token["access_token"].as_str().expect("token").to_owned();
    let me = json_ok(app.get("/api/v1/me", Some(&token)).await).await;
    assert_eq!(me["role"], "partner");

    let revoke = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/users/{partner_id}/api-keys/{}", key["id"].as_str().expect("id")),
            Some(&admin.token),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(revoke.status(), 204);
    assert_problem(app.get("/api/v1/me", Some(&token)).await, 401).await;
    assert_problem(app.post_json("/api/v1/auth/token", None, &json!({"api_key": secret})).await, 401).await;
    assert_problem(app.post_json("/api/v1/auth/token", None, &json!({"api_key": "t4a_nonsense"})).await, 401).await;
}

#[actix_web::test]
async fn repeated_failed_logins_for_one_account_are_throttled() {
    let app = TestApp::spawn_with(|s| s.login.max_failures_per_account = 3).await;
    let (_, email) = app.create_account(Role::Reporter, vec![], None);
    for _ in 0..3 {
        assert_problem(
            app.post_json("/api/v1/auth/login", None, &json!({"email": email, "password": "wrong password!"})).await,
            401,
        )
        .await;
    }
    let response = app.post_json("/api/v1/auth/login", None, &json!({"email": email, "password": PASSWORD})).await;
    let retry: u64 = response.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!(retry > 0 && retry <= 900);
    assert_problem(response, 429).await;
}

#[actix_web::test]
async fn repeated_failed_logins_from_one_address_are_throttled() {
    let app = TestApp::spawn_with(|s| s.login.max_failures_per_address = 4).await;
    let (_, email) = app.create_account(Role::Reporter, vec![], None);
    for i in 0..4 {
        let body = json!({"email": format!("guess{i}@example.org"), "password": "wrong password!"});
        assert_problem(app.post_json("/api/v1/auth/login", None, &body).await, 401).await;
    }
    let response = app.post_json("/api/v1/auth/login", None, &json!({"email": email, "password": PASSWORD})).await;
    assert_problem(response, 429).await;
}
