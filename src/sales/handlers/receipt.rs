//! Printable receipts: `GET /api/v1/sales/{id}/receipt`, an HTML page with the scheme's name, the
//! device, the price, the receipt number and the date. It carries no personal data beyond the
//! resident's reference.

use actix_web::{HttpResponse, web};

use crate::auth::{Principal, STAFF};
use crate::devices::models::DeviceRow;
use crate::devices::rules::Refusal as DeviceRefusal;
use crate::http::{ApiError, AppState, run_blocking};
use crate::ids::SaleId;
use crate::sales::models::SaleRow;
use crate::sales::repo;
use crate::sales::rules::Refusal;

use crate::http::escape_html as escape;

/// Pence as pounds: 6000 → "£60.00".
pub fn pounds(pence: i32) -> String {
    format!("£{}.{:02}", pence / 100, pence % 100)
}

pub fn render(sale: &SaleRow, device: &DeviceRow, hub_name: &str, resident_reference: &str) -> String {
    let description =
        [device.make.as_deref(), device.model.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let refund = match sale.refunded_at {
        Some(at) => format!("<p class=\"refund\">Refunded on {}</p>", at.date_naive().format("%-d %B %Y")),
        None => String::new(),
    };
    format!(
        r#"<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Receipt {receipt}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32em;margin:2em auto;color:#111}}h1{{font-size:1.4em}}table{{width:100%;border-collapse:collapse}}td{{padding:.3em 0;border-bottom:1px solid #ddd}}td:last-child{{text-align:right}}.refund{{font-weight:bold;color:#a00}}@media print{{body{{margin:0}}}}</style></head>
<body>
<h1>Tech4All — digital inclusion scheme</h1>
<p>Receipt <strong>{receipt}</strong><br>{date} at {hub}</p>
<table>
<tr><td>Device</td><td>{category} {description}</td></tr>
<tr><td>Asset tag</td><td>{tag}</td></tr>
<tr><td>Price paid</td><td>{price}</td></tr>
<tr><td>Payment</td><td>{payment}</td></tr>
<tr><td>Subsidy from the scheme</td><td>{subsidy}</td></tr>
<tr><td>Resident reference</td><td>{resident}</td></tr>
</table>
{refund}
<p>Refunds are possible within 30 days with this receipt.</p>
</body></html>
"#,
        receipt = escape(&sale.receipt_number),
        date = sale.sold_at.date_naive().format("%-d %B %Y"),
        hub = escape(hub_name),
        category = escape(device.category.as_str()),
        description = escape(&description),
        tag = escape(&device.asset_tag),
        price = pounds(sale.price_pence),
        payment = sale.payment_method,
        subsidy = pounds(sale.subsidy_pence),
        resident = escape(resident_reference),
        refund = refund,
    )
}

pub async fn receipt(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<SaleId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let html = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, STAFF)?;
        let sale = repo::find(conn, id)?.filter(|s| actor.works_at(s.hub_id)).ok_or(Refusal::NotFound)?;
        let device = crate::devices::repo::find(conn, sale.device_id)?.ok_or(DeviceRefusal::NotFound)?;
        let hub = crate::hubs::repo::find(conn, sale.hub_id)?.map(|h| h.name).unwrap_or_default();
        let resident = crate::residents::repo::find(conn, sale.resident_id)?.map(|r| r.reference).unwrap_or_default();
        Ok(render(&sale, &device, &hub, &resident))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pence_print_as_pounds() {
        assert_eq!(pounds(6000), "£60.00");
        assert_eq!(pounds(14_005), "£140.05");
        assert_eq!(pounds(0), "£0.00");
    }
}
