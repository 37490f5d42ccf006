//! Scales a goal is measured on, each with its direction of "better".

use serde::{Deserialize, Serialize};

/// A measurement scale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scale {
    /// FSIII functional level: 0 none … 4 total limitation. Lower is better.
    Fsiii,
    /// Goal Attainment Scaling −2 … +2. Higher is better.
    Gas,
    /// A number with a unit, e.g. kg or hours per week.
    Numeric {
        unit: String,
        higher_is_better: bool,
    },
    /// Free text goal without a numeric scale.
    None,
}

impl Scale {
    pub fn label(&self) -> String {
        match self {
            Scale::Fsiii => "FSIII funktionsniveau (0–4, lavere er bedre)".into(),
            Scale::Gas => "Goal Attainment Scaling (−2 til +2)".into(),
            Scale::Numeric {
                unit,
                higher_is_better,
            } => format!(
                "Tal ({unit}, {} er bedre)",
                if *higher_is_better {
                    "højere"
                } else {
                    "lavere"
                }
            ),
            Scale::None => "Uden skala".into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Scale::Fsiii => "fsiii",
            Scale::Gas => "gas",
            Scale::Numeric { .. } => "numeric",
            Scale::None => "none",
        }
    }

    /// Inclusive bounds, where the scale has them.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match self {
            Scale::Fsiii => Some((0.0, 4.0)),
            Scale::Gas => Some((-2.0, 2.0)),
            Scale::Numeric { .. } | Scale::None => None,
        }
    }

    /// Whether `value` may be recorded on this scale; a Danish reason when not.
    pub fn check(&self, value: f64) -> Result<(), String> {
        if !value.is_finite() {
            return Err("Værdien skal være et tal.".into());
        }
        match self {
            Scale::None => Err("Målet har ingen skala, så der kan ikke angives en værdi.".into()),
            Scale::Fsiii | Scale::Gas => {
                let (lo, hi) = self.bounds().unwrap_or((f64::MIN, f64::MAX));
                if value < lo || value > hi || value.fract() != 0.0 {
                    Err(format!(
                        "Værdien skal være et helt tal fra {lo} til {hi} på skalaen {}.",
                        self.label()
                    ))
                } else {
                    Ok(())
                }
            }
            Scale::Numeric { .. } => Ok(()),
        }
    }

    pub fn higher_is_better(&self) -> bool {
        match self {
            Scale::Fsiii => false,
            Scale::Gas | Scale::None => true,
            Scale::Numeric {
                higher_is_better, ..
            } => *higher_is_better,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fsiii_is_0_to_4_whole_numbers() {
        assert!(Scale::Fsiii.check(0.0).is_ok());
        assert!(Scale::Fsiii.check(4.0).is_ok());
        assert!(Scale::Fsiii.check(5.0).is_err());
        assert!(Scale::Fsiii.check(1.5).is_err());
        assert!(!Scale::Fsiii.higher_is_better());
    }

    proptest! {
        #[test]
        fn gas_accepts_exactly_minus2_to_2(v in -10i32..10) {
            prop_assert_eq!(Scale::Gas.check(f64::from(v)).is_ok(), (-2..=2).contains(&v));
        }

        #[test]
        fn numeric_accepts_finite_only(v in any::<f64>()) {
            let s = Scale::Numeric { unit: "kg".into(), higher_is_better: false };
            prop_assert_eq!(s.check(v).is_ok(), v.is_finite());
        }
    }
}
