//! Measurements (målinger): progress on a goal or on an FSIII area, on a real
//! scale, by a professional or by the citizen.
//!
//! A measurement is never changed. A correction is a new measurement that
//! names the one it supersedes and says why; the old one stays in the history.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::ids::{CitizenId, GoalId, MeasurementId, MeetingId, PlanId, StaffId};
use crate::org::coded_enum;
use crate::plan::{AreaCode, Goal, GoalStatus};
use crate::scale::Scale;
use crate::validation::ValidationErrors;

coded_enum!(
    /// FSIII C: how the citizen experiences their own performance.
    Performance {
        Performs => ("performs", "Udfører selv"),
        Partly => ("partly", "Udfører dele selv"),
        DoesNot => ("does_not", "Udfører ikke selv"),
        NotRelevant => ("not_relevant", "Ikke relevant"),
    }
);

coded_enum!(
    /// FSIII D: what the limitation means to the citizen.
    Meaning {
        Limited => ("limited", "Oplever begrænsninger"),
        NotLimited => ("not_limited", "Oplever ikke begrænsninger"),
    }
);

/// What was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reading {
    /// A value on the goal's own scale (GAS, numeric or ordinal).
    Level { value: f64 },
    /// FSIII functional level 0–4 (lower is better): the current level
    /// (`None` = ikke relevant) and the expected level (forventet tilstand).
    Functional {
        current: Option<u8>,
        expected: Option<u8>,
    },
    /// The citizen's own assessment (FSIII C performance and D meaning).
    SelfAssessment {
        performance: Performance,
        meaning: Meaning,
    },
    /// Satisfaction 1 (very dissatisfied) … 5 (very satisfied).
    Satisfaction { value: u8 },
}

impl Reading {
    pub fn code(&self) -> &'static str {
        match self {
            Reading::Level { .. } => "level",
            Reading::Functional { .. } => "functional",
            Reading::SelfAssessment { .. } => "self_assessment",
            Reading::Satisfaction { .. } => "satisfaction",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Reading::Level { .. } => "Måling",
            Reading::Functional { .. } => "Funktionsniveau",
            Reading::SelfAssessment { .. } => "Borgerens egen vurdering",
            Reading::Satisfaction { .. } => "Tilfredshed",
        }
    }

    /// The number that goes on the goal's trend line, if this reading has one.
    pub fn trend_value(&self) -> Option<f64> {
        match self {
            Reading::Level { value } => Some(*value),
            Reading::Functional { current, .. } => current.map(f64::from),
            Reading::SelfAssessment { .. } | Reading::Satisfaction { .. } => None,
        }
    }
}

pub const SATISFACTION_LABELS: [&str; 5] = [
    "1 Meget utilfreds",
    "2 Utilfreds",
    "3 Hverken eller",
    "4 Tilfreds",
    "5 Meget tilfreds",
];

/// Who made the assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Assessor {
    Staff {
        staff_id: StaffId,
        name: String,
    },
    /// The citizen's own assessment (recorded by the citizen or with them).
    Citizen,
}

impl Assessor {
    pub fn label(&self) -> String {
        match self {
            Assessor::Staff { name, .. } => name.clone(),
            Assessor::Citizen => "Borgeren selv".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Measurement {
    pub id: MeasurementId,
    pub citizen_id: CitizenId,
    /// The plan and goal measured, or none for a measurement on an area.
    pub plan_id: Option<PlanId>,
    pub goal_id: Option<GoalId>,
    /// The goal's area, or the area measured.
    pub area: Option<AreaCode>,
    /// The goal's scale when measured (FSIII for a functional level on an area).
    pub scale: Scale,
    pub reading: Reading,
    /// When the assessment was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub measured_at: OffsetDateTime,
    /// When it was written down.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: OffsetDateTime,
    pub assessor: Assessor,
    /// Who wrote it down (a professional, also for the citizen's own assessment
    /// entered with them); `None` when the citizen wrote it themselves.
    pub recorded_by: Option<StaffId>,
    pub note: String,
    pub meeting_id: Option<MeetingId>,
    /// The measurement this one corrects.
    pub supersedes: Option<MeasurementId>,
    pub correction_reason: Option<String>,
}

/// Tolerance for clocks: a measurement "a minute from now" is not the future.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// Checks a new measurement against its goal (if any) and the rules of its
/// reading. `goal` is `None` for a measurement on an area.
pub fn validate_measurement(
    m: &Measurement,
    goal: Option<&Goal>,
    now: OffsetDateTime,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if m.measured_at > now + CLOCK_SKEW {
        e.add(
            "measured_at",
            "Tidspunktet for målingen må ikke ligge i fremtiden.",
        );
    }
    if m.note.chars().count() > 2000 {
        e.add("note", "Noten må højst være 2000 tegn.");
    }
    if m.supersedes.is_some()
        && m.correction_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
    {
        e.add(
            "correction_reason",
            "Skriv hvorfor målingen rettes, så andre kan forstå rettelsen.",
        );
    }
    let fsiii_area = m.area.as_ref().is_some_and(|a| a.system == "fsiii");
    match goal {
        Some(g) => {
            if g.status != GoalStatus::Active {
                e.add(
                    "goal",
                    format!(
                        "Målet er afsluttet ({}); der kan ikke registreres nye målinger på det.",
                        g.status.label().to_lowercase()
                    ),
                );
            }
            match (&g.scale, &m.reading) {
                (Scale::Fsiii, Reading::Functional { .. })
                | (_, Reading::Satisfaction { .. }) => {}
                (Scale::Gas | Scale::Numeric { .. } | Scale::Ordinal { .. }, Reading::Level { value }) => {
                    if let Err(msg) = g.scale.check(*value) {
                        e.add("value", msg);
                    }
                }
                (_, Reading::SelfAssessment { .. }) if fsiii_area => {}
                (Scale::None, _) => e.add(
                    "value",
                    "Målet har ingen skala. Giv målet en skala, eller registrér borgerens tilfredshed.",
                ),
                _ => e.add(
                    "value",
                    format!("Målingen passer ikke til målets skala ({}).", g.scale.label()),
                ),
            }
        }
        None => match &m.reading {
            Reading::Functional { .. } | Reading::SelfAssessment { .. } if !fsiii_area => e.add(
                "area",
                "Vælg et FSIII-område for funktionsniveau og borgerens egen vurdering.",
            ),
            Reading::Level { .. } => e.add(
                "value",
                "En måling uden mål skal være et funktionsniveau, en egen vurdering eller tilfredshed.",
            ),
            _ => {}
        },
    }
    match &m.reading {
        Reading::Functional { current, expected } => {
            for (field, label, v) in [
                ("current", "Nuværende niveau", current),
                ("expected", "Forventet niveau", expected),
            ] {
                if let Some(v) = v
                    && *v > 4
                {
                    e.add(field, format!("{label} skal være fra 0 til 4."));
                }
            }
            match (current, expected) {
                (Some(c), Some(x)) if x > c && *x <= 4 && *c <= 4 => e.add(
                    "expected",
                    format!(
                        "Forventet niveau ({x}) må ikke være dårligere end det nuværende ({c}): på FSIII-skalaen er lavere bedre."
                    ),
                ),
                (None, Some(_)) => e.add(
                    "expected",
                    "Et forventet niveau kræver et nuværende niveau (ikke \"ikke relevant\").",
                ),
                _ => {}
            }
        }
        Reading::Satisfaction { value } if !(1..=5).contains(value) => {
            e.add("value", "Tilfredshed skal være fra 1 til 5.");
        }
        Reading::Level { value } if !value.is_finite() => {
            e.add("value", "Værdien skal være et tal.");
        }
        _ => {}
    }
    e.into_result(())
}

/// The direction of a series of values on a scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Improving,
    Stable,
    Worsening,
    /// Fewer than two values.
    Unknown,
}

impl Trend {
    /// From the first to the latest value, in the scale's direction of better.
    pub fn of(scale: &Scale, values: &[f64]) -> Trend {
        match (values.first(), values.last()) {
            (Some(first), Some(last)) if values.len() >= 2 => {
                match scale.improvement(*first, *last) {
                    Some(true) => Trend::Improving,
                    Some(false) => Trend::Worsening,
                    None => Trend::Stable,
                }
            }
            _ => Trend::Unknown,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Trend::Improving => "Bedring",
            Trend::Stable => "Uændret",
            Trend::Worsening => "Forværring",
            Trend::Unknown => "For få målinger",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Stable => "stable",
            Trend::Worsening => "worsening",
            Trend::Unknown => "unknown",
        }
    }
}

/// The measurements still in force: those no later measurement supersedes,
/// oldest first by the time of the assessment.
pub fn current(ms: &[Measurement]) -> Vec<&Measurement> {
    let superseded: std::collections::HashSet<MeasurementId> =
        ms.iter().filter_map(|m| m.supersedes).collect();
    let mut v: Vec<&Measurement> = ms.iter().filter(|m| !superseded.contains(&m.id)).collect();
    v.sort_by_key(|m| (m.measured_at, m.id));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn goal(scale: Scale) -> Goal {
        Goal {
            id: GoalId::new(),
            text: "Kan selv gå til bussen".into(),
            area: Some(AreaCode {
                system: "fsiii".into(),
                code: "J3.8".into(),
                display: "Gå".into(),
            }),
            scale,
            baseline: None,
            target: None,
            deadline: None,
            status: GoalStatus::Active,
            workers: vec![],
        }
    }

    fn m(reading: Reading) -> Measurement {
        Measurement {
            id: MeasurementId::new(),
            citizen_id: CitizenId::new(),
            plan_id: Some(PlanId::new()),
            goal_id: None,
            area: Some(AreaCode {
                system: "fsiii".into(),
                code: "J3.8".into(),
                display: "Gå".into(),
            }),
            scale: Scale::Fsiii,
            reading,
            measured_at: datetime!(2026-03-01 10:00 UTC),
            recorded_at: datetime!(2026-03-01 10:00 UTC),
            assessor: Assessor::Citizen,
            recorded_by: None,
            note: String::new(),
            meeting_id: None,
            supersedes: None,
            correction_reason: None,
        }
    }

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    #[test]
    fn gas_goal_takes_minus2_to_2() {
        let g = goal(Scale::Gas);
        assert!(validate_measurement(&m(Reading::Level { value: 1.0 }), Some(&g), NOW).is_ok());
        let e = validate_measurement(&m(Reading::Level { value: 3.0 }), Some(&g), NOW).unwrap_err();
        assert!(e.for_field("value").is_some());
    }

    #[test]
    fn future_and_closed_goal_are_refused() {
        let mut g = goal(Scale::Gas);
        g.status = GoalStatus::Achieved;
        let mut x = m(Reading::Level { value: 0.0 });
        x.measured_at = datetime!(2026-07-01 0:00 UTC);
        let e = validate_measurement(&x, Some(&g), NOW).unwrap_err();
        assert!(e.for_field("measured_at").is_some());
        assert!(e.for_field("goal").unwrap().contains("opnået"));
    }

    #[test]
    fn expected_level_may_not_be_worse_than_current() {
        let g = goal(Scale::Fsiii);
        let ok = Reading::Functional {
            current: Some(3),
            expected: Some(1),
        };
        assert!(validate_measurement(&m(ok), Some(&g), NOW).is_ok());
        let worse = Reading::Functional {
            current: Some(1),
            expected: Some(3),
        };
        let e = validate_measurement(&m(worse), Some(&g), NOW).unwrap_err();
        assert!(e.for_field("expected").is_some());
        let out = Reading::Functional {
            current: Some(5),
            expected: None,
        };
        assert!(validate_measurement(&m(out), Some(&g), NOW).is_err());
        let not_relevant = Reading::Functional {
            current: None,
            expected: None,
        };
        assert!(validate_measurement(&m(not_relevant), Some(&g), NOW).is_ok());
    }

    #[test]
    fn reading_must_fit_the_scale_and_area() {
        let g = goal(Scale::Gas);
        let f = Reading::Functional {
            current: Some(2),
            expected: None,
        };
        assert!(validate_measurement(&m(f.clone()), Some(&g), NOW).is_err());
        let mut area_only = m(f);
        area_only.area = None;
        assert!(validate_measurement(&area_only, None, NOW).is_err());
        assert!(validate_measurement(&m(Reading::Satisfaction { value: 6 }), None, NOW).is_err());
        assert!(validate_measurement(&m(Reading::Satisfaction { value: 5 }), None, NOW).is_ok());
        let sa = Reading::SelfAssessment {
            performance: Performance::Partly,
            meaning: Meaning::Limited,
        };
        assert!(validate_measurement(&m(sa), Some(&g), NOW).is_ok());
    }

    #[test]
    fn correction_needs_a_reason_and_supersedes() {
        let a = m(Reading::Satisfaction { value: 2 });
        let mut b = m(Reading::Satisfaction { value: 4 });
        b.supersedes = Some(a.id);
        assert!(validate_measurement(&b, None, NOW).is_err());
        b.correction_reason = Some("Tastefejl".into());
        assert!(validate_measurement(&b, None, NOW).is_ok());
        let all = [a.clone(), b.clone()];
        let cur = current(&all);
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0].id, b.id);
    }

    #[test]
    fn trend_follows_the_direction_of_better() {
        assert_eq!(Trend::of(&Scale::Fsiii, &[3.0, 2.0, 1.0]), Trend::Improving);
        assert_eq!(Trend::of(&Scale::Gas, &[0.0, -1.0]), Trend::Worsening);
        assert_eq!(Trend::of(&Scale::Gas, &[1.0, 0.0, 1.0]), Trend::Stable);
        assert_eq!(Trend::of(&Scale::Gas, &[1.0]), Trend::Unknown);
    }
}
