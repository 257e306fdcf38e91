//! The hand-over: what moving a device causes in the rest of the scheme, in the move's own
//! transaction. Inventory moves devices without knowing who uses them (`devices::repo::moves`);
//! every move — a sale, a loan, a return, a refund, recycling, a transfer, a reservation — calls
//! this one place through the `Effects` port, which the application registers at start-up. The
//! decisions are pure functions (`rules`); this module carries them out through the slices that
//! own the records: the pop-up session a device leaves, the impact ledger it is counted in, the
//! hold it is offered to, the refurbishment job that ends when it is lost.

pub mod rules;

use chrono::Utc;
use diesel::pg::PgConnection;

use crate::devices::models::{DeviceRow, Move};
use crate::devices::repo::moves::Effects;
use crate::http::ApiError;
use crate::ids::UserId;

/// The application's answer to `devices::repo::moves::Effects`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Handover;

impl Effects for Handover {
    fn moved(
        &self,
        conn: &mut PgConnection,
        before: &DeviceRow,
        after: DeviceRow,
        mv: &Move,
        actor: Option<UserId>,
    ) -> Result<DeviceRow, ApiError> {
        let consequences = rules::consequences(before, &after, mv.action);
        if consequences.leaves_session {
            crate::sales_sessions::repo::release(conn, after.id)?;
        }
        if let Some(kind) = consequences.counts {
            crate::impact::repo::record(conn, &after, kind, mv.at.unwrap_or_else(Utc::now))?;
        }
        if consequences.ends_open_job {
            crate::refurbishment::repo::cancel_open_job_of(conn, after.id)?;
        }
        if consequences.offered_to_hold
            && let Some(reserved) = crate::holds::handlers::offer(conn, self, &after, actor)?
        {
            return Ok(reserved);
        }
        Ok(after)
    }
}
