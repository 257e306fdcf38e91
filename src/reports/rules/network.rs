//! Which schemes a report covers. A report is of the caller's own scheme unless `schemes` names
//! others: a reporter granted several schemes (a network such as a combined authority) asks for
//! one, several (grouped by `scheme`), or their sum. Figures are added across schemes before
//! anything is suppressed, so a sum is published under the same rule as each scheme's figures.

use super::Refusal;
use crate::ids::SchemeId;

/// The most schemes one report may cover.
pub const MAX_SCHEMES: usize = 50;

/// The schemes `raw` names (comma-separated ids), each the caller's own or one granted to them;
/// the caller's own when absent.
pub fn covered(raw: Option<&str>, own: SchemeId, granted: &[SchemeId]) -> Result<Vec<SchemeId>, Refusal> {
    let Some(raw) = raw else { return Ok(vec![own]) };
    let bad = |message: &str| Refusal::BadQuery { field: "schemes", message: message.to_owned() };
    let mut schemes = Vec::new();
    for part in raw.split(',') {
        let id: SchemeId = part.parse().map_err(|_| bad("must be scheme ids separated by commas"))?;
        if schemes.contains(&id) {
            return Err(bad("names a scheme twice"));
        }
        schemes.push(id);
    }
    if schemes.len() > MAX_SCHEMES {
        return Err(bad("names more than 50 schemes"));
    }
    if schemes.iter().any(|s| *s != own && !granted.contains(s)) {
        return Err(Refusal::UnknownScheme);
    }
    Ok(schemes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_covers_the_callers_scheme_or_those_granted() {
        let (own, granted, other) = (SchemeId::new(), SchemeId::new(), SchemeId::new());
        assert_eq!(covered(None, own, &[]), Ok(vec![own]));
        assert!(matches!(covered(Some(" "), own, &[granted]), Err(Refusal::BadQuery { .. })), "given, but empty");
        assert!(matches!(covered(Some(""), own, &[]), Err(Refusal::BadQuery { .. })));
        assert_eq!(covered(Some(&format!("{granted},{own}")), own, &[granted]), Ok(vec![granted, own]));
        assert_eq!(covered(Some(&other.to_string()), own, &[granted]), Err(Refusal::UnknownScheme));
        assert!(matches!(covered(Some("x"), own, &[]), Err(Refusal::BadQuery { field: "schemes", .. })));
        assert!(matches!(covered(Some(&format!("{own},{own}")), own, &[]), Err(Refusal::BadQuery { .. })));
    }
}
