//! Printable asset labels: `GET /api/v1/devices/{id}/label.svg`, 62 × 29 mm (a common
//! label-printer roll), with the asset tag as text and as a QR code that scanners read back as the
//! tag, for `GET /api/v1/devices/by-tag/{tag}`.

use actix_web::{HttpResponse, web};
use qrcode::{Color, EcLevel, QrCode};

use crate::auth::{DEVICE_READERS, Principal};
use crate::devices::models::DeviceRow;
use crate::devices::repo;
use crate::http::{ApiError, AppState, run_blocking};
use crate::ids::DeviceId;

/// Escapes text for SVG content.
use crate::http::escape_html as escape;

/// The QR code's dark modules as one SVG path, each module a 1 × 1 square from the origin.
fn qr_path(data: &str) -> Result<(String, usize), ApiError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| ApiError::internal(format!("QR encoding failed: {e}")))?;
    let width = code.width();
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % width, i / width));
        }
    }
    Ok((path, width))
}

/// Renders the label for a device.
pub fn render(device: &DeviceRow) -> Result<String, ApiError> {
    let (path, width) = qr_path(&device.asset_tag)?;
    // The QR code fills the left 25 mm (with its 4-module quiet zone); text takes the rest.
    let quiet = 4.0;
    let scale = 25.0 / (width as f64 + 2.0 * quiet);
    let describe =
        [device.make.as_deref(), device.model.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let second_line = if describe.is_empty() { device.category.as_str().to_owned() } else { describe };
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="62mm" height="29mm" viewBox="0 0 62 29" role="img" aria-label="Asset label {tag}">
<rect width="62" height="29" fill="#fff"/>
<g transform="translate({offset} 2) scale({scale})"><path d="{path}" fill="#000"/></g>
<text x="28" y="10" font-family="DejaVu Sans Mono, monospace" font-size="5.2" font-weight="bold">{tag}</text>
<text x="28" y="16.5" font-family="DejaVu Sans, sans-serif" font-size="2.8">{line2}</text>
<text x="28" y="21" font-family="DejaVu Sans, sans-serif" font-size="2.8">{serial}</text>
<text x="28" y="26" font-family="DejaVu Sans, sans-serif" font-size="2.4">Tech4All · digital inclusion</text>
</svg>
"##,
        tag = escape(&device.asset_tag),
        offset = quiet * scale,
        scale = scale,
        path = path,
        line2 = escape(&truncate(&second_line, 30)),
        serial =
            escape(&device.serial_number.as_deref().map(|s| format!("S/N {}", truncate(s, 26))).unwrap_or_default()),
    ))
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}

pub async fn label(
    state: web::Data<AppState>,
    who: Principal,
    id: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let device = run_blocking(&state.pool, move |conn| {
        let actor = who.actor_in(conn, DEVICE_READERS)?;
        Ok(repo::visible(conn, &actor, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("image/svg+xml").body(render(&device)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_svg() {
        assert_eq!(escape("<b>&\"x\""), "&lt;b&gt;&amp;&quot;x&quot;");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }

    #[test]
    fn the_qr_code_has_dark_modules_for_a_tag() {
        let (path, width) = qr_path("T4A-000123").expect("encodes");
        assert_eq!(width, 21, "a short tag fits a version 1 code");
        assert!(path.starts_with("M0 0h1v1h-1z"), "finder pattern in the top-left corner");
    }
}
