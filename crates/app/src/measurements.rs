//! Measurements on goals and areas, custom scales, and a goal's progress.

use serde::Deserialize;
use time::OffsetDateTime;
use tvaers_domain::Actor;
use tvaers_domain::ValidationErrors;
use tvaers_domain::ids::{CitizenId, GoalId, MeasurementId, MeetingId, PlanId, ScaleId};
use tvaers_domain::measure::{
    Assessor, Meaning, Measurement, Performance, Reading, Trend, current, validate_measurement,
};
use tvaers_domain::plan::{AreaCode, Goal, Plan, PlanStatus};
use tvaers_domain::scale::{CustomScale, Scale};
use tvaers_domain::terminology::fsiii_display;

use crate::meetings::parse_local_datetime;
use crate::policy::{Action, Resource};
use crate::{App, AppError, AppResult};

/// Raw input for a measurement, from a form or JSON. Which fields count
/// depends on `kind`: `level` (value), `functional` (current, expected),
/// `self_assessment` (performance, meaning) or `satisfaction` (value 1–5).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MeasurementInput {
    /// The goal measured; empty for a measurement on an area.
    #[serde(default)]
    pub goal_id: Option<String>,
    /// `fsiii:<code>` for a measurement on an area (ignored with a goal).
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub kind: String,
    #[serde(default, deserialize_with = "crate::plans::string_or_number")]
    #[schema(value_type = Option<f64>)]
    pub value: Option<String>,
    /// FSIII current level 0–4, or `9`/`not_relevant` for "ikke relevant".
    #[serde(default, deserialize_with = "crate::plans::string_or_number")]
    #[schema(value_type = Option<String>)]
    pub current: Option<String>,
    /// FSIII expected level 0–4 (forventet tilstand).
    #[serde(default, deserialize_with = "crate::plans::string_or_number")]
    #[schema(value_type = Option<String>)]
    pub expected: Option<String>,
    #[serde(default)]
    pub performance: Option<String>,
    #[serde(default)]
    pub meaning: Option<String>,
    /// Local Danish time `YYYY-MM-DDTHH:MM`; default now.
    #[serde(default)]
    pub measured_at: Option<String>,
    /// `staff` (default) or `citizen` (the citizen's own assessment).
    #[serde(default)]
    pub assessor: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub meeting_id: Option<String>,
    /// Set when correcting: the measurement this one supersedes.
    #[serde(default)]
    pub supersedes: Option<String>,
    #[serde(default)]
    pub correction_reason: Option<String>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn parse_id<T>(
    e: &mut ValidationErrors,
    field: &'static str,
    raw: &Option<String>,
    wrap: fn(uuid::Uuid) -> T,
) -> Option<T> {
    let raw = text(raw)?;
    match raw.parse::<uuid::Uuid>() {
        Ok(u) => Some(wrap(u)),
        Err(_) => {
            e.add(field, "Henvisningen er ikke gyldig.");
            None
        }
    }
}

fn parse_level(e: &mut ValidationErrors, field: &'static str, raw: &Option<String>) -> Option<u8> {
    let raw = text(raw)?;
    match raw.parse::<u8>() {
        Ok(v) if v <= 4 => Some(v),
        _ => {
            e.add(field, "Funktionsniveau skal være et helt tal fra 0 til 4.");
            None
        }
    }
}

impl MeasurementInput {
    /// The reading, checked for form; the rules against the goal's scale are
    /// the domain's (`validate_measurement`).
    fn reading(&self, e: &mut ValidationErrors) -> Option<Reading> {
        match self.kind.trim() {
            "level" => match text(&self.value).map(|v| v.replace(',', ".").parse::<f64>()) {
                Some(Ok(value)) if value.is_finite() => Some(Reading::Level { value }),
                Some(_) => {
                    e.add("value", "Værdien skal være et tal.");
                    None
                }
                None => {
                    e.add("value", "Angiv en værdi.");
                    None
                }
            },
            "functional" => {
                let not_relevant =
                    matches!(text(&self.current).as_deref(), Some("9" | "not_relevant"));
                let current = if not_relevant {
                    None
                } else {
                    let c = parse_level(e, "current", &self.current);
                    if c.is_none() && text(&self.current).is_none() {
                        e.add(
                            "current",
                            "Angiv det nuværende funktionsniveau (0–4 eller ikke relevant).",
                        );
                    }
                    c
                };
                let expected = parse_level(e, "expected", &self.expected);
                Some(Reading::Functional { current, expected })
            }
            "self_assessment" => {
                let p = text(&self.performance).and_then(|p| Performance::from_code(&p));
                let m = text(&self.meaning).and_then(|m| Meaning::from_code(&m));
                if p.is_none() {
                    e.add(
                        "performance",
                        "Vælg hvordan borgeren selv oplever at udføre aktiviteten.",
                    );
                }
                if m.is_none() {
                    e.add("meaning", "Vælg om borgeren oplever begrænsninger.");
                }
                Some(Reading::SelfAssessment {
                    performance: p?,
                    meaning: m?,
                })
            }
            "satisfaction" => match text(&self.value).map(|v| v.parse::<u8>()) {
                Some(Ok(value)) => Some(Reading::Satisfaction { value }),
                _ => {
                    e.add("value", "Tilfredshed skal være fra 1 til 5.");
                    None
                }
            },
            _ => {
                e.add("kind", "Vælg hvad der måles.");
                None
            }
        }
    }
}

/// A goal's measurements and what they show.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct GoalProgress {
    pub plan_id: PlanId,
    pub citizen_id: CitizenId,
    pub goal: Goal,
    /// Every measurement on the goal, superseded ones included, oldest first.
    pub measurements: Vec<Measurement>,
    /// Ids of measurements a correction supersedes.
    pub superseded: Vec<MeasurementId>,
    /// The trend values in force: (time, value).
    #[schema(value_type = Vec<(String, f64)>)]
    pub series: Vec<(OffsetDateTime, f64)>,
    pub trend: Trend,
    /// The latest value in force, if any.
    pub latest: Option<f64>,
}

impl GoalProgress {
    pub fn of(plan: &Plan, goal: &Goal, all: &[Measurement]) -> GoalProgress {
        let mine: Vec<Measurement> = all
            .iter()
            .filter(|m| m.goal_id == Some(goal.id))
            .cloned()
            .collect();
        let in_force = current(&mine);
        let series: Vec<(OffsetDateTime, f64)> = in_force
            .iter()
            .filter_map(|m| m.reading.trend_value().map(|v| (m.measured_at, v)))
            .collect();
        let values: Vec<f64> = series.iter().map(|(_, v)| *v).collect();
        let superseded = mine.iter().filter_map(|m| m.supersedes).collect();
        GoalProgress {
            plan_id: plan.id,
            citizen_id: plan.citizen_id,
            goal: goal.clone(),
            trend: Trend::of(&goal.scale, &values),
            latest: values.last().copied(),
            series,
            superseded,
            measurements: mine,
        }
    }
}

impl App {
    /// Records a measurement (or, with `supersedes`, a correction of one).
    pub async fn record_measurement(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        input: &MeasurementInput,
    ) -> AppResult<Measurement> {
        let ev = self
            .authorize(
                actor,
                Action::Create,
                Resource::Citizen(citizen_id),
                "measurement",
                None,
            )
            .await?;
        self.ensure_citizen_allowed(citizen_id).await?;
        let m = self
            .build_measurement(citizen_id, input, Some(actor))
            .await?;
        let mut ev = ev;
        ev.resource_id = Some(m.id.0);
        self.store.add_measurement(&m, &ev).await.map_err(|err| match err {
            tvaers_store::StoreError::Conflict(_) => AppError::Conflict(
                "Målingen er allerede rettet af en anden. Genindlæs siden, og ret den nyeste måling.".into(),
            ),
            other => other.into(),
        })?;
        Ok(m)
    }

    /// Parses and checks a measurement; `recorder` is the staff member writing it
    /// down, or `None` when the citizen records it in the portal.
    pub(crate) async fn build_measurement(
        &self,
        citizen_id: CitizenId,
        input: &MeasurementInput,
        recorder: Option<&Actor>,
    ) -> AppResult<Measurement> {
        let now = OffsetDateTime::now_utc();
        let mut e = ValidationErrors::new();
        let goal_id = parse_id(&mut e, "goal_id", &input.goal_id, GoalId);
        let meeting_id = parse_id(&mut e, "meeting_id", &input.meeting_id, MeetingId);
        let supersedes = parse_id(&mut e, "supersedes", &input.supersedes, MeasurementId);
        let reading = input.reading(&mut e);
        let measured_at = match text(&input.measured_at) {
            Some(raw) => parse_local_datetime(&mut e, "measured_at", "Tidspunktet", &raw),
            None => Some(now),
        };
        let assessor = match (recorder, text(&input.assessor).as_deref()) {
            (None, _) | (Some(_), Some("citizen")) => Assessor::Citizen,
            (Some(actor), None | Some("staff")) => Assessor::Staff {
                staff_id: actor.staff_id,
                name: actor.full_name.clone(),
            },
            (Some(_), Some(_)) => {
                e.add("assessor", "Vælg hvem der har vurderet.");
                Assessor::Citizen
            }
        };
        // The goal must be in the citizen's active plan; a goal of another
        // citizen is simply not found.
        let (plan, goal) = match goal_id {
            Some(gid) => {
                let plan = self.store.active_plan(citizen_id).await?;
                let found = plan
                    .as_ref()
                    .and_then(|p| p.content.goals.iter().find(|g| g.id == gid).cloned());
                match (plan, found) {
                    (Some(p), Some(g)) => (Some(p), Some(g)),
                    _ => {
                        let closed =
                            self.store
                                .list_plans(citizen_id)
                                .await?
                                .into_iter()
                                .any(|p| {
                                    p.status == PlanStatus::Closed
                                        && p.content.goals.iter().any(|g| g.id == gid)
                                });
                        if closed {
                            e.add("goal", "Planen med målet er afsluttet; der kan ikke registreres nye målinger på den.");
                        } else {
                            e.add("goal_id", "Målet findes ikke i borgerens aktive plan.");
                        }
                        (None, None)
                    }
                }
            }
            None => (None, None),
        };
        let area = match &goal {
            Some(g) => g.area.clone(),
            None => match text(&input.area) {
                Some(raw) => {
                    let code = raw.strip_prefix("fsiii:").unwrap_or(&raw).to_string();
                    match fsiii_display(&code) {
                        Some(d) => Some(AreaCode {
                            system: "fsiii".into(),
                            display: d.to_string(),
                            code,
                        }),
                        None => {
                            e.add("area", "Vælg et FSIII-område fra listen.");
                            None
                        }
                    }
                }
                None => None,
            },
        };
        if let Some(m) = meeting_id {
            match self.store.get_meeting(m).await? {
                Some(meeting) if meeting.citizen_id == citizen_id => {}
                _ => e.add("meeting_id", "Mødet findes ikke hos borgeren."),
            }
        }
        let superseded = match supersedes {
            Some(id) => match self.store.get_measurement(id).await? {
                Some(old) if old.citizen_id == citizen_id => Some(old),
                _ => {
                    e.add("supersedes", "Målingen, der skal rettes, findes ikke.");
                    None
                }
            },
            None => None,
        };
        if let (Some(old), Some(gid)) = (&superseded, goal_id)
            && old.goal_id != Some(gid)
        {
            e.add(
                "supersedes",
                "En rettelse skal gælde samme mål som den oprindelige måling.",
            );
        }
        if goal_id.is_none()
            && area.is_none()
            && !e.fields.iter().any(|f| f.field == "area")
            && matches!(input.kind.trim(), "functional" | "self_assessment")
        {
            e.add(
                "area",
                "Vælg et FSIII-område for funktionsniveau og borgerens egen vurdering.",
            );
        }
        let (Some(reading), Some(measured_at)) = (reading, measured_at) else {
            return Err(e.into());
        };
        if !e.is_empty() {
            return Err(e.into());
        }
        let scale = match (&goal, &reading) {
            (Some(g), _) => g.scale.clone(),
            (None, Reading::Functional { .. }) => Scale::Fsiii,
            (None, _) => Scale::None,
        };
        let m = Measurement {
            id: MeasurementId::new(),
            citizen_id,
            plan_id: plan.as_ref().map(|p| p.id),
            goal_id,
            area,
            scale,
            reading,
            measured_at,
            recorded_at: now,
            assessor,
            recorded_by: recorder.map(|a| a.staff_id),
            note: text(&input.note).unwrap_or_default(),
            meeting_id,
            supersedes,
            correction_reason: text(&input.correction_reason),
        };
        validate_measurement(&m, goal.as_ref(), now)?;
        Ok(m)
    }

    /// All of a citizen's measurements (superseded included), oldest first.
    pub async fn list_measurements(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
    ) -> AppResult<Vec<Measurement>> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Citizen(citizen_id),
                "measurement",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let all = self.store.list_measurements(citizen_id).await?;
        self.record(&ev).await?;
        Ok(all)
    }

    /// One goal of a plan with its measurements and trend.
    pub async fn goal_progress(
        &self,
        actor: &Actor,
        plan_id: PlanId,
        goal_id: GoalId,
    ) -> AppResult<(Plan, GoalProgress)> {
        let plan = self.get_plan(actor, plan_id).await?;
        let goal = plan
            .content
            .goals
            .iter()
            .find(|g| g.id == goal_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        let all = self.store.list_measurements(plan.citizen_id).await?;
        let progress = GoalProgress::of(&plan, &goal, &all);
        Ok((plan, progress))
    }

    /// Every goal of a plan with its progress (the plan overview's charts).
    pub async fn plan_progress(&self, actor: &Actor, plan: &Plan) -> AppResult<Vec<GoalProgress>> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Citizen(plan.citizen_id),
                "measurement",
                Some(plan.id.0),
            )
            .await?;
        let all = self.store.list_measurements(plan.citizen_id).await?;
        self.record(&ev).await?;
        Ok(plan
            .content
            .goals
            .iter()
            .map(|g| GoalProgress::of(plan, g, &all))
            .collect())
    }

    // --- custom scales (administration)

    /// Scales offered for goals; every staff member may list them.
    pub async fn list_scales(&self) -> AppResult<Vec<CustomScale>> {
        Ok(self.store.list_scales().await?)
    }

    /// Every custom scale, in use or not, for the administrator's page.
    pub async fn administer_scales(&self, actor: &Actor) -> AppResult<Vec<CustomScale>> {
        self.authorize(actor, Action::Read, Resource::Administration, "scale", None)
            .await?;
        Ok(self.store.list_scales().await?)
    }

    pub async fn create_scale(&self, actor: &Actor, input: &ScaleInput) -> AppResult<CustomScale> {
        self.authorize(
            actor,
            Action::Create,
            Resource::Administration,
            "scale",
            None,
        )
        .await?;
        let scale = input.to_scale()?;
        let name = match &scale {
            Scale::Ordinal { name, .. } => name.clone(),
            Scale::Numeric { unit, .. } => text(&input.name).unwrap_or_else(|| unit.clone()),
            _ => String::new(),
        };
        let s = CustomScale {
            id: ScaleId::new(),
            name,
            scale,
            active: true,
        };
        self.store.create_scale(&s).await.map_err(|err| match err {
            tvaers_store::StoreError::Conflict(_) => {
                AppError::Validation(ValidationErrors::single(
                    "scale_name",
                    "Der findes allerede en skala med det navn.",
                ))
            }
            other => other.into(),
        })?;
        self.directory_changed();
        Ok(s)
    }

    pub async fn set_scale_active(
        &self,
        actor: &Actor,
        id: ScaleId,
        active: bool,
    ) -> AppResult<()> {
        self.authorize(
            actor,
            Action::Update,
            Resource::Administration,
            "scale",
            Some(id.0),
        )
        .await?;
        self.store.set_scale_active(id, active).await?;
        self.directory_changed();
        Ok(())
    }

    /// `custom:<id>` → that scale; `ordinal` → the goal's existing ordinal scale.
    pub(crate) async fn resolve_custom_scale(
        &self,
        code: &str,
        existing: Option<Scale>,
    ) -> AppResult<Option<Scale>> {
        let code = code.trim();
        if code == "ordinal" {
            return Ok(existing.filter(|s| matches!(s, Scale::Ordinal { .. })));
        }
        let Some(id) = code
            .strip_prefix("custom:")
            .and_then(|i| i.parse::<uuid::Uuid>().ok())
        else {
            return Ok(None);
        };
        Ok(self
            .store
            .list_scales()
            .await?
            .into_iter()
            .find(|s| s.id.0 == id && s.active)
            .map(|s| s.scale))
    }
}

/// An administrator's new scale.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ScaleInput {
    /// `numeric` or `ordinal`
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Unit of a numeric scale.
    #[serde(default)]
    pub unit: Option<String>,
    /// Steps of an ordinal scale, worst or lowest first; one per line in forms.
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub higher_is_better: Option<bool>,
}

impl ScaleInput {
    pub fn to_scale(&self) -> Result<Scale, ValidationErrors> {
        let higher_is_better = self.higher_is_better.unwrap_or(true);
        let scale = match self.kind.trim() {
            "numeric" => Scale::Numeric {
                unit: text(&self.unit).unwrap_or_default(),
                higher_is_better,
            },
            "ordinal" => Scale::Ordinal {
                name: text(&self.name).unwrap_or_default(),
                labels: self
                    .labels
                    .iter()
                    .flat_map(|l| l.lines())
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                higher_is_better,
            },
            _ => {
                return Err(ValidationErrors::single(
                    "scale_kind",
                    "Vælg om skalaen er en talskala eller en trinskala.",
                ));
            }
        };
        scale.validate_custom()?;
        if matches!(scale, Scale::Numeric { .. }) && text(&self.name).is_none() {
            return Err(ValidationErrors::single(
                "scale_name",
                "Skalaen skal have et navn.",
            ));
        }
        Ok(scale)
    }
}
