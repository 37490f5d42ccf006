//! Plan use cases: open, edit section by section, hand over the coordinator
//! role, close, history, compare and restore. Every change is a new version
//! with author, time and reason, saved only if nobody saved in between.

use serde::Deserialize;
use time::{Date, OffsetDateTime};
use tvaers_domain::Actor;
use tvaers_domain::ValidationErrors;
use tvaers_domain::case::parse_date;
use tvaers_domain::ids::{CitizenId, GoalId, InterventionId, PlanId, StaffId, UnitId};
use tvaers_domain::plan::{
    AreaCode, Deliverer, Goal, GoalStatus, Intervention, InterventionStatus, Plan, PlanContent,
    PlanStatus, PlanVersion, TeamMember, Wishes, WishesAuthor, diff,
};
use tvaers_domain::scale::Scale;
use tvaers_store::StoreError;

use crate::policy::{Action, Resource};
use crate::{App, AppError, AppResult};

/// Raw goal input from a form or JSON.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct GoalInput {
    #[serde(default)]
    pub text: String,
    /// `fsiii:<code>`, `ffb:<code>` or empty; `area_display` names it.
    #[serde(default)]
    pub area_code: Option<String>,
    #[serde(default)]
    pub area_display: Option<String>,
    /// `fsiii`, `gas`, `numeric` or `none`
    #[serde(default)]
    pub scale: String,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub higher_is_better: Option<bool>,
    #[serde(default, deserialize_with = "string_or_number")]
    #[schema(value_type = Option<f64>)]
    pub baseline: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    #[schema(value_type = Option<f64>)]
    pub target: Option<String>,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub deadline: Option<String>,
    /// `active`, `achieved`, `partly`, `not_achieved`, `dropped`; default active.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub workers: Vec<String>,
    /// A custom scale (`scale` = `custom:<id>`) or the goal's own ordinal scale,
    /// looked up by the use case before the input is turned into a goal.
    #[serde(skip)]
    #[schema(ignore)]
    pub resolved_scale: Option<Scale>,
}

/// Raw intervention input.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct InterventionInput {
    #[serde(default)]
    pub what: String,
    /// `unit`, `staff` or `provider`
    #[serde(default)]
    pub deliverer_kind: String,
    /// Unit id, staff id or provider name, by kind.
    #[serde(default)]
    pub deliverer: String,
    #[serde(default)]
    pub goal_ids: Vec<String>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    pub frequency: Option<String>,
    #[serde(default)]
    pub legal_basis: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// Raw care-team member input.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct MemberInput {
    /// `staff`, `relative` or `external`
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub staff_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub relation: Option<String>,
    #[serde(default)]
    pub organisation: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
}

/// Accepts `"3"`, `3` or `3.5` for a numeric form field, so JSON clients may send numbers.
pub(crate) fn string_or_number<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        N(f64),
    }
    Ok(match Option::<Raw>::deserialize(d)? {
        None => None,
        Some(Raw::S(s)) => Some(s),
        Some(Raw::N(n)) => Some(n.to_string()),
    })
}

fn opt_text(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn parse_number(
    e: &mut ValidationErrors,
    field: &'static str,
    label: &str,
    raw: &Option<String>,
) -> Option<f64> {
    let s = opt_text(raw)?;
    match s.replace(',', ".").parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            e.add(field, format!("{label} skal være et tal."));
            None
        }
    }
}

fn parse_opt_date(
    e: &mut ValidationErrors,
    field: &'static str,
    label: &str,
    raw: &Option<String>,
) -> Option<Date> {
    opt_text(raw).and_then(|s| parse_date(e, field, label, &s))
}

fn parse_uuid<T>(
    e: &mut ValidationErrors,
    field: &'static str,
    msg: &str,
    raw: &str,
    wrap: fn(uuid::Uuid) -> T,
) -> Option<T> {
    match raw.trim().parse::<uuid::Uuid>() {
        Ok(u) => Some(wrap(u)),
        Err(_) => {
            e.add(field, msg.to_string());
            None
        }
    }
}

impl GoalInput {
    /// Builds the goal (keeping `id`); domain rules are checked with the whole plan.
    pub fn to_goal(&self, id: GoalId) -> Result<Goal, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let scale = match self.scale.trim() {
            "fsiii" => Scale::Fsiii,
            "gas" => Scale::Gas,
            "numeric" => {
                let unit = opt_text(&self.unit).unwrap_or_default();
                if unit.is_empty() {
                    e.add(
                        "goal_unit",
                        "Angiv enheden for talskalaen (fx kg eller timer pr. uge).",
                    );
                }
                Scale::Numeric {
                    unit,
                    higher_is_better: self.higher_is_better.unwrap_or(true),
                }
            }
            "none" | "" => Scale::None,
            s if s.starts_with("custom:") || s == "ordinal" => match &self.resolved_scale {
                Some(sc) => sc.clone(),
                None => {
                    e.add(
                        "goal_scale",
                        "Den valgte skala findes ikke (længere). Vælg en anden.",
                    );
                    Scale::None
                }
            },
            _ => {
                e.add("goal_scale", "Vælg en skala fra listen.");
                Scale::None
            }
        };
        let area = match opt_text(&self.area_code) {
            None => None,
            Some(code) => {
                let (system, code) = code
                    .split_once(':')
                    .map(|(s, c)| (s.to_string(), c.to_string()))
                    .unwrap_or(("free".into(), code));
                let display = opt_text(&self.area_display).unwrap_or_else(|| code.clone());
                Some(AreaCode {
                    system,
                    code,
                    display,
                })
            }
        };
        let baseline = parse_number(&mut e, "goal_baseline", "Udgangspunktet", &self.baseline);
        let target = parse_number(&mut e, "goal_target", "Målværdien", &self.target);
        let deadline = parse_opt_date(&mut e, "goal_deadline", "Fristen", &self.deadline);
        let status = match opt_text(&self.status) {
            None => GoalStatus::Active,
            Some(s) => GoalStatus::from_code(&s).unwrap_or_else(|| {
                e.add("goal_status", "Vælg en gyldig status.");
                GoalStatus::Active
            }),
        };
        let workers = self
            .workers
            .iter()
            .filter(|w| !w.trim().is_empty())
            .filter_map(|w| {
                parse_uuid(
                    &mut e,
                    "goal_workers",
                    "En valgt medarbejder er ugyldig.",
                    w,
                    StaffId,
                )
            })
            .collect();
        let goal = Goal {
            id,
            text: self.text.trim().to_string(),
            area,
            scale,
            baseline,
            target,
            deadline,
            status,
            workers,
        };
        tvaers_domain::plan::validate_goal(&goal, &mut e);
        e.into_result(goal)
    }
}

impl InterventionInput {
    pub fn to_intervention(&self, id: InterventionId) -> Result<Intervention, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let deliverer = match self.deliverer_kind.trim() {
            "unit" => parse_uuid(
                &mut e,
                "intervention_deliverer",
                "Vælg den enhed, der leverer indsatsen.",
                &self.deliverer,
                UnitId,
            )
            .map(|unit_id| Deliverer::Unit { unit_id }),
            "staff" => parse_uuid(
                &mut e,
                "intervention_deliverer",
                "Vælg den medarbejder, der leverer indsatsen.",
                &self.deliverer,
                StaffId,
            )
            .map(|staff_id| Deliverer::Staff { staff_id }),
            "provider" => Some(Deliverer::Provider {
                name: self.deliverer.trim().to_string(),
            }),
            _ => {
                e.add(
                    "intervention_deliverer",
                    "Angiv hvem der leverer indsatsen (enhed, medarbejder eller leverandør).",
                );
                None
            }
        };
        let goal_ids = self
            .goal_ids
            .iter()
            .filter(|g| !g.trim().is_empty())
            .filter_map(|g| {
                parse_uuid(
                    &mut e,
                    "intervention_goals",
                    "Et valgt mål er ugyldigt.",
                    g,
                    GoalId,
                )
            })
            .collect();
        let start = parse_opt_date(&mut e, "intervention_start", "Startdatoen", &self.start);
        let end = parse_opt_date(&mut e, "intervention_end", "Slutdatoen", &self.end);
        let status = match opt_text(&self.status) {
            None => InterventionStatus::Planned,
            Some(s) => InterventionStatus::from_code(&s).unwrap_or_else(|| {
                e.add("intervention_status", "Vælg en gyldig status.");
                InterventionStatus::Planned
            }),
        };
        match deliverer {
            Some(deliverer) if e.is_empty() => Ok(Intervention {
                id,
                what: self.what.trim().to_string(),
                deliverer,
                goal_ids,
                start,
                end,
                frequency: opt_text(&self.frequency),
                legal_basis: opt_text(&self.legal_basis),
                status,
            }),
            _ => Err(e),
        }
    }
}

/// A plan edit: what to do to the content.
pub enum PlanEdit {
    Wishes {
        text: String,
        on_behalf: bool,
    },
    OverallGoal(String),
    AddGoal(GoalInput),
    UpdateGoal(GoalId, GoalInput),
    AddIntervention(InterventionInput),
    UpdateIntervention(InterventionId, InterventionInput),
    AddMember(MemberInput),
    RemoveStaff(StaffId),
    RemoveMember(usize),
    HandOver(StaffId),
    Review {
        review_on: Option<String>,
        cadence: Option<String>,
    },
    /// Replace the whole content (API).
    Replace(Box<PlanContent>),
}

impl PlanEdit {
    fn default_reason(&self) -> &'static str {
        match self {
            PlanEdit::Wishes { .. } => "Ønsker og drømme opdateret",
            PlanEdit::OverallGoal(_) => "Overordnet mål opdateret",
            PlanEdit::AddGoal(_) => "Mål tilføjet",
            PlanEdit::UpdateGoal(..) => "Mål ændret",
            PlanEdit::AddIntervention(_) => "Indsats tilføjet",
            PlanEdit::UpdateIntervention(..) => "Indsats ændret",
            PlanEdit::AddMember(_) => "Forløbsteam udvidet",
            PlanEdit::RemoveStaff(_) | PlanEdit::RemoveMember(_) => "Forløbsteam ændret",
            PlanEdit::HandOver(_) => "Tovholderrollen givet videre",
            PlanEdit::Review { .. } => "Opfølgning ændret",
            PlanEdit::Replace(_) => "Plan opdateret",
        }
    }
}

impl App {
    async fn staff_name(&self, id: StaffId) -> String {
        match self.store.get_staff(id).await {
            Ok(Some(s)) => s.full_name,
            _ => "ukendt medarbejder".into(),
        }
    }

    /// Human-readable changes between two contents, with staff names resolved.
    pub async fn describe_changes(&self, old: &PlanContent, new: &PlanContent) -> Vec<String> {
        let mut ids: Vec<StaffId> = old.staff_members().chain(new.staff_members()).collect();
        ids.push(old.coordinator);
        ids.push(new.coordinator);
        ids.sort();
        ids.dedup();
        let mut names = std::collections::HashMap::new();
        for id in ids {
            names.insert(id, self.staff_name(id).await);
        }
        diff(old, new, &|id| {
            names.get(&id).cloned().unwrap_or_else(|| "ukendt".into())
        })
    }

    async fn plan_for_actor(
        &self,
        actor: &Actor,
        id: PlanId,
        action: Action,
    ) -> AppResult<(Plan, tvaers_domain::audit::NewAuditEvent)> {
        let plan = self.store.get_plan(id).await?;
        let citizen = plan.as_ref().map(|p| p.citizen_id).unwrap_or_default();
        let ev = self
            .authorize(
                actor,
                action,
                Resource::Citizen(citizen),
                "plan",
                Some(id.0),
            )
            .await?;
        Ok((plan.ok_or(AppError::NotFound)?, ev))
    }

    /// Opens a new plan; the actor becomes its coordinator.
    pub async fn open_plan(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        overall_goal: &str,
    ) -> AppResult<Plan> {
        let mut ev = self
            .authorize(
                actor,
                Action::Create,
                Resource::Citizen(citizen_id),
                "plan",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let content = PlanContent::new(actor.staff_id, overall_goal.trim().to_string());
        content.validate()?;
        let now = OffsetDateTime::now_utc();
        let plan = Plan {
            id: PlanId::new(),
            citizen_id,
            status: PlanStatus::Active,
            version: 1,
            content,
            created_at: now,
            updated_at: now,
        };
        let first = PlanVersion {
            plan_id: plan.id,
            version: 1,
            author_id: Some(actor.staff_id),
            author_name: actor.full_name.clone(),
            at: now,
            reason: "Plan oprettet".into(),
            status: PlanStatus::Active,
            content: plan.content.clone(),
        };
        ev.resource_id = Some(plan.id.0);
        self.store
            .create_plan(&plan, &first, &ev)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::Conflict(
                    "Borgeren har allerede en aktiv plan. Afslut den, før en ny oprettes.".into(),
                ),
                other => other.into(),
            })?;
        Ok(plan)
    }

    pub async fn get_plan(&self, actor: &Actor, id: PlanId) -> AppResult<Plan> {
        let (plan, ev) = self.plan_for_actor(actor, id, Action::Read).await?;
        self.record(&ev).await?;
        Ok(plan)
    }

    /// The citizen's active plan, if any.
    pub async fn active_plan(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
    ) -> AppResult<Option<Plan>> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Citizen(citizen_id),
                "plan",
                None,
            )
            .await?;
        let plan = self.store.active_plan(citizen_id).await?;
        self.record(&ev).await?;
        Ok(plan)
    }

    /// All plans of the citizen, newest first (closed ones stay readable).
    pub async fn list_plans(&self, actor: &Actor, citizen_id: CitizenId) -> AppResult<Vec<Plan>> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Citizen(citizen_id),
                "plan_list",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let plans = self.store.list_plans(citizen_id).await?;
        self.record(&ev).await?;
        Ok(plans)
    }

    /// Applies one edit to the plan as of `expected_version`. A stale version
    /// is refused with the changes the other person made.
    pub async fn edit_plan(
        &self,
        actor: &Actor,
        id: PlanId,
        expected_version: i64,
        edit: PlanEdit,
        reason: Option<&str>,
    ) -> AppResult<Plan> {
        let (current, ev) = self.plan_for_actor(actor, id, Action::Update).await?;
        if current.status != PlanStatus::Active {
            return Err(AppError::Conflict(
                "Planen er afsluttet og kan ikke ændres. Opret en ny plan.".into(),
            ));
        }
        if current.version != expected_version {
            return Err(self.stale(id, expected_version, &current).await);
        }
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or(edit.default_reason())
            .to_string();
        if reason.chars().count() > 500 {
            return Err(
                ValidationErrors::single("reason", "Begrundelsen må højst være 500 tegn.").into(),
            );
        }
        let mut content = current.content.clone();
        self.apply(actor, &mut content, edit).await?;
        content.validate()?;
        if content == current.content {
            return Ok(current);
        }
        self.save_version(
            (Some(actor.staff_id), actor.full_name.clone()),
            current,
            (content, PlanStatus::Active, reason),
            expected_version,
            ev,
        )
        .await
    }

    pub(crate) async fn save_version(
        &self,
        (author_id, author_name): (Option<StaffId>, String),
        current: Plan,
        (content, status, reason): (PlanContent, PlanStatus, String),
        expected_version: i64,
        ev: tvaers_domain::audit::NewAuditEvent,
    ) -> AppResult<Plan> {
        let now = OffsetDateTime::now_utc();
        let plan = Plan {
            version: current.version + 1,
            content,
            status,
            updated_at: now,
            ..current.clone()
        };
        let version = PlanVersion {
            plan_id: plan.id,
            version: plan.version,
            author_id,
            author_name,
            at: now,
            reason,
            status,
            content: plan.content.clone(),
        };
        match self
            .store
            .save_plan(&plan, expected_version, &version, &ev)
            .await
        {
            Ok(()) => Ok(plan),
            Err(StoreError::Stale) => {
                let latest = self
                    .store
                    .get_plan(plan.id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                Err(self.stale(plan.id, expected_version, &latest).await)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn stale(&self, id: PlanId, expected: i64, current: &Plan) -> AppError {
        let changes = match self.store.get_plan_version(id, expected).await {
            Ok(Some(seen)) => self.describe_changes(&seen.content, &current.content).await,
            _ => vec![],
        };
        AppError::StaleVersion {
            expected,
            current: current.version,
            changes,
        }
    }

    async fn apply(&self, actor: &Actor, c: &mut PlanContent, edit: PlanEdit) -> AppResult<()> {
        match edit {
            PlanEdit::Wishes { text, on_behalf } => {
                let text = text.trim().to_string();
                c.wishes = if text.is_empty() {
                    None
                } else {
                    let author = if on_behalf {
                        WishesAuthor::OnBehalf {
                            staff_id: actor.staff_id,
                            staff_name: actor.full_name.clone(),
                        }
                    } else {
                        WishesAuthor::Citizen
                    };
                    Some(Wishes { text, author })
                };
            }
            PlanEdit::OverallGoal(text) => c.overall_goal = text.trim().to_string(),
            PlanEdit::AddGoal(mut input) => {
                input.resolved_scale = self.resolve_custom_scale(&input.scale, None).await?;
                let goal = input.to_goal(GoalId::new())?;
                self.check_staff_exist(&goal.workers).await?;
                c.goals.push(goal);
            }
            PlanEdit::UpdateGoal(id, mut input) => {
                let existing = c.goals.iter().find(|g| g.id == id).map(|g| g.scale.clone());
                input.resolved_scale = self.resolve_custom_scale(&input.scale, existing).await?;
                let goal = input.to_goal(id)?;
                self.check_staff_exist(&goal.workers).await?;
                let slot = c
                    .goals
                    .iter_mut()
                    .find(|g| g.id == id)
                    .ok_or(AppError::NotFound)?;
                *slot = goal;
            }
            PlanEdit::AddIntervention(input) => {
                let i = input.to_intervention(InterventionId::new())?;
                self.check_deliverer(&i.deliverer).await?;
                c.interventions.push(i);
            }
            PlanEdit::UpdateIntervention(id, input) => {
                let i = input.to_intervention(id)?;
                self.check_deliverer(&i.deliverer).await?;
                let slot = c
                    .interventions
                    .iter_mut()
                    .find(|x| x.id == id)
                    .ok_or(AppError::NotFound)?;
                *slot = i;
            }
            PlanEdit::AddMember(m) => {
                let role = opt_text(&m.role).unwrap_or_default();
                let member = match m.kind.as_str() {
                    "staff" => {
                        let mut e = ValidationErrors::new();
                        let id = parse_uuid(
                            &mut e,
                            "team",
                            "Vælg en medarbejder.",
                            m.staff_id.as_deref().unwrap_or_default(),
                            StaffId,
                        );
                        let id = id.ok_or(AppError::Validation(e))?;
                        self.check_staff_exist(&[id]).await?;
                        if c.has_staff(id) {
                            return Err(ValidationErrors::single(
                                "team",
                                "Medarbejderen er allerede med i teamet.",
                            )
                            .into());
                        }
                        TeamMember::Staff { staff_id: id, role }
                    }
                    "relative" => TeamMember::Relative {
                        name: opt_text(&m.name).unwrap_or_default(),
                        relation: opt_text(&m.relation).unwrap_or_default(),
                    },
                    "external" => TeamMember::External {
                        name: opt_text(&m.name).unwrap_or_default(),
                        organisation: opt_text(&m.organisation).unwrap_or_default(),
                        role,
                    },
                    _ => {
                        return Err(ValidationErrors::single(
                            "team",
                            "Vælg hvilken slags deltager der tilføjes.",
                        )
                        .into());
                    }
                };
                c.team.push(member);
            }
            PlanEdit::RemoveStaff(id) => c.remove_staff(id)?,
            PlanEdit::RemoveMember(index) => match c.team.get(index) {
                Some(TeamMember::Staff { staff_id, .. }) => {
                    let id = *staff_id;
                    c.remove_staff(id)?;
                }
                Some(_) => {
                    c.team.remove(index);
                }
                None => return Err(AppError::NotFound),
            },
            PlanEdit::HandOver(to) => c.hand_over(to)?,
            PlanEdit::Review { review_on, cadence } => {
                let mut e = ValidationErrors::new();
                c.review_on = parse_opt_date(&mut e, "review_on", "Opfølgningsdatoen", &review_on);
                c.meeting_cadence = opt_text(&cadence);
                if !e.is_empty() {
                    return Err(e.into());
                }
            }
            PlanEdit::Replace(new) => {
                if new.coordinator != c.coordinator && !new.has_staff(new.coordinator) {
                    return Err(ValidationErrors::single(
                        "coordinator",
                        "Tovholderen skal være med i forløbsteamet.",
                    )
                    .into());
                }
                let staff: Vec<StaffId> = new.staff_members().collect();
                self.check_staff_exist(&staff).await?;
                *c = *new;
            }
        }
        Ok(())
    }

    async fn check_staff_exist(&self, ids: &[StaffId]) -> AppResult<()> {
        for id in ids {
            match self.store.get_staff(*id).await? {
                Some(s) if s.active => {}
                _ => {
                    return Err(ValidationErrors::single(
                        "workers",
                        "En valgt medarbejder findes ikke eller er deaktiveret.",
                    )
                    .into());
                }
            }
        }
        Ok(())
    }

    async fn check_deliverer(&self, d: &Deliverer) -> AppResult<()> {
        match d {
            Deliverer::Unit { unit_id } => {
                if self.store.get_unit(*unit_id).await?.is_none() {
                    return Err(ValidationErrors::single(
                        "intervention_deliverer",
                        "Den valgte enhed findes ikke.",
                    )
                    .into());
                }
            }
            Deliverer::Staff { staff_id } => self.check_staff_exist(&[*staff_id]).await?,
            Deliverer::Provider { .. } => {}
        }
        Ok(())
    }

    /// Closes the plan (it stays readable); a new one can then be opened.
    pub async fn close_plan(
        &self,
        actor: &Actor,
        id: PlanId,
        expected_version: i64,
        reason: &str,
    ) -> AppResult<Plan> {
        let (current, ev) = self.plan_for_actor(actor, id, Action::Update).await?;
        if current.status != PlanStatus::Active {
            return Err(AppError::Conflict("Planen er allerede afsluttet.".into()));
        }
        if current.version != expected_version {
            return Err(self.stale(id, expected_version, &current).await);
        }
        let reason = if reason.trim().is_empty() {
            "Plan afsluttet".to_string()
        } else {
            reason.trim().to_string()
        };
        let content = current.content.clone();
        self.save_version(
            (Some(actor.staff_id), actor.full_name.clone()),
            current,
            (content, PlanStatus::Closed, reason),
            expected_version,
            ev,
        )
        .await
    }

    /// Restoring an old version creates a new version with that content.
    pub async fn restore_plan_version(
        &self,
        actor: &Actor,
        id: PlanId,
        expected_version: i64,
        version: i64,
    ) -> AppResult<Plan> {
        let old = self
            .store
            .get_plan_version(id, version)
            .await?
            .ok_or(AppError::NotFound)?;
        let reason = format!("Gendannet fra version {version}");
        self.edit_plan(
            actor,
            id,
            expected_version,
            PlanEdit::Replace(Box::new(old.content)),
            Some(&reason),
        )
        .await
    }

    pub async fn plan_history(
        &self,
        actor: &Actor,
        id: PlanId,
    ) -> AppResult<(Plan, Vec<PlanVersion>)> {
        let (plan, mut ev) = self.plan_for_actor(actor, id, Action::Read).await?;
        ev.resource_type = "plan_history";
        let versions = self.store.list_plan_versions(id).await?;
        self.record(&ev).await?;
        Ok((plan, versions))
    }

    /// What changed from version `a` to version `b`.
    pub async fn compare_plan_versions(
        &self,
        actor: &Actor,
        id: PlanId,
        a: i64,
        b: i64,
    ) -> AppResult<Vec<String>> {
        let (_, mut ev) = self.plan_for_actor(actor, id, Action::Read).await?;
        ev.resource_type = "plan_history";
        let va = self
            .store
            .get_plan_version(id, a)
            .await?
            .ok_or(AppError::NotFound)?;
        let vb = self
            .store
            .get_plan_version(id, b)
            .await?
            .ok_or(AppError::NotFound)?;
        self.record(&ev).await?;
        Ok(self.describe_changes(&va.content, &vb.content).await)
    }
}
