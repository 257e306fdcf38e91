//! Terms and acceptances.

use diesel::dsl::max;
use diesel::pg::PgConnection;
use diesel::prelude::*;

use super::models::{Acceptance, AgreementKind, AgreementRow, NewTerms, Signature, Terms};
use crate::db::schema::{agreement_terms, agreements, loans, sales};
use crate::ids::{HandOver, ResidentId, TermsId, UserId};

pub fn latest(conn: &mut PgConnection, kind: AgreementKind) -> QueryResult<Option<Terms>> {
    agreement_terms::table
        .filter(agreement_terms::kind.eq(kind))
        .order(agreement_terms::version.desc())
        .select(Terms::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut PgConnection, id: TermsId) -> QueryResult<Option<Terms>> {
    agreement_terms::table.filter(agreement_terms::id.eq(id)).select(Terms::as_select()).first(conn).optional()
}

pub fn list(conn: &mut PgConnection, kind: Option<AgreementKind>) -> QueryResult<Vec<Terms>> {
    let mut query = agreement_terms::table.select(Terms::as_select()).into_boxed();
    if let Some(kind) = kind {
        query = query.filter(agreement_terms::kind.eq(kind));
    }
    query.order((agreement_terms::kind, agreement_terms::version.desc())).load(conn)
}

/// Publishes the next version of the kind's terms. Two admins publishing at once: the version's
/// unique key lets one through and refuses the other.
pub fn publish(conn: &mut PgConnection, new: &NewTerms, by: Option<UserId>) -> QueryResult<Terms> {
    let last: Option<i32> = agreement_terms::table
        .filter(agreement_terms::kind.eq(new.kind))
        .select(max(agreement_terms::version))
        .first(conn)?;
    diesel::insert_into(agreement_terms::table)
        .values((
            agreement_terms::id.eq(TermsId::new()),
            agreement_terms::kind.eq(new.kind),
            agreement_terms::version.eq(last.unwrap_or(0) + 1),
            agreement_terms::title.eq(new.title.trim()),
            agreement_terms::body.eq(new.body.trim()),
            agreement_terms::required.eq(new.required),
            agreement_terms::published_by.eq(by),
        ))
        .returning(Terms::as_returning())
        .get_result(conn)
}

pub fn record(
    conn: &mut PgConnection,
    hand: HandOver,
    terms: TermsId,
    input: &Acceptance,
    signature: Option<Signature>,
    by: UserId,
) -> QueryResult<()> {
    let (loan, sale) = hand.columns();
    diesel::insert_into(agreements::table)
        .values((
            agreements::id.eq(crate::db::new_id()),
            agreements::terms_id.eq(terms),
            agreements::loan_id.eq(loan),
            agreements::sale_id.eq(sale),
            agreements::method.eq(input.method),
            agreements::typed_name.eq(input.typed_name.as_deref().map(str::trim)),
            agreements::signature_type.eq(signature.as_ref().map(|s| s.media_type)),
            agreements::signature.eq(signature.map(|s| s.bytes)),
            agreements::recorded_by.eq(by),
        ))
        .execute(conn)?;
    Ok(())
}

/// The agreement accepted with a loan or a sale, and its terms.
pub fn of(conn: &mut PgConnection, hand: HandOver) -> QueryResult<Option<(AgreementRow, Terms)>> {
    let query = agreements::table.inner_join(agreement_terms::table).into_boxed();
    let query = match hand {
        HandOver::Loan(l) => query.filter(agreements::loan_id.eq(l)),
        HandOver::Sale(s) => query.filter(agreements::sale_id.eq(s)),
    };
    query.select((AgreementRow::as_select(), Terms::as_select())).first(conn).optional()
}

/// A resident's agreements, for the subject access export.
pub fn of_resident(conn: &mut PgConnection, resident: ResidentId) -> QueryResult<Vec<(AgreementRow, Terms)>> {
    let lent = loans::table.filter(loans::resident_id.eq(resident)).select(loans::id);
    let sold = sales::table.filter(sales::resident_id.eq(resident)).select(sales::id);
    agreements::table
        .inner_join(agreement_terms::table)
        .filter(agreements::loan_id.eq_any(lent.nullable()).or(agreements::sale_id.eq_any(sold.nullable())))
        .select((AgreementRow::as_select(), Terms::as_select()))
        .order(agreements::accepted_at)
        .load(conn)
}
