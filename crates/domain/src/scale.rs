//! Scales a goal is measured on, each with its direction of "better".

use serde::{Deserialize, Serialize};

use crate::validation::ValidationErrors;

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
    /// Ordered steps with their own labels (defined by an administrator), stored
    /// as 0 … n−1 in the order given.
    Ordinal {
        name: String,
        labels: Vec<String>,
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
            Scale::Ordinal {
                name,
                labels,
                higher_is_better,
            } => format!(
                "{name} ({}, {} er bedre)",
                labels.join(" · "),
                if *higher_is_better {
                    "højere"
                } else {
                    "lavere"
                }
            ),
            Scale::None => "Uden skala".into(),
        }
    }

    /// The label of one value: the step's own label on ordinal scales, the
    /// FSIII level's name, or the number with its unit.
    pub fn value_label(&self, value: f64) -> String {
        match self {
            Scale::Fsiii => match value as i64 {
                0 => "0 Ingen/ubetydelige begrænsninger".into(),
                1 => "1 Lette begrænsninger".into(),
                2 => "2 Moderate begrænsninger".into(),
                3 => "3 Svære begrænsninger".into(),
                4 => "4 Totale begrænsninger".into(),
                _ => format_number(value),
            },
            Scale::Gas => format!("{:+}", value as i64).replace("+0", "0"),
            Scale::Numeric { unit, .. } => format!("{} {unit}", format_number(value)),
            Scale::Ordinal { labels, .. } => labels
                .get(value as usize)
                .cloned()
                .unwrap_or_else(|| format_number(value)),
            Scale::None => format_number(value),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Scale::Fsiii => "fsiii",
            Scale::Gas => "gas",
            Scale::Numeric { .. } => "numeric",
            Scale::Ordinal { .. } => "ordinal",
            Scale::None => "none",
        }
    }

    /// Inclusive bounds, where the scale has them.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match self {
            Scale::Fsiii => Some((0.0, 4.0)),
            Scale::Gas => Some((-2.0, 2.0)),
            Scale::Ordinal { labels, .. } => Some((0.0, labels.len().saturating_sub(1) as f64)),
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
            Scale::Fsiii | Scale::Gas | Scale::Ordinal { .. } => {
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
            }
            | Scale::Ordinal {
                higher_is_better, ..
            } => *higher_is_better,
        }
    }

    /// Whether `to` is better than `from` on this scale (`Some(false)` when
    /// worse, `None` when equal).
    pub fn improvement(&self, from: f64, to: f64) -> Option<bool> {
        if to == from {
            None
        } else {
            Some((to > from) == self.higher_is_better())
        }
    }

    /// An administrator's definition of a custom scale: a numeric scale with a
    /// unit, or an ordinal scale with at least two labels.
    pub fn validate_custom(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        match self {
            Scale::Numeric { unit, .. } => {
                if unit.trim().is_empty() {
                    e.add(
                        "scale_unit",
                        "En talskala skal have en enhed, fx kg eller timer om ugen.",
                    );
                } else if unit.chars().count() > 40 {
                    e.add("scale_unit", "Enheden må højst være 40 tegn.");
                }
            }
            Scale::Ordinal { name, labels, .. } => {
                if name.trim().is_empty() {
                    e.add("scale_name", "Skalaen skal have et navn.");
                }
                if labels.len() < 2 {
                    e.add(
                        "scale_labels",
                        "En trinskala skal have mindst to trin (ét pr. linje).",
                    );
                } else if labels.len() > 11 {
                    e.add("scale_labels", "En trinskala må højst have 11 trin.");
                }
                if labels
                    .iter()
                    .any(|l| l.trim().is_empty() || l.chars().count() > 80)
                {
                    e.add(
                        "scale_labels",
                        "Hvert trin skal have en tekst på højst 80 tegn.",
                    );
                }
            }
            _ => e.add(
                "scale_kind",
                "Kun tal- og trinskalaer kan oprettes af en administrator.",
            ),
        }
        e.into_result(())
    }
}

/// A scale an administrator defined, offered when a goal is set up; the goal
/// keeps its own copy of the definition, so retiring a scale changes no goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomScale {
    pub id: crate::ids::ScaleId,
    pub name: String,
    pub scale: Scale,
    pub active: bool,
}

/// A number as Danes write it: decimal comma, no trailing zeros.
pub fn format_number(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
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

    #[test]
    fn ordinal_values_are_step_indexes() {
        let s = Scale::Ordinal {
            name: "Trivsel".into(),
            labels: vec!["Dårlig".into(), "Middel".into(), "God".into()],
            higher_is_better: true,
        };
        assert!(s.check(0.0).is_ok());
        assert!(s.check(2.0).is_ok());
        assert!(s.check(3.0).is_err());
        assert_eq!(s.value_label(1.0), "Middel");
        assert_eq!(s.improvement(0.0, 2.0), Some(true));
        assert_eq!(Scale::Fsiii.improvement(3.0, 1.0), Some(true));
        assert_eq!(Scale::Fsiii.improvement(1.0, 1.0), None);
    }

    #[test]
    fn custom_scales_need_unit_or_labels() {
        let bad = Scale::Ordinal {
            name: " ".into(),
            labels: vec!["x".into()],
            higher_is_better: true,
        };
        let e = bad.validate_custom().unwrap_err();
        assert!(e.for_field("scale_name").is_some());
        assert!(e.for_field("scale_labels").is_some());
        assert!(
            Scale::Numeric {
                unit: "kg".into(),
                higher_is_better: false
            }
            .validate_custom()
            .is_ok()
        );
        assert!(Scale::Fsiii.validate_custom().is_err());
        assert_eq!(format_number(72.5), "72,5");
        assert_eq!(format_number(3.0), "3");
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
