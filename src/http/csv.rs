//! CSV responses for reports. Cells that a spreadsheet would read as a formula (starting with
//! `=`, `+`, `-`, `@`, tab or carriage return) are neutralised with a leading apostrophe, as
//! OWASP's CSV-injection guidance advises, so a donor's serial number can never run as a formula.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::header;

use super::error::ApiError;

/// A cell as written to the file.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}") } else { cell.to_owned() }
}

/// `text/csv` with a header row, every cell neutralised.
pub fn response(filename: &str, header: &[&str], rows: &[Vec<String>]) -> Result<HttpResponse, ApiError> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(header).map_err(ApiError::internal)?;
    for row in rows {
        writer.write_record(row.iter().map(|c| neutralise(c))).map_err(ApiError::internal)?;
    }
    let bytes = writer.into_inner().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")))
        .body(bytes))
}

/// Whether the caller asked for CSV: `?format=csv`, or an `Accept` header preferring `text/csv`.
pub fn wants_csv(req: &HttpRequest, format: Option<&str>) -> bool {
    match format {
        Some(f) => f == "csv",
        None => {
            req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| {
                accept.split(',').next().is_some_and(|first| first.trim().starts_with("text/csv"))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+44 161"), "'+44 161");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("T4A-000001"), "T4A-000001");
    }
}
