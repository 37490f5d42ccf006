//! Én plan: one living plan per citizen that every professional works from.
//!
//! The plan's body ([`PlanContent`]) is versioned as a whole: every change
//! stores a new [`PlanVersion`] with author, time and reason; restoring an old
//! version is a new version. The care team always has exactly one coordinator
//! (tovholder): [`PlanContent::coordinator`] is a plain `StaffId`, not an
//! `Option`, and [`PlanContent::validate`] requires that person on the team.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::ids::{CitizenId, GoalId, InterventionId, PlanId, StaffId, UnitId};
use crate::org::coded_enum;
use crate::scale::Scale;
use crate::validation::ValidationErrors;

coded_enum!(
    /// Whether the plan is the citizen's current one.
    PlanStatus {
        Active => ("active", "Aktiv"),
        Closed => ("closed", "Afsluttet"),
    }
);

coded_enum!(
    /// Status of a goal.
    GoalStatus {
        Active => ("active", "Aktivt"),
        Achieved => ("achieved", "Opnået"),
        PartlyAchieved => ("partly", "Delvist opnået"),
        NotAchieved => ("not_achieved", "Ikke opnået"),
        Dropped => ("dropped", "Opgivet"),
    }
);

coded_enum!(
    /// Status of an intervention.
    InterventionStatus {
        Planned => ("planned", "Planlagt"),
        Active => ("active", "I gang"),
        Paused => ("paused", "Sat på pause"),
        Ended => ("ended", "Afsluttet"),
    }
);

/// Who wrote the citizen's wishes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum WishesAuthor {
    /// In the citizen's own words, written by the citizen.
    Citizen,
    /// Written by staff on the citizen's behalf — shown as such.
    OnBehalf {
        staff_id: StaffId,
        staff_name: String,
    },
}

/// Mine ønsker og drømme: the citizen's wishes in their own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Wishes {
    pub text: String,
    pub author: WishesAuthor,
}

/// A code from FSIII or FFB (KL terminology), or a free area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AreaCode {
    /// `fsiii`, `ffb` or `free`
    pub system: String,
    pub code: String,
    pub display: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Goal {
    pub id: GoalId,
    pub text: String,
    pub area: Option<AreaCode>,
    pub scale: Scale,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<Date>,
    pub status: GoalStatus,
    /// Staff who work on the goal.
    pub workers: Vec<StaffId>,
}

/// Who delivers an intervention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deliverer {
    Unit {
        unit_id: UnitId,
    },
    Staff {
        staff_id: StaffId,
    },
    /// An external provider, by name.
    Provider {
        name: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Intervention {
    pub id: InterventionId,
    pub what: String,
    pub deliverer: Deliverer,
    pub goal_ids: Vec<GoalId>,
    #[schema(value_type = Option<String>, format = Date)]
    pub start: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub end: Option<Date>,
    /// e.g. "2 gange om ugen"
    pub frequency: Option<String>,
    pub legal_basis: Option<String>,
    pub status: InterventionStatus,
}

/// A member of the care team (forløbsteam).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TeamMember {
    Staff {
        staff_id: StaffId,
        role: String,
    },
    /// The citizen takes part in their own plan.
    Citizen,
    /// A relative who takes part with the citizen's consent.
    Relative {
        name: String,
        relation: String,
    },
    /// Someone outside the system, e.g. a GP or a provider's contact.
    External {
        name: String,
        organisation: String,
        role: String,
    },
}

/// The versioned body of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanContent {
    pub wishes: Option<Wishes>,
    /// The overall goal agreed with the citizen.
    pub overall_goal: String,
    pub goals: Vec<Goal>,
    pub interventions: Vec<Intervention>,
    pub team: Vec<TeamMember>,
    /// Tovholder: the one coordinator of the plan.
    pub coordinator: StaffId,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_on: Option<Date>,
    /// e.g. "hver 3. måned"
    pub meeting_cadence: Option<String>,
}

/// A plan as stored: the current content and its version number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Plan {
    pub id: PlanId,
    pub citizen_id: CitizenId,
    pub status: PlanStatus,
    /// Increases by one with every change; a save must name the version it started from.
    pub version: i64,
    pub content: PlanContent,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// One stored version of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanVersion {
    pub plan_id: PlanId,
    pub version: i64,
    pub author_id: Option<StaffId>,
    pub author_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub reason: String,
    pub status: PlanStatus,
    pub content: PlanContent,
}

impl PlanContent {
    /// A new plan: the creating staff member is coordinator and on the team,
    /// and so is the citizen.
    pub fn new(coordinator: StaffId, overall_goal: String) -> Self {
        PlanContent {
            wishes: None,
            overall_goal,
            goals: vec![],
            interventions: vec![],
            team: vec![
                TeamMember::Citizen,
                TeamMember::Staff {
                    staff_id: coordinator,
                    role: "Tovholder".into(),
                },
            ],
            coordinator,
            review_on: None,
            meeting_cadence: None,
        }
    }

    pub fn staff_members(&self) -> impl Iterator<Item = StaffId> + '_ {
        self.team.iter().filter_map(|m| match m {
            TeamMember::Staff { staff_id, .. } => Some(*staff_id),
            _ => None,
        })
    }

    pub fn has_staff(&self, id: StaffId) -> bool {
        self.staff_members().any(|s| s == id)
    }

    /// Hands the coordinator role to `to`, who must already be on the team.
    pub fn hand_over(&mut self, to: StaffId) -> Result<(), ValidationErrors> {
        if !self.has_staff(to) {
            return Err(ValidationErrors::single(
                "coordinator",
                "Den nye tovholder skal først være med i forløbsteamet.",
            ));
        }
        self.coordinator = to;
        Ok(())
    }

    /// Removes a staff member from the team; the coordinator cannot be removed
    /// before the role is handed over.
    pub fn remove_staff(&mut self, id: StaffId) -> Result<(), ValidationErrors> {
        if id == self.coordinator {
            return Err(ValidationErrors::single(
                "team",
                "Tovholderen kan ikke fjernes fra teamet. Giv først tovholderrollen videre.",
            ));
        }
        self.team
            .retain(|m| !matches!(m, TeamMember::Staff { staff_id, .. } if *staff_id == id));
        Ok(())
    }

    /// All rules of a plan's content, reported at once in Danish.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if self.overall_goal.chars().count() > 2000 {
            e.add(
                "overall_goal",
                "Det overordnede mål må højst være 2000 tegn.",
            );
        }
        if let Some(w) = &self.wishes
            && w.text.chars().count() > 10_000
        {
            e.add("wishes", "Ønsker og drømme må højst være 10.000 tegn.");
        }
        if !self.has_staff(self.coordinator) {
            e.add("coordinator", "Tovholderen skal være med i forløbsteamet.");
        }
        let mut seen = std::collections::HashSet::new();
        for m in &self.team {
            match m {
                TeamMember::Staff { staff_id, .. } => {
                    if !seen.insert(*staff_id) {
                        e.add("team", "En medarbejder står to gange i forløbsteamet.");
                    }
                }
                TeamMember::Relative { name, relation } => {
                    if name.trim().is_empty() || relation.trim().is_empty() {
                        e.add("team", "En pårørende i teamet skal have navn og relation.");
                    }
                }
                TeamMember::External { name, .. } => {
                    if name.trim().is_empty() {
                        e.add("team", "En ekstern deltager skal have et navn.");
                    }
                }
                TeamMember::Citizen => {}
            }
        }
        for g in &self.goals {
            validate_goal(g, &mut e);
        }
        let goal_ids: Vec<GoalId> = self.goals.iter().map(|g| g.id).collect();
        for i in &self.interventions {
            validate_intervention(i, &goal_ids, &mut e);
        }
        e.into_result(())
    }

    pub fn goal(&self, id: GoalId) -> Option<&Goal> {
        self.goals.iter().find(|g| g.id == id)
    }
}

/// The rules of one goal.
pub fn validate_goal(g: &Goal, e: &mut ValidationErrors) {
    let len = g.text.trim().chars().count();
    if len == 0 {
        e.add("goal_text", "Målet skal have en tekst.");
    } else if len > 1000 {
        e.add("goal_text", "Målets tekst må højst være 1000 tegn.");
    }
    for (field, label, v) in [
        ("goal_baseline", "Udgangspunktet", g.baseline),
        ("goal_target", "Målværdien", g.target),
    ] {
        if let Some(v) = v
            && let Err(msg) = g.scale.check(v)
        {
            e.add(field, format!("{label}: {msg}"));
        }
    }
    if let (Some(b), Some(t)) = (g.baseline, g.target)
        && g.scale.bounds().is_some()
    {
        let worse = if g.scale.higher_is_better() {
            t < b
        } else {
            t > b
        };
        if worse {
            e.add(
                "goal_target",
                "Målværdien er dårligere end udgangspunktet på denne skala.",
            );
        }
    }
    if let Some(a) = &g.area
        && (a.code.trim().is_empty() || a.display.trim().is_empty())
    {
        e.add("goal_area", "Vælg et område fra listen.");
    }
}

/// The rules of one intervention.
pub fn validate_intervention(i: &Intervention, goal_ids: &[GoalId], e: &mut ValidationErrors) {
    let len = i.what.trim().chars().count();
    if len == 0 {
        e.add("intervention_what", "Indsatsen skal beskrives.");
    } else if len > 1000 {
        e.add(
            "intervention_what",
            "Beskrivelsen af indsatsen må højst være 1000 tegn.",
        );
    }
    if let Deliverer::Provider { name } = &i.deliverer
        && name.trim().is_empty()
    {
        e.add(
            "intervention_deliverer",
            "Angiv hvem der leverer indsatsen.",
        );
    }
    if let (Some(s), Some(t)) = (i.start, i.end)
        && t < s
    {
        e.add(
            "intervention_end",
            "Indsatsens slutdato kan ikke ligge før startdatoen.",
        );
    }
    if i.goal_ids.iter().any(|g| !goal_ids.contains(g)) {
        e.add(
            "intervention_goals",
            "Indsatsen henviser til et mål, der ikke findes i planen.",
        );
    }
}

/// What changed between two versions, in plain Danish, one line per change.
/// `name` resolves a staff id to a display name.
pub fn diff(old: &PlanContent, new: &PlanContent, name: &dyn Fn(StaffId) -> String) -> Vec<String> {
    let mut out = Vec::new();
    if old.wishes != new.wishes {
        match &new.wishes {
            Some(w) => out.push(format!("Ønsker og drømme ændret til: «{}»", w.text)),
            None => out.push("Ønsker og drømme fjernet".into()),
        }
    }
    if old.overall_goal != new.overall_goal {
        out.push(format!("Overordnet mål ændret til: «{}»", new.overall_goal));
    }
    for g in &new.goals {
        match old.goals.iter().find(|o| o.id == g.id) {
            None => out.push(format!("Mål tilføjet: «{}»", g.text)),
            Some(o) if o != g => {
                let mut parts = Vec::new();
                if o.text != g.text {
                    parts.push(format!("tekst «{}»", g.text));
                }
                if o.status != g.status {
                    parts.push(format!(
                        "status {} → {}",
                        o.status.label(),
                        g.status.label()
                    ));
                }
                if o.target != g.target {
                    parts.push(format!(
                        "målværdi {} → {}",
                        fmt_opt(o.target),
                        fmt_opt(g.target)
                    ));
                }
                if o.baseline != g.baseline {
                    parts.push(format!(
                        "udgangspunkt {} → {}",
                        fmt_opt(o.baseline),
                        fmt_opt(g.baseline)
                    ));
                }
                if o.deadline != g.deadline {
                    parts.push("frist".to_string());
                }
                if o.scale != g.scale || o.area != g.area || o.workers != g.workers {
                    parts.push("skala, område eller medarbejdere".to_string());
                }
                out.push(format!("Mål «{}» ændret: {}", o.text, parts.join(", ")));
            }
            Some(_) => {}
        }
    }
    for o in &old.goals {
        if !new.goals.iter().any(|g| g.id == o.id) {
            out.push(format!("Mål fjernet: «{}»", o.text));
        }
    }
    for i in &new.interventions {
        match old.interventions.iter().find(|o| o.id == i.id) {
            None => out.push(format!("Indsats tilføjet: «{}»", i.what)),
            Some(o) if o != i => out.push(format!("Indsats «{}» ændret", i.what)),
            Some(_) => {}
        }
    }
    for o in &old.interventions {
        if !new.interventions.iter().any(|i| i.id == o.id) {
            out.push(format!("Indsats fjernet: «{}»", o.what));
        }
    }
    if old.coordinator != new.coordinator {
        out.push(format!(
            "Tovholder skiftet fra {} til {}",
            name(old.coordinator),
            name(new.coordinator)
        ));
    }
    let label = |m: &TeamMember| match m {
        TeamMember::Staff { staff_id, role } => format!("{} ({role})", name(*staff_id)),
        TeamMember::Citizen => "borgeren".into(),
        TeamMember::Relative { name, relation } => format!("{name} ({relation})"),
        TeamMember::External {
            name, organisation, ..
        } => format!("{name}, {organisation}"),
    };
    for m in &new.team {
        if !old.team.contains(m) {
            out.push(format!("Med i teamet: {}", label(m)));
        }
    }
    for m in &old.team {
        if !new.team.contains(m) {
            out.push(format!("Ikke længere i teamet: {}", label(m)));
        }
    }
    if old.review_on != new.review_on {
        out.push(format!(
            "Opfølgningsdato ændret til {}",
            new.review_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| "ingen".into())
        ));
    }
    if old.meeting_cadence != new.meeting_cadence {
        out.push(format!(
            "Mødekadence ændret til {}",
            new.meeting_cadence
                .clone()
                .unwrap_or_else(|| "ingen".into())
        ));
    }
    out
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "–".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(text: &str) -> Goal {
        Goal {
            id: GoalId::new(),
            text: text.into(),
            area: None,
            scale: Scale::Fsiii,
            baseline: Some(3.0),
            target: Some(1.0),
            deadline: None,
            status: GoalStatus::Active,
            workers: vec![],
        }
    }

    #[test]
    fn new_plan_has_exactly_one_coordinator_on_the_team() {
        let me = StaffId::new();
        let p = PlanContent::new(me, "Klare mig selv".into());
        assert_eq!(p.coordinator, me);
        assert!(p.has_staff(me));
        assert!(p.validate().is_ok());
    }

    #[test]
    fn coordinator_handover_keeps_exactly_one() {
        let a = StaffId::new();
        let b = StaffId::new();
        let mut p = PlanContent::new(a, String::new());
        assert!(p.hand_over(b).is_err(), "must be on the team first");
        p.team.push(TeamMember::Staff {
            staff_id: b,
            role: "Sygeplejerske".into(),
        });
        p.hand_over(b).unwrap();
        assert_eq!(p.coordinator, b);
        assert!(
            p.remove_staff(b).is_err(),
            "the coordinator cannot be removed"
        );
        p.remove_staff(a).unwrap();
        assert!(p.validate().is_ok());
    }

    #[test]
    fn removing_the_coordinator_by_editing_the_team_is_invalid() {
        let a = StaffId::new();
        let mut p = PlanContent::new(a, String::new());
        p.team.retain(|m| matches!(m, TeamMember::Citizen));
        assert!(p.validate().unwrap_err().for_field("coordinator").is_some());
    }

    #[test]
    fn goal_rules() {
        let a = StaffId::new();
        let mut p = PlanContent::new(a, String::new());
        let mut g = goal(" ");
        g.target = Some(7.0);
        p.goals.push(g);
        let e = p.validate().unwrap_err();
        assert!(e.for_field("goal_text").is_some());
        assert!(e.for_field("goal_target").is_some());

        let mut worse = goal("Gå selv til bussen");
        worse.baseline = Some(1.0);
        worse.target = Some(3.0);
        p.goals = vec![worse];
        assert!(p.validate().unwrap_err().for_field("goal_target").is_some());
    }

    #[test]
    fn intervention_rules() {
        let a = StaffId::new();
        let mut p = PlanContent::new(a, String::new());
        p.interventions.push(Intervention {
            id: InterventionId::new(),
            what: "Træning".into(),
            deliverer: Deliverer::Provider { name: " ".into() },
            goal_ids: vec![GoalId::new()],
            start: Some(time::macros::date!(2026 - 03 - 01)),
            end: Some(time::macros::date!(2026 - 02 - 01)),
            frequency: None,
            legal_basis: None,
            status: InterventionStatus::Planned,
        });
        let e = p.validate().unwrap_err();
        for f in [
            "intervention_deliverer",
            "intervention_end",
            "intervention_goals",
        ] {
            assert!(e.for_field(f).is_some(), "{f}");
        }
    }

    #[test]
    fn diff_names_what_changed() {
        let a = StaffId::new();
        let b = StaffId::new();
        let old = PlanContent::new(a, "Før".into());
        let mut new = old.clone();
        new.overall_goal = "Efter".into();
        new.goals.push(goal("Gå til bussen"));
        new.team.push(TeamMember::Staff {
            staff_id: b,
            role: "Fys".into(),
        });
        new.coordinator = b;
        let names = |id: StaffId| {
            if id == a {
                "Anne".to_string()
            } else {
                "Bo".to_string()
            }
        };
        let d = diff(&old, &new, &names);
        assert!(d.iter().any(|l| l.contains("Overordnet mål")));
        assert!(d.iter().any(|l| l.contains("Mål tilføjet")));
        assert!(d.iter().any(|l| l == "Tovholder skiftet fra Anne til Bo"));
        assert!(diff(&old, &old, &names).is_empty());
    }
}
