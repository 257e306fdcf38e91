//! What a ward's fields must hold.

use crate::http::Problems;

pub fn check_name(problems: &mut Problems, name: &str) {
    problems.length("name", name, 1, 120);
}

/// A DERI score, when given, is a finite number from 0 to 10.
pub fn check_deri_score(problems: &mut crate::http::Problems, score: Option<f64>) {
    if let Some(s) = score {
        problems.check(s.is_finite() && (0.0..=10.0).contains(&s), "deri_score", "must be a number from 0 to 10");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Problems;

    fn fails(score: Option<f64>) -> bool {
        let mut p = Problems::new();
        check_deri_score(&mut p, score);
        p.finish().is_err()
    }

    #[test]
    fn deri_scores_are_bounded() {
        assert!(!fails(None));
        assert!(!fails(Some(0.0)));
        assert!(!fails(Some(7.25)));
        assert!(fails(Some(-1.0)));
        assert!(fails(Some(10.5)));
        assert!(fails(Some(f64::NAN)));
    }
}
