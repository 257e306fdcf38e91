//! CSV in and out. Uploaded tables (a donation's manifest, a SIM batch's stock) are read by
//! `read_table`, which refuses ragged rows and text PostgreSQL cannot store, row by row. Reports
//! are written by `response`: cells that a spreadsheet would read as a formula (starting with
//! `=`, `+`, `-`, `@`, tab or carriage return) are neutralised with a leading apostrophe, as
//! OWASP's CSV-injection guidance advises, so a donor's serial number can never run as a formula.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::header;

use super::error::{ApiError, FieldError};
use super::text::{NUL_MESSAGE, has_nul};

crate::text_enum! {
    /// What a report or listing is asked for as: JSON (the default) or CSV (`?format=csv`).
    pub enum ReportFormat {
        Json => "json",
        Csv => "csv",
    }
}

/// An uploaded CSV file with a header row.
#[derive(Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
}

/// One data row with as many cells as the header, numbered by its line in the file (header = 1).
#[derive(Debug)]
pub struct TableRow {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Reads a CSV upload. Rows that are wholly blank are skipped; a row with more or fewer cells than
/// the header, or a cell holding NUL, is a row error (line and problem named) and the row is left
/// out, so the caller can report every problem and store nothing. A header that cannot be read,
/// or bytes that are not CSV in UTF-8, make the whole body malformed (400).
pub fn read_table(bytes: &[u8]) -> Result<(Table, Vec<FieldError>), ApiError> {
    let mut reader = ::csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ApiError::malformed_body(format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    if let Some(bad) = headers.iter().find(|h| has_nul(h)) {
        let shown = bad.replace('\0', "\u{fffd}");
        return Err(ApiError::validation(vec![FieldError::at_row(1, shown, NUL_MESSAGE)]));
    }
    let mut table = Table { headers, rows: Vec::new() };
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ApiError::malformed_body(format!("the CSV is malformed: {e}")))?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != table.headers.len() {
            let message = format!("has {} cells where the header has {}", record.len(), table.headers.len());
            errors.push(FieldError::at_row(line, "row", message));
            continue;
        }
        if let Some(column) = record.iter().position(has_nul) {
            errors.push(FieldError::at_row(line, table.headers[column].clone(), NUL_MESSAGE));
            continue;
        }
        table.rows.push(TableRow { line, cells: record.iter().map(str::to_owned).collect() });
    }
    Ok((table, errors))
}

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
    fn ragged_rows_and_nul_cells_are_row_errors() {
        let csv = "serial,make\nA1,Dell\nA2,Dell,extra\nA3\n,\nA4,De\0ll\nA5,HP\n";
        let (table, errors) = read_table(csv.as_bytes()).expect("reads");
        let lines: Vec<usize> = table.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 7]);
        let problems: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(problems, [(Some(3), "row"), (Some(4), "row"), (Some(6), "make")]);
        assert_eq!(errors[0].message, "has 3 cells where the header has 2");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+44 161"), "'+44 161");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("T4A-000001"), "T4A-000001");
    }
}
