//! Checks on terms and acceptances, the signature checks, and the printed agreement.

use base64::Engine;
use quick_xml::events::Event;

use super::models::{Acceptance, AcceptanceMethod, AgreementRow, Printed, Signature, SignatureInput, Terms};
use crate::http::{FieldError, Problems, escape_html as escape};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    /// The latest terms of the kind require acceptance and none came with the hand-over.
    Required {
        terms_version: i32,
    },
}

/// A signature image is at most this many bytes.
pub const SIGNATURE_MAX_BYTES: usize = 100 * 1024;

pub fn check_terms(problems: &mut Problems, title: &str, body: &str) {
    problems.length("title", title, 1, 200);
    problems.length("body", body, 1, 20_000);
}

/// The acceptance's own fields (named under `agreement.`), and its signature as it will be kept.
pub fn check_acceptance(input: &Acceptance) -> Result<Option<Signature>, Vec<FieldError>> {
    let mut problems = Problems::new();
    let typed = input.method == AcceptanceMethod::TypedName;
    match &input.typed_name {
        Some(name) if typed => problems.length("agreement.typed_name", name, 1, 200),
        Some(_) => problems.add("agreement.typed_name", "only with the method typed_name"),
        None if typed => problems.add("agreement.typed_name", "is required with the method typed_name"),
        None => {}
    }
    let signed = input.method == AcceptanceMethod::Signature;
    let signature = match &input.signature {
        Some(s) if signed => match signature(s) {
            Ok(sig) => Some(sig),
            Err(message) => {
                problems.add("agreement.signature", message);
                None
            }
        },
        Some(_) => {
            problems.add("agreement.signature", "only with the method signature");
            None
        }
        None if signed => {
            problems.add("agreement.signature", "is required with the method signature");
            None
        }
        None => None,
    };
    problems.into_errors().map(|()| signature)
}

/// A signature checked to be what it says: a PNG image, or an SVG drawing with nothing in it but
/// shapes (no script, no links, no styles, no external references). Refused otherwise, never
/// cleaned up: what is kept is exactly what was signed.
pub fn signature(input: &SignatureInput) -> Result<Signature, String> {
    match input.media_type.as_str() {
        "image/png" => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(input.data.trim())
                .map_err(|_| "data must be the PNG image in base64".to_owned())?;
            within_size(bytes.len())?;
            png(&bytes)?;
            Ok(Signature { media_type: "image/png", bytes })
        }
        "image/svg+xml" => {
            within_size(input.data.len())?;
            svg(&input.data)?;
            Ok(Signature { media_type: "image/svg+xml", bytes: input.data.as_bytes().to_vec() })
        }
        _ => Err("media_type must be image/svg+xml or image/png".to_owned()),
    }
}

fn within_size(bytes: usize) -> Result<(), String> {
    if bytes == 0 || bytes > SIGNATURE_MAX_BYTES {
        return Err(format!("must be from 1 byte to {} KB", SIGNATURE_MAX_BYTES / 1024));
    }
    Ok(())
}

/// A PNG file: the signature, a first `IHDR` chunk with a sensible size, and an `IEND` chunk last.
fn png(bytes: &[u8]) -> Result<(), String> {
    const MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
    const IEND: &[u8] = b"\0\0\0\0IEND\xaeB`\x82";
    let not_png = || "data is not a PNG image".to_owned();
    if bytes.len() < 45 || !bytes.starts_with(MAGIC) || &bytes[8..16] != b"\0\0\0\rIHDR" || !bytes.ends_with(IEND) {
        return Err(not_png());
    }
    let dimension = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (width, height) = (dimension(16), dimension(20));
    if width == 0 || height == 0 || width > 4000 || height > 4000 {
        return Err("the image must be from 1 to 4000 pixels each way".to_owned());
    }
    Ok(())
}

const SVG_ELEMENTS: &[&[u8]] =
    &[b"svg", b"g", b"path", b"polyline", b"polygon", b"line", b"circle", b"ellipse", b"rect", b"title", b"desc"];
const SVG_ATTRIBUTES: &[&[u8]] = &[
    b"xmlns",
    b"version",
    b"viewBox",
    b"width",
    b"height",
    b"d",
    b"points",
    b"x",
    b"y",
    b"x1",
    b"y1",
    b"x2",
    b"y2",
    b"cx",
    b"cy",
    b"r",
    b"rx",
    b"ry",
    b"fill",
    b"stroke",
    b"stroke-width",
    b"stroke-linecap",
    b"stroke-linejoin",
    b"stroke-opacity",
    b"fill-opacity",
    b"fill-rule",
    b"transform",
    b"preserveAspectRatio",
];

/// An SVG document of drawing elements only, with drawing attributes only.
fn svg(text: &str) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut root_seen = false;
    loop {
        let event = reader.read_event().map_err(|e| format!("is not well-formed XML: {e}"))?;
        let element = match &event {
            Event::Start(e) | Event::Empty(e) => Some(e.clone()),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                None
            }
            Event::Text(t) if !t.iter().all(u8::is_ascii_whitespace) && depth == 0 => {
                return Err("has text outside the drawing".to_owned());
            }
            Event::Text(_) | Event::Comment(_) | Event::Decl(_) => None,
            Event::Eof => break,
            Event::DocType(_) => return Err("must not have a DOCTYPE".to_owned()),
            _ => return Err("may hold only drawing elements (no CDATA or processing instructions)".to_owned()),
        };
        let Some(e) = element else { continue };
        let name = e.name();
        if !SVG_ELEMENTS.contains(&name.as_ref()) {
            return Err(format!("may hold only drawing elements, not <{}>", String::from_utf8_lossy(name.as_ref())));
        }
        if depth == 0 {
            if root_seen || name.as_ref() != b"svg" {
                return Err("must be one <svg> element".to_owned());
            }
            root_seen = true;
        }
        for attribute in e.attributes() {
            let attribute = attribute.map_err(|e| format!("has a malformed attribute: {e}"))?;
            let key = attribute.key.as_ref();
            let value = String::from_utf8_lossy(&attribute.value).to_lowercase();
            if !SVG_ATTRIBUTES.contains(&key) || value.contains("url(") || value.contains("javascript:") {
                return Err(format!("may not carry the attribute {}", String::from_utf8_lossy(key)));
            }
        }
        if matches!(event, Event::Start(_)) {
            depth += 1;
        }
    }
    if root_seen { Ok(()) } else { Err("must be an <svg> element".to_owned()) }
}

/// Whether a hand-over may go ahead as to its terms: if the latest terms require acceptance, one
/// must come with it.
pub fn needed(latest: Option<&Terms>, given: bool) -> Result<(), Refusal> {
    match latest {
        Some(terms) if terms.required && !given => Err(Refusal::Required { terms_version: terms.version }),
        _ => Ok(()),
    }
}

/// The accepted agreement as a page to print: the terms, who accepted them and how, and the
/// device. Everything from the records is escaped; a signature shows as an image.
pub fn render(terms: &Terms, agreement: &AgreementRow, printed: &Printed<'_>) -> String {
    let paragraphs: String =
        terms.body.split("\n\n").map(|p| format!("<p>{}</p>\n", escape(p.trim()).replace('\n', "<br>"))).collect();
    let name = printed.resident_name.map(escape).unwrap_or_else(|| "(erased)".to_owned());
    let how = match (&agreement.method, &agreement.typed_name, &agreement.signature, &agreement.signature_type) {
        (AcceptanceMethod::TypedName, Some(typed), _, _) => {
            format!("By typing their name: <strong>{}</strong>", escape(typed))
        }
        (AcceptanceMethod::Signature, _, Some(bytes), Some(kind)) => {
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            format!(
                "Signed:<br><img class=\"signature\" alt=\"Signature\" src=\"data:{};base64,{data}\">",
                escape(kind)
            )
        }
        (AcceptanceMethod::Paper, _, _, _) => "On a paper copy, kept by the hub".to_owned(),
        _ => "(the typed name or signature was removed when the resident's data was erased)".to_owned(),
    };
    format!(
        r#"<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>{title} (version {version})</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;color:#111;line-height:1.5}}h1{{font-size:1.4em}}table{{border-collapse:collapse;margin:1em 0}}td{{padding:.2em 1em .2em 0;vertical-align:top}}.signature{{max-width:20em;max-height:8em;border-bottom:1px solid #111}}@media print{{body{{margin:0}}}}</style></head>
<body>
<h1>{title}</h1>
<p>Version {version}, published {published}</p>
{paragraphs}<table>
<tr><td>Accepted by</td><td>{name} ({reference})</td></tr>
<tr><td>Device</td><td>{device} — {tag}</td></tr>
<tr><td>At</td><td>{hub}, {accepted}</td></tr>
<tr><td>How</td><td>{how}</td></tr>
</table>
</body></html>
"#,
        title = escape(&terms.title),
        version = terms.version,
        published = terms.published_at.date_naive().format("%-d %B %Y"),
        reference = escape(printed.resident_reference),
        device = escape(printed.device),
        tag = escape(printed.asset_tag),
        hub = escape(printed.hub),
        accepted = agreement.accepted_at.date_naive().format("%-d %B %Y"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreements::models::AgreementKind;
    use crate::ids::TermsId;
    use chrono::Utc;

    fn svg_input(text: &str) -> SignatureInput {
        SignatureInput { media_type: "image/svg+xml".into(), data: text.into() }
    }

    /// A 1 × 1 PNG, made by hand: signature, IHDR, IDAT, IEND.
    fn tiny_png() -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89");
        png.extend_from_slice(b"\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\x00\x05\x18\xd8N");
        png.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
        png
    }

    #[test]
    fn a_drawn_svg_passes_and_anything_that_could_run_or_fetch_is_refused() {
        let good = r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80"><path d="M10 60 C 40 10, 65 10, 95 60 S 150 110, 180 60" fill="none" stroke="black" stroke-width="2"/></svg>"#;
        assert!(signature(&svg_input(good)).is_ok());
        for bad in [
            r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><path d="M0 0"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0" style="fill:url(https://evil.example)"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0" fill="url(#x)"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>"#,
            r#"<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"></svg>"#,
            r#"<html><body/></html>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"/><svg xmlns="http://www.w3.org/2000/svg"/>"#,
            "just text",
            "",
        ] {
            assert!(signature(&svg_input(bad)).is_err(), "{bad}");
        }
        let huge = format!(r#"<svg xmlns="http://www.w3.org/2000/svg"><path d="{}"/></svg>"#, "M0 0 ".repeat(30_000));
        assert!(signature(&svg_input(&huge)).is_err(), "over 100 KB");
    }

    #[test]
    fn a_png_must_be_one() {
        let data = base64::engine::general_purpose::STANDARD.encode(tiny_png());
        assert!(signature(&SignatureInput { media_type: "image/png".into(), data }).is_ok());
        let gif = base64::engine::general_purpose::STANDARD.encode(b"GIF89a\x01\0\x01\0\0\0\0;");
        assert!(signature(&SignatureInput { media_type: "image/png".into(), data: gif }).is_err());
        assert!(signature(&SignatureInput { media_type: "image/png".into(), data: "not base64!".into() }).is_err());
        assert!(signature(&SignatureInput { media_type: "image/gif".into(), data: "R0lG".into() }).is_err());
    }

    #[test]
    fn the_method_decides_which_fields_come_with_it() {
        let acceptance = |method, typed: Option<&str>, sig: Option<SignatureInput>| Acceptance {
            terms_id: None,
            method,
            typed_name: typed.map(str::to_owned),
            signature: sig,
        };
        assert!(check_acceptance(&acceptance(AcceptanceMethod::Paper, None, None)).is_ok());
        assert!(check_acceptance(&acceptance(AcceptanceMethod::TypedName, Some("Ada Lovelace"), None)).is_ok());
        assert!(check_acceptance(&acceptance(AcceptanceMethod::TypedName, None, None)).is_err());
        assert!(check_acceptance(&acceptance(AcceptanceMethod::Paper, Some("Ada"), None)).is_err());
        assert!(check_acceptance(&acceptance(AcceptanceMethod::Signature, None, None)).is_err());
    }

    #[test]
    fn the_print_escapes_what_came_from_people() {
        let terms = Terms {
            id: TermsId::new(),
            kind: AgreementKind::Loan,
            version: 3,
            title: "Loan <terms>".into(),
            body: "Bring it back.\n\nKeep it <b>dry</b> & safe.".into(),
            required: true,
            published_by: None,
            published_at: Utc::now(),
        };
        let agreement = AgreementRow {
            terms_id: terms.id,
            loan_id: None,
            sale_id: None,
            method: AcceptanceMethod::TypedName,
            typed_name: Some("<script>alert(1)</script>".into()),
            signature_type: None,
            signature: None,
            accepted_at: Utc::now(),
            recorded_by: None,
        };
        let printed = Printed {
            resident_name: Some("O'Brien <Jo>"),
            resident_reference: "R-000001",
            device: "Dell",
            asset_tag: "T4A-000001",
            hub: "Sale",
        };
        let html = render(&terms, &agreement, &printed);
        assert!(!html.contains("<script>") && !html.contains("<b>dry"), "{html}");
        assert!(html.contains("O&#39;Brien &lt;Jo&gt;") && html.contains("&lt;b&gt;dry&lt;/b&gt; &amp; safe"));
        assert!(
            needed(Some(&terms), false).is_err() && needed(Some(&terms), true).is_ok() && needed(None, false).is_ok()
        );
    }
}
