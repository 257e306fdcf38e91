//! Failed sign-in throttling, per account and per client address, kept in the database so every
//! instance of the service shares the same counts. Checked before the password is, so a locked-out
//! guesser learns nothing even with the right password.

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, min};
use diesel::pg::PgConnection;
use diesel::prelude::*;

use crate::config::LoginThrottle;
use crate::db::schema::login_failures;
use crate::http::ApiError;

/// Seconds until the oldest failure in the window ages out, given `count` failures in it.
pub fn retry_after(oldest: DateTime<Utc>, now: DateTime<Utc>, window: std::time::Duration) -> u64 {
    let frees_at = oldest + chrono::Duration::from_std(window).unwrap_or_else(|_| chrono::Duration::seconds(900));
    (frees_at - now).num_seconds().max(1) as u64
}

fn failures_since(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
    account: Option<&str>,
    client_addr: Option<&str>,
) -> QueryResult<(i64, Option<DateTime<Utc>>)> {
    let mut query = login_failures::table
        .filter(login_failures::failed_at.gt(since))
        .select((count_star(), min(login_failures::failed_at)))
        .into_boxed();
    if let Some(account) = account {
        query = query.filter(login_failures::account.eq(account.to_owned()));
    }
    if let Some(addr) = client_addr {
        query = query.filter(login_failures::client_addr.eq(addr.to_owned()));
    }
    query.first(conn)
}

/// 429 with `Retry-After` when the account or the address has used up its failures.
pub fn check(
    conn: &mut PgConnection,
    limits: &LoginThrottle,
    account: &str,
    client_addr: &str,
) -> Result<(), ApiError> {
    let now = Utc::now();
    let since = now - chrono::Duration::from_std(limits.window).unwrap_or_else(|_| chrono::Duration::seconds(900));
    let checks = [
        (failures_since(conn, since, Some(account), None)?, limits.max_failures_per_account, "this account"),
        (failures_since(conn, since, None, Some(client_addr))?, limits.max_failures_per_address, "your address"),
    ];
    for ((count, oldest), max, whom) in checks {
        if count >= max {
            let wait = oldest.map(|o| retry_after(o, now, limits.window)).unwrap_or(60);
            return Err(ApiError::too_many_requests(
                wait,
                format!("too many failed sign-ins for {whom}; try again in {wait} s"),
            ));
        }
    }
    Ok(())
}

pub fn record_failure(
    conn: &mut PgConnection,
    limits: &LoginThrottle,
    account: &str,
    client_addr: &str,
) -> Result<(), ApiError> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(crate::db::new_id()),
            login_failures::account.eq(account),
            login_failures::client_addr.eq(client_addr),
        ))
        .execute(conn)?;
    // Rows older than the window never matter again.
    let horizon =
        Utc::now() - chrono::Duration::from_std(limits.window).unwrap_or_else(|_| chrono::Duration::seconds(900));
    diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(horizon))).execute(conn)?;
    Ok(())
}

pub fn clear_account(conn: &mut PgConnection, account: &str) -> Result<(), ApiError> {
    diesel::delete(login_failures::table.filter(login_failures::account.eq(account))).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_counts_down_to_when_the_oldest_failure_expires() {
        let now = Utc::now();
        let window = std::time::Duration::from_secs(900);
        assert_eq!(retry_after(now - chrono::Duration::seconds(300), now, window), 600);
        assert_eq!(retry_after(now - chrono::Duration::seconds(2000), now, window), 1);
    }
}
