//! HTTP handlers of the refurbishment slice: reading jobs (`read`), assigning them (`assign`) and
//! the work done on them (`work`). The slice's refusals become problems here, in one place.

pub mod assign;
pub mod read;
pub mod work;

use actix_web::http::StatusCode;
use diesel::pg::PgConnection;

use super::models::{Job, JobChanges, JobRow};
use super::repo;
use super::rules::{self, Refusal};
use crate::http::ApiError;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found("refurbishment job"),
            Refusal::Illegal { status, action } => {
                let allowed: Vec<&str> = rules::allowed(status).iter().map(|a| a.as_str()).collect();
                ApiError::new(
                    StatusCode::CONFLICT,
                    "illegal-transition",
                    "Not allowed in the job's status",
                    format!("a job that is {status} does not allow {action}"),
                )
                .with_extension("current_status", status.as_str())
                .with_extension("allowed_actions", allowed)
            }
            Refusal::ChangedMeanwhile => ApiError::conflict("the job changed while this request ran; read it again"),
            Refusal::WipeRequired { asset_tag } => ApiError::new(
                StatusCode::CONFLICT,
                "wipe-required",
                "Data wipe required",
                format!("{asset_tag} has no verified data wipe on record; record one before completing the job"),
            ),
            Refusal::NothingToWipe { category } => {
                ApiError::conflict(format!("a {category} holds no data: no wipe is needed, and none is recorded"))
            }
            Refusal::NothingToAssign => {
                ApiError::conflict("the donation has no received devices waiting for refurbishment")
            }
            Refusal::DevicesUnavailable(errors) => {
                ApiError::conflict("some devices cannot be assigned now; nothing was assigned").with_errors(errors)
            }
        }
    }
}

/// Applies a job action's changes, refusing if another request changed the job first.
fn update(conn: &mut PgConnection, job: &JobRow, changes: JobChanges) -> Result<JobRow, ApiError> {
    Ok(repo::update(conn, job, changes)?.ok_or(Refusal::ChangedMeanwhile)?)
}

/// The job as the API shows it.
fn view(conn: &mut PgConnection, row: JobRow) -> Result<Job, ApiError> {
    Ok(repo::views(conn, vec![row])?.pop().ok_or(Refusal::NotFound)?)
}
