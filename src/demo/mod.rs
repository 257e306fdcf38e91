//! The demo data set loaded by `serve --demo` and `seed-demo`: a year of the scheme in Trafford,
//! a smaller Stockport scheme beside it, and a platform administrator.
//! Its wards, a handful of hubs, a refurbishment partner, one account per role, donors with
//! monthly donations, 265 laptops sold at £60 at weekly pop-up shops, 360 SIMs handed out, library
//! loans, and devices in every stage of refurbishment — dated over the last twelve months, so the
//! reports show a year month by month. Loading it twice changes nothing.
//!
//! DERI scores here are illustrative values for trying the service, not the published index.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use uuid::Uuid;

mod inventory;
mod loans;
mod refurbishment;
mod sales;
mod sims;
mod stock;
mod stockport;

use crate::auth::Role;
use crate::bootstrap::DEMO_PASSWORD;
use crate::db::new_id;
use crate::db::schema::{closures, hubs, organisations, wards};
use crate::http::ApiError;
use crate::http::in_transaction;
use crate::hubs::models::{HubKind, OpeningHours, Session};
use crate::ids::SchemeId;
use crate::users::handlers::accounts::create_account;
use crate::users::{models::CreateUser, repo as users_repo};

const WARDS: &[(&str, f64)] = &[
    ("Altrincham", 2.1),
    ("Ashton upon Mersey", 2.4),
    ("Bowdon", 1.2),
    ("Broadheath", 2.6),
    ("Brooklands", 2.2),
    ("Bucklow-St Martins", 4.6),
    ("Davyhulme", 3.1),
    ("Flixton", 2.5),
    ("Gorse Hill & Cornbrook", 4.1),
    ("Hale", 1.3),
    ("Hale Barns & Timperley South", 1.5),
    ("Longford", 3.7),
    ("Lostock & Barton", 4.3),
    ("Manor", 2.9),
    ("Old Trafford", 4.8),
    ("Sale Central", 3.0),
    ("Sale Moor", 3.3),
    ("Stretford & Humphrey Park", 3.9),
    ("Timperley Central", 2.0),
    ("Timperley North", 2.3),
    ("Urmston", 2.8),
];

/// (name, kind, address, postcode, ward)
const HUBS: &[(&str, HubKind, &str, &str, &str)] = &[
    ("Altrincham Library", HubKind::Library, "Stamford New Road, Altrincham", "WA14 1EJ", "Altrincham"),
    ("Sale Library", HubKind::Library, "Tatton Road, Sale", "M33 7YH", "Sale Central"),
    ("Stretford Library", HubKind::Library, "Kingsway, Stretford", "M32 8AP", "Stretford & Humphrey Park"),
    (
        "Partington Community Centre",
        HubKind::CommunityCentre,
        "Central Road, Partington",
        "M31 4EL",
        "Bucklow-St Martins",
    ),
    ("Old Trafford Pop-up", HubKind::Popup, "Shrewsbury Street, Old Trafford", "M16 9AX", "Old Trafford"),
    ("Lostock Pop-up", HubKind::Popup, "Lostock Road, Urmston", "M41 0ES", "Lostock & Barton"),
    ("Tech4All Warehouse", HubKind::Warehouse, "Trafford Park", "M17 1RN", "Gorse Hill & Cornbrook"),
];

pub struct DemoAccount {
    pub email: &'static str,
    pub role: Role,
}

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount { email: "staff@tech4all.test", role: Role::HubStaff },
    DemoAccount { email: "partner@tech4all.test", role: Role::Partner },
    DemoAccount { email: "reporter@tech4all.test", role: Role::Reporter },
];

/// Loads the demo data unless it is already there: Trafford's year in the first scheme, a smaller
/// Stockport beside it, and a platform administrator, so the walls between schemes can be seen.
pub fn seed(conn: &mut PgConnection) -> Result<(), ApiError> {
    seed_year(conn, SchemeId::FIRST)?;
    stockport::seed(conn)?;
    platform_admin(conn)
}

/// The platform's administrator, `platform@tech4all.test`.
fn platform_admin(conn: &mut PgConnection) -> Result<(), ApiError> {
    crate::db::act_in_scheme(conn, SchemeId::PLATFORM)?;
    if users_repo::email_in_use(conn, PLATFORM_EMAIL)? {
        return Ok(());
    }
    create_account(
        conn,
        CreateUser {
            email: PLATFORM_EMAIL.into(),
            display_name: "Demo platform administrator".into(),
            role: Role::PlatformAdmin,
            password: Some(DEMO_PASSWORD.into()),
            hub_ids: Vec::new(),
            organisation_id: None,
        },
    )?;
    Ok(())
}

pub const PLATFORM_EMAIL: &str = "platform@tech4all.test";

/// Trafford's year (wards, hubs, partner, accounts, donations, sales, SIMs, loans) in `scheme`,
/// unless it is already there. Works as the service does: in the scheme's name, under row-level
/// security. Accounts whose email another scheme already uses are left out.
pub fn seed_year(conn: &mut PgConnection, scheme: SchemeId) -> Result<(), ApiError> {
    crate::db::act_in_scheme(conn, scheme)?;
    in_transaction(conn, |conn| {
        let already: i64 = hubs::table.filter(hubs::name.eq(HUBS[0].0)).count().get_result(conn)?;
        if already > 0 {
            return Ok(());
        }
        let hub_ids = places(conn, WARDS, HUBS)?;
        let partner_org = new_id();
        diesel::insert_into(organisations::table)
            .values((
                organisations::id.eq(partner_org),
                organisations::name.eq("Community Computers"),
                organisations::roles.eq(vec!["refurbisher".to_owned(), "recycler".to_owned()]),
            ))
            .execute(conn)?;
        for account in ACCOUNTS {
            if users_repo::email_in_use(conn, account.email)? {
                continue;
            }
            let (hubs, organisation) = match account.role {
                Role::HubStaff => (hub_ids[..2].to_vec(), None),
                Role::Partner => (Vec::new(), Some(partner_org)),
                _ => (Vec::new(), None),
            };
            create_account(
                conn,
                CreateUser {
                    email: account.email.into(),
                    display_name: format!("Demo {}", account.role),
                    role: account.role,
                    password: Some(DEMO_PASSWORD.into()),
                    hub_ids: hubs.into_iter().map(Into::into).collect(),
                    organisation_id: organisation.map(Into::into),
                },
            )?;
        }
        counter(conn)?;
        let royal_mail_devices = inventory::seed(conn, &hub_ids)?;
        refurbishment::seed(conn, partner_org, &royal_mail_devices)?;
        sales::seed(conn, partner_org)?;
        sims::seed(conn)?;
        loans::seed(conn, partner_org)?;
        Ok(())
    })
}

/// A demo scheme's wards and hubs (each hub in its named ward); returns the hubs' ids in order.
fn places(
    conn: &mut PgConnection,
    ward_list: &[(&str, f64)],
    hub_list: &[(&str, HubKind, &str, &str, &str)],
) -> Result<Vec<Uuid>, ApiError> {
    for (name, score) in ward_list {
        diesel::insert_into(wards::table)
            .values((wards::id.eq(new_id()), wards::name.eq(name), wards::deri_score.eq(score)))
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    let mut hub_ids = Vec::new();
    for (name, kind, address, postcode, ward) in hub_list {
        let ward_id: Option<Uuid> =
            wards::table.filter(wards::name.eq(ward)).select(wards::id).first(conn).optional()?;
        let id = new_id();
        diesel::insert_into(hubs::table)
            .values((
                hubs::id.eq(id),
                hubs::name.eq(name),
                hubs::kind.eq(kind),
                hubs::address.eq(address),
                hubs::postcode.eq(postcode),
                hubs::ward_id.eq(ward_id),
                hubs::opening_hours.eq(opening_hours(*kind)),
            ))
            .execute(conn)?;
        hub_ids.push(id);
    }
    bank_holidays(conn)?;
    Ok(hub_ids)
}

/// What the counter keeps: the accessories the scheme hands out, and its loan and sale terms
/// (published, not yet required, so the demo's lending and selling work without them).
fn counter(conn: &mut PgConnection) -> Result<(), ApiError> {
    for kind in ["Charger", "Laptop bag", "Mouse", "Headset", "MiFi unit"] {
        crate::accessories::repo::insert_kind(conn, kind)?;
    }
    use crate::agreements::models::{AgreementKind, NewTerms};
    let terms = [
        (AgreementKind::Loan, "Borrowing a device from Tech4All", LOAN_TERMS),
        (AgreementKind::Sale, "Buying a refurbished device from Tech4All", SALE_TERMS),
    ];
    for (kind, title, body) in terms {
        let new = NewTerms { kind, title: title.into(), body: body.into(), required: false };
        crate::agreements::repo::publish(conn, &new, None)?;
    }
    Ok(())
}

const LOAN_TERMS: &str = "The device is lent to you for the time on your loan slip; you can renew it at any library if nobody is waiting.\n\nPlease keep it safe and dry, and bring it back with everything that came with it. We reset it when it comes back, so save anything you want to keep first.\n\nIf it is lost or damaged, tell us: we will not charge you.";
const SALE_TERMS: &str = "This refurbished device is yours. Its data was securely wiped before you bought it.\n\nYou can return it within 30 days with your receipt for a refund. We will help you set it up and connect to the internet.";

/// A demo hub's week by its kind: libraries Monday to Saturday (Wednesday mornings only),
/// community centres and the warehouse on weekdays; pop-up venues open for their sessions only.
fn opening_hours(kind: HubKind) -> Option<OpeningHours> {
    use crate::calendar::{ClockTime, Weekday::*};
    let week = |days: &[crate::calendar::Weekday], opens: &str, closes: &str| -> Vec<Session> {
        let at = |t: &str| ClockTime::parse(t).unwrap_or_else(|| unreachable!("a fixed time"));
        days.iter().map(|day| Session { day: *day, opens: at(opens), closes: at(closes) }).collect()
    };
    let sessions = match kind {
        HubKind::Library => {
            let mut days = week(&[Monday, Tuesday, Thursday, Friday, Saturday], "09:30", "17:00");
            days.extend(week(&[Wednesday], "09:30", "13:00"));
            days
        }
        HubKind::CommunityCentre => week(&[Monday, Tuesday, Wednesday, Thursday, Friday], "10:00", "16:00"),
        HubKind::Warehouse | HubKind::PartnerSite => {
            week(&[Monday, Tuesday, Wednesday, Thursday, Friday], "08:00", "16:00")
        }
        HubKind::Popup => return None,
    };
    Some(OpeningHours(sessions))
}

/// Christmas Day and New Year's Day coming next, for every hub of the scheme.
fn bank_holidays(conn: &mut PgConnection) -> Result<(), ApiError> {
    use chrono::Datelike;
    let today = crate::calendar::local_date(chrono::Utc::now());
    let christmas = chrono::NaiveDate::from_ymd_opt(today.year(), 12, 25).filter(|d| *d >= today);
    let christmas = christmas.or_else(|| chrono::NaiveDate::from_ymd_opt(today.year() + 1, 12, 25));
    let new_year = chrono::NaiveDate::from_ymd_opt(today.year() + 1, 1, 1);
    for (day, reason) in [(christmas, "Christmas Day"), (new_year, "New Year's Day")] {
        let Some(day) = day else { continue };
        diesel::insert_into(closures::table)
            .values((
                closures::id.eq(new_id()),
                closures::starts_on.eq(day),
                closures::ends_on.eq(day),
                closures::reason.eq(reason),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What `serve --demo` prints so a newcomer can sign in straight away.
pub fn credentials(admin_email: &str) -> String {
    let mut text = format!("Demo accounts (password for each: {DEMO_PASSWORD}):\n  admin          {admin_email}\n");
    for a in ACCOUNTS {
        text.push_str(&format!("  {:<14} {}\n", a.role.as_str(), a.email));
    }
    text.push_str(&format!(
        "  {:<14} {}   (creates and suspends schemes)\n",
        Role::PlatformAdmin.as_str(),
        PLATFORM_EMAIL
    ));
    text.push_str(&format!(
        "Stockport, a second scheme beside Trafford's:\n  admin          {}\n  hub_staff      {}\n",
        stockport::ADMIN_EMAIL,
        stockport::STAFF_EMAIL
    ));
    text.push_str(&format!(
        "Demo partner API key (Community Computers): {}\n  exchange it: POST /api/v1/auth/token {{\"api_key\": \"…\"}}\n",
        refurbishment::DEMO_API_KEY
    ));
    text
}

/// A device back from a resident, reset at the counter the day it came back (DESIGN §10), so it
/// can go to the next person.
fn reset_at_counter(
    conn: &mut PgConnection,
    device: &crate::devices::models::DeviceRow,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    use crate::resets::models::{NewReset, ResetMethod};
    let reset = NewReset { method: ResetMethod::FactoryReset, verified: true, notes: None, performed_at: Some(at) };
    crate::resets::handlers::after_return(conn, &crate::handover::Handover, device, Some(&reset), None)?;
    Ok(())
}
