//! Én plan, møder, opgaver, Mit arbejde og Team: server-rendered Danish pages.
//! Like `pages`: each handler parses the request, calls the use cases and
//! renders one template. No JavaScript; every form is a plain HTML form.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use tvaers_app::AppError;
use tvaers_app::auth::Authenticated;
use tvaers_app::citizens::CitizenOverview;
use tvaers_app::meetings::{
    ActionGoalInput, CloseMeetingInput, MeetingInput, ReviewInput, copenhagen_offset, to_local,
};
use tvaers_app::plans::{GoalInput, InterventionInput, MemberInput, PlanEdit};
use tvaers_domain::ValidationErrors;
use tvaers_domain::ids::{
    ActionGoalId, CitizenId, GoalId, InterventionId, MeetingId, PlanId, StaffId, TaskId, UnitId,
};
use tvaers_domain::meeting::{
    ActionGoal, Attendee, Meeting, MeetingKind, MeetingStatus, Owner, ReviewOutcome, Task,
    TaskStatus, action_goal_count_warning,
};
use tvaers_domain::plan::{
    AreaCode, Deliverer, Goal, GoalStatus, Intervention, InterventionStatus, Plan, PlanStatus,
    TeamMember, WishesAuthor,
};
use tvaers_domain::scale::Scale;
use tvaers_domain::staff::Role;

use crate::AppState;
use crate::pages::parse_id;
use crate::pages::{FormData, Layout, check_csrf, error_page, render, render_status};
use crate::session::PageUser;

// ---------------------------------------------------------------------------
// Formatting helpers

/// `DD-MM-ÅÅÅÅ`
pub fn fmt_date(d: Date) -> String {
    format!("{:02}-{:02}-{:04}", d.day(), u8::from(d.month()), d.year())
}

/// `DD-MM-ÅÅÅÅ kl. HH:MM` in Danish local time.
pub fn fmt_time(t: OffsetDateTime) -> String {
    let l = to_local(t);
    format!(
        "{} kl. {:02}:{:02}",
        fmt_date(l.date()),
        l.hour(),
        l.minute()
    )
}

fn fmt_opt_date(d: Option<Date>) -> String {
    d.map(fmt_date).unwrap_or_default()
}

/// The value of a `datetime-local` input for a stored time.
fn local_input(t: OffsetDateTime) -> String {
    let l = to_local(t);
    format!("{}T{:02}:{:02}", l.date(), l.hour(), l.minute())
}

/// A number the Danish way: `3`, `1,5`.
fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}").replace('.', ",")
    }
}

fn today_local() -> Date {
    to_local(OffsetDateTime::now_utc()).date()
}

fn status_for(errors: &ValidationErrors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// One option of a select, radio group or checkbox list.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    fn new(value: impl Into<String>, label: impl Into<String>, selected: bool) -> Self {
        Opt {
            value: value.into(),
            label: label.into(),
            selected,
        }
    }
}

fn enum_opts<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    selected: &str,
) -> Vec<Opt> {
    all.iter()
        .map(|v| Opt::new(code(*v), label(*v), code(*v) == selected))
        .collect()
}

// ---------------------------------------------------------------------------
// FSIII areas (KL Fælles Sprog III, funktionsevnetilstande)

fn fsiii_display(code: &str) -> Option<&'static str> {
    tvaers_domain::terminology::fsiii_display(code)
}

fn area_key(a: &AreaCode) -> String {
    format!("{}:{}", a.system, a.code)
}

pub struct AreaGroup {
    pub label: &'static str,
    pub opts: Vec<Opt>,
}

fn area_groups(selected: &str) -> Vec<AreaGroup> {
    tvaers_domain::terminology::fsiii_areas()
        .iter()
        .map(|g| AreaGroup {
            label: g.display,
            opts: g
                .sub_areas
                .iter()
                .map(|(c, d)| {
                    let v = format!("fsiii:{c}");
                    Opt::new(v.clone(), *d, v == selected)
                })
                .collect(),
        })
        .collect()
}

fn area_label(a: &AreaCode) -> String {
    if a.system == "fsiii" {
        format!("{} (FSIII {})", a.display, a.code)
    } else {
        a.display.clone()
    }
}

// ---------------------------------------------------------------------------
// Names of staff and units, loaded once per page

pub(crate) struct Names {
    /// Units, staff and scales, shared with the app's directory cache.
    dir: std::sync::Arc<tvaers_app::org::Directory>,
    me_id: StaffId,
    me_name: String,
    my_units: Vec<UnitId>,
}

impl Names {
    pub(crate) async fn load(state: &AppState, user: &Authenticated) -> Result<Self, AppError> {
        Ok(Names {
            dir: state.app.directory().await?,
            me_id: user.actor.staff_id,
            me_name: user.actor.full_name.clone(),
            my_units: user.actor.unit_ids.clone(),
        })
    }

    /// Active custom scales, offered for goals.
    pub(crate) fn scales(&self) -> impl Iterator<Item = &tvaers_domain::scale::CustomScale> {
        self.dir.scales.iter().filter(|s| s.active)
    }

    fn staff_name(&self, id: StaffId) -> String {
        if let Some(s) = self.dir.staff.iter().find(|s| s.id == id) {
            s.full_name.clone()
        } else if id == self.me_id {
            self.me_name.clone()
        } else {
            "Ukendt medarbejder".into()
        }
    }

    fn profession(&self, id: StaffId) -> &'static str {
        self.dir
            .staff
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.profession.label())
            .unwrap_or("Medarbejder")
    }

    fn email(&self, id: StaffId) -> Option<String> {
        self.dir
            .staff
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.email.clone())
    }

    fn unit_name(&self, id: UnitId) -> String {
        self.dir
            .units
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "Ukendt enhed".into())
    }

    fn owner(&self, o: &Owner) -> String {
        match o {
            Owner::Staff { staff_id } => self.staff_name(*staff_id),
            Owner::Team { unit_id } => format!("Team: {}", self.unit_name(*unit_id)),
            Owner::Citizen => "Borgeren".into(),
            Owner::Relative { name } => format!("{name} (pårørende)"),
        }
    }

    fn deliverer(&self, d: &Deliverer) -> String {
        match d {
            Deliverer::Unit { unit_id } => self.unit_name(*unit_id),
            Deliverer::Staff { staff_id } => format!(
                "{} ({})",
                self.staff_name(*staff_id),
                self.profession(*staff_id)
            ),
            Deliverer::Provider { name } => format!("{name} (leverandør)"),
        }
    }

    /// All assignable staff as options, "Navn (Faggruppe)".
    fn staff_opts(&self, selected: &[String], skip: &[StaffId]) -> Vec<Opt> {
        self.dir
            .staff
            .iter()
            .filter(|s| !skip.contains(&s.id))
            .map(|s| {
                let v = s.id.to_string();
                let sel = selected.contains(&v);
                Opt::new(
                    v,
                    format!("{} ({})", s.full_name, s.profession.label()),
                    sel,
                )
            })
            .collect()
    }

    fn unit_opts(&self, selected: &str) -> Vec<Opt> {
        self.dir
            .units
            .iter()
            .map(|u| {
                let v = u.id.to_string();
                let sel = v == selected;
                Opt::new(v, u.name.clone(), sel)
            })
            .collect()
    }

    /// Who can own a task or action goal: me, the given staff, my teams, the
    /// citizen and the given relatives.
    fn owner_opts(&self, staff: &[StaffId], relatives: &[String], selected: &str) -> Vec<Opt> {
        let mut out = vec![Opt::new(
            format!("staff:{}", self.me_id),
            format!("Mig ({})", self.me_name),
            false,
        )];
        for s in staff {
            if *s != self.me_id && !out.iter().any(|o| o.value == format!("staff:{s}")) {
                out.push(Opt::new(
                    format!("staff:{s}"),
                    format!("{} ({})", self.staff_name(*s), self.profession(*s)),
                    false,
                ));
            }
        }
        for u in &self.my_units {
            out.push(Opt::new(
                format!("team:{u}"),
                format!("Team: {}", self.unit_name(*u)),
                false,
            ));
        }
        out.push(Opt::new("citizen", "Borgeren", false));
        for r in relatives {
            out.push(Opt::new(
                format!("relative:{r}"),
                format!("{r} (pårørende)"),
                false,
            ));
        }
        for o in &mut out {
            o.selected = o.value == selected;
        }
        out
    }
}

// ---------------------------------------------------------------------------
// The plan as read by people

pub struct WishesView {
    pub text: String,
    pub author: String,
}

pub struct GoalRow {
    pub id: GoalId,
    pub text: String,
    pub area: String,
    pub scale: String,
    pub from_to: String,
    pub deadline: String,
    pub status: &'static str,
    pub active: bool,
    pub workers: String,
    /// Latest value in force and a sparkline (empty until measured).
    pub latest: String,
    pub spark: String,
    pub trend: &'static str,
}

pub struct InterventionRow {
    pub id: InterventionId,
    pub what: String,
    pub deliverer: String,
    pub goals: String,
    pub period: String,
    pub frequency: String,
    pub legal_basis: String,
    pub status: &'static str,
}

pub struct MemberRow {
    pub index: usize,
    pub name: String,
    pub kind: &'static str,
    pub role: String,
    pub contact: String,
    pub is_coordinator: bool,
    /// Everyone but the coordinator and the citizen can be removed.
    pub removable: bool,
}

pub struct PlanView {
    pub id: PlanId,
    pub citizen_id: CitizenId,
    pub version: i64,
    pub active: bool,
    pub status: &'static str,
    pub wishes: Option<WishesView>,
    pub overall_goal: String,
    pub goals: Vec<GoalRow>,
    pub interventions: Vec<InterventionRow>,
    pub team: Vec<MemberRow>,
    pub coordinator: String,
    pub coordinator_contact: String,
    pub review_on: String,
    pub review_overdue: bool,
    pub cadence: String,
    pub updated: String,
}

fn scale_short(s: &Scale) -> String {
    match s {
        Scale::Fsiii => "FSIII (0–4, lavere er bedre)".into(),
        Scale::Gas => "GAS (−2 til +2)".into(),
        Scale::Numeric {
            unit,
            higher_is_better,
        } => format!(
            "Tal i {unit} ({} er bedre)",
            if *higher_is_better {
                "højere"
            } else {
                "lavere"
            }
        ),
        Scale::Ordinal { name, labels, .. } => format!("{name} ({} trin)", labels.len()),
        Scale::None => "Uden skala".into(),
    }
}

fn goal_from_to(g: &Goal) -> String {
    let unit = match &g.scale {
        Scale::Numeric { unit, .. } => format!(" {unit}"),
        _ => String::new(),
    };
    let v = |x: Option<f64>| {
        x.map(|x| format!("{}{unit}", fmt_num(x)))
            .unwrap_or_else(|| "?".into())
    };
    if g.baseline.is_none() && g.target.is_none() {
        "–".into()
    } else {
        format!("{} → {}", v(g.baseline), v(g.target))
    }
}

impl PlanView {
    /// Adds each goal's latest value, trend and sparkline.
    pub fn with_progress(mut self, progress: &[tvaers_app::measurements::GoalProgress]) -> Self {
        for row in &mut self.goals {
            if let Some(p) = progress.iter().find(|p| p.goal.id == row.id) {
                row.latest = p
                    .latest
                    .map(|v| p.goal.scale.value_label(v))
                    .unwrap_or_default();
                row.trend = if p.latest.is_some() {
                    p.trend.label()
                } else {
                    ""
                };
                if p.series.len() >= 2 {
                    row.spark = crate::charts::goal_chart(p, true);
                }
            }
        }
        self
    }

    fn build(plan: &Plan, names: &Names, citizen_name: &str) -> Self {
        let c = &plan.content;
        let goal_text = |id: GoalId| {
            c.goal(id)
                .map(|g| g.text.clone())
                .unwrap_or_else(|| "(fjernet mål)".into())
        };
        let goals = c
            .goals
            .iter()
            .map(|g| GoalRow {
                id: g.id,
                text: g.text.clone(),
                area: g.area.as_ref().map(area_label).unwrap_or_default(),
                scale: scale_short(&g.scale),
                from_to: goal_from_to(g),
                deadline: fmt_opt_date(g.deadline),
                status: g.status.label(),
                active: g.status == GoalStatus::Active,
                latest: String::new(),
                spark: String::new(),
                trend: "",
                workers: g
                    .workers
                    .iter()
                    .map(|w| names.staff_name(*w))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect();
        let interventions = c
            .interventions
            .iter()
            .map(|i| InterventionRow {
                id: i.id,
                what: i.what.clone(),
                deliverer: names.deliverer(&i.deliverer),
                goals: i
                    .goal_ids
                    .iter()
                    .map(|g| goal_text(*g))
                    .collect::<Vec<_>>()
                    .join("; "),
                period: match (i.start, i.end) {
                    (None, None) => String::new(),
                    (s, e) => format!("{} – {}", fmt_opt_date(s), fmt_opt_date(e)),
                },
                frequency: i.frequency.clone().unwrap_or_default(),
                legal_basis: i.legal_basis.clone().unwrap_or_default(),
                status: i.status.label(),
            })
            .collect();
        let team = c
            .team
            .iter()
            .enumerate()
            .map(|(index, m)| match m {
                TeamMember::Staff { staff_id, role } => MemberRow {
                    index,
                    name: names.staff_name(*staff_id),
                    kind: names.profession(*staff_id),
                    // The coordinator is shown by a badge; the role text "Tovholder"
                    // given at creation would mislead once the role is handed over.
                    role: if role.trim().eq_ignore_ascii_case("tovholder") {
                        String::new()
                    } else {
                        role.clone()
                    },
                    contact: names.email(*staff_id).unwrap_or_default(),
                    is_coordinator: *staff_id == c.coordinator,
                    removable: *staff_id != c.coordinator,
                },
                TeamMember::Citizen => MemberRow {
                    index,
                    name: citizen_name.to_string(),
                    kind: "Borgeren",
                    role: String::new(),
                    contact: String::new(),
                    is_coordinator: false,
                    removable: false,
                },
                TeamMember::Relative { name, relation } => MemberRow {
                    index,
                    name: name.clone(),
                    kind: "Pårørende",
                    role: relation.clone(),
                    contact: String::new(),
                    is_coordinator: false,
                    removable: true,
                },
                TeamMember::External {
                    name,
                    organisation,
                    role,
                } => MemberRow {
                    index,
                    name: name.clone(),
                    kind: "Ekstern",
                    role: [role.as_str(), organisation.as_str()]
                        .into_iter()
                        .filter(|s| !s.trim().is_empty())
                        .collect::<Vec<_>>()
                        .join(", "),
                    contact: String::new(),
                    is_coordinator: false,
                    removable: true,
                },
            })
            .collect();
        PlanView {
            id: plan.id,
            citizen_id: plan.citizen_id,
            version: plan.version,
            active: plan.status == PlanStatus::Active,
            status: plan.status.label(),
            wishes: c.wishes.as_ref().map(|w| WishesView {
                text: w.text.clone(),
                author: match &w.author {
                    WishesAuthor::Citizen => "skrevet af borgeren".into(),
                    WishesAuthor::OnBehalf { staff_name, .. } => {
                        format!("skrevet på borgerens vegne af {staff_name}")
                    }
                },
            }),
            overall_goal: c.overall_goal.clone(),
            goals,
            interventions,
            team,
            coordinator: names.staff_name(c.coordinator),
            coordinator_contact: names.email(c.coordinator).unwrap_or_default(),
            review_on: fmt_opt_date(c.review_on),
            review_overdue: c.review_on.is_some_and(|d| d < today_local())
                && plan.status == PlanStatus::Active,
            cadence: c.meeting_cadence.clone().unwrap_or_default(),
            updated: fmt_time(plan.updated_at),
        }
    }
}

// ---------------------------------------------------------------------------
// Citizen page: plan, meetings and tasks

pub struct MeetingRow {
    pub id: MeetingId,
    pub when: String,
    pub kind: &'static str,
    pub location: String,
    pub status: &'static str,
    pub overdue: bool,
}

impl MeetingRow {
    fn from(m: &Meeting, now: OffsetDateTime) -> Self {
        MeetingRow {
            id: m.id,
            when: fmt_time(m.starts_at),
            kind: m.kind.label(),
            location: m.location.clone(),
            status: m.status.label(),
            overdue: m.status == MeetingStatus::Planned && m.starts_at < now,
        }
    }
}

pub struct TaskRow {
    pub id: TaskId,
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    pub title: String,
    pub owner: String,
    pub due: String,
    pub overdue: bool,
    pub from_meeting: bool,
}

impl TaskRow {
    fn from(t: &Task, citizen_name: String, names: &Names) -> Self {
        TaskRow {
            id: t.id,
            citizen_id: t.citizen_id,
            citizen_name,
            title: t.title.clone(),
            owner: names.owner(&t.owner),
            due: fmt_opt_date(t.due),
            overdue: t.due.is_some_and(|d| d < today_local()),
            from_meeting: t.action_goal_id.is_some(),
        }
    }
}

/// What the citizen page shows besides stamdata and cases.
pub struct CitizenBlock {
    pub plan: Option<PlanView>,
    pub upcoming: Vec<MeetingRow>,
    pub past: Vec<MeetingRow>,
    pub tasks: Vec<TaskRow>,
    pub owner_opts: Vec<Opt>,
    /// Closed plans, newest first: (id, closed on).
    pub closed_plans: Vec<(PlanId, String)>,
}

impl CitizenBlock {
    pub(crate) async fn build(
        state: &AppState,
        user: &Authenticated,
        o: &CitizenOverview,
    ) -> Result<Self, AppError> {
        let names = Names::load(state, user).await?;
        // Read (and audited) with the overview.
        let closed_plans = o
            .closed_plans
            .iter()
            .map(|p| (p.id, fmt_date(to_local(p.updated_at).date())))
            .collect();
        let now = OffsetDateTime::now_utc();
        let name = o.citizen.full_name();
        let plan = o
            .plan
            .as_ref()
            .map(|p| PlanView::build(p, &names, &name).with_progress(&o.goal_progress));
        let team: Vec<StaffId> = o
            .plan
            .as_ref()
            .map(|p| p.content.staff_members().collect())
            .unwrap_or_default();
        let relatives: Vec<String> = o.citizen.relatives.iter().map(|r| r.name.clone()).collect();
        Ok(CitizenBlock {
            plan,
            upcoming: o
                .upcoming_meetings
                .iter()
                .map(|m| MeetingRow::from(m, now))
                .collect(),
            past: o
                .past_meetings
                .iter()
                .map(|m| MeetingRow::from(m, now))
                .collect(),
            tasks: o
                .open_tasks
                .iter()
                .map(|t| TaskRow::from(t, name.clone(), &names))
                .collect(),
            owner_opts: names.owner_opts(
                &team,
                &relatives,
                &format!("staff:{}", user.actor.staff_id),
            ),
            closed_plans,
        })
    }
}

// ---------------------------------------------------------------------------
// Opening a plan and adding tasks from the citizen page

#[derive(Template)]
#[template(path = "plan_new.html")]
struct PlanNewPage {
    layout: Layout,
    citizen_id: CitizenId,
    citizen_name: String,
    overall_goal: String,
    errors: ValidationErrors,
}

pub async fn plan_create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let cid: CitizenId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let goal = form.get("overall_goal");
    match state.app.open_plan(&user.actor, cid, &goal).await {
        Ok(p) => Redirect::to(&format!("/planer/{}?oprettet=1", p.id)).into_response(),
        Err(AppError::Validation(errors)) => match state.app.get_citizen(&user.actor, cid).await {
            Ok(c) => render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PlanNewPage {
                    layout: Layout::for_user(&user),
                    citizen_id: cid,
                    citizen_name: c.full_name(),
                    overall_goal: goal,
                    errors,
                },
            ),
            Err(e) => error_page(e, Some(&user)),
        },
        Err(e) => error_page(e, Some(&user)),
    }
}

#[derive(Template)]
#[template(path = "task_form.html")]
struct TaskFormPage {
    layout: Layout,
    citizen_id: CitizenId,
    citizen_name: String,
    title: String,
    due: String,
    owner_opts: Vec<Opt>,
    errors: ValidationErrors,
}

pub async fn task_create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let cid: CitizenId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let (title, owner, due) = (form.get("title"), form.get("owner"), form.get("due"));
    match state
        .app
        .create_task(&user.actor, cid, &title, &owner, &due)
        .await
    {
        Ok(_) => Redirect::to(&format!("/borgere/{cid}?gemt=1#tasks")).into_response(),
        Err(AppError::Validation(errors)) => {
            let result = async {
                let c = state.app.get_citizen(&user.actor, cid).await?;
                let plan = state.app.active_plan(&user.actor, cid).await?;
                let names = Names::load(&state, &user).await?;
                Ok::<_, AppError>((c, plan, names))
            }
            .await;
            match result {
                Ok((c, plan, names)) => {
                    let team: Vec<StaffId> = plan
                        .map(|p| p.content.staff_members().collect())
                        .unwrap_or_default();
                    let rel: Vec<String> = c.relatives.iter().map(|r| r.name.clone()).collect();
                    render_status(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &TaskFormPage {
                            layout: Layout::for_user(&user),
                            citizen_id: cid,
                            citizen_name: c.full_name(),
                            title,
                            due,
                            owner_opts: names.owner_opts(&team, &rel, &owner),
                            errors,
                        },
                    )
                }
                Err(e) => error_page(e, Some(&user)),
            }
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn task_done(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let tid: TaskId = match parse_id(&raw) {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state
        .app
        .set_task_status(&user.actor, tid, TaskStatus::Done)
        .await
    {
        Ok(t) if form.get("tilbage") == "borger" => {
            Redirect::to(&format!("/borgere/{}?gemt=1#tasks", t.citizen_id)).into_response()
        }
        Ok(_) => Redirect::to("/mit-arbejde?udfoert=1#tasks").into_response(),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Form values of goals, interventions and team members

pub struct GoalValues {
    pub text: String,
    pub area: String,
    pub area_free: String,
    pub scale: String,
    pub unit: String,
    pub higher: String,
    pub baseline: String,
    pub target: String,
    pub deadline: String,
    pub status: String,
    pub workers: Vec<String>,
}

impl GoalValues {
    fn empty() -> Self {
        GoalValues {
            text: String::new(),
            area: String::new(),
            area_free: String::new(),
            scale: "none".into(),
            unit: String::new(),
            higher: "true".into(),
            baseline: String::new(),
            target: String::new(),
            deadline: String::new(),
            status: GoalStatus::Active.code().into(),
            workers: vec![],
        }
    }

    fn from_form(f: &FormData) -> Self {
        GoalValues {
            text: f.get("text"),
            area: f.get("area"),
            area_free: f.get("area_free"),
            scale: f.get("scale"),
            unit: f.get("unit"),
            higher: f.get("higher_is_better"),
            baseline: f.get("baseline"),
            target: f.get("target"),
            deadline: f.get("deadline"),
            status: f.get("status"),
            workers: f.all("workers"),
        }
    }

    fn from_goal(g: &Goal) -> Self {
        let (area, area_free) = match &g.area {
            None => (String::new(), String::new()),
            Some(a) if a.system == "fsiii" && fsiii_display(&a.code).is_some() => {
                (area_key(a), String::new())
            }
            Some(a) if a.system == "free" => ("free".into(), a.display.clone()),
            Some(a) => (area_key(a), String::new()),
        };
        let (unit, higher) = match &g.scale {
            Scale::Numeric {
                unit,
                higher_is_better,
            } => (unit.clone(), higher_is_better.to_string()),
            _ => (String::new(), "true".into()),
        };
        GoalValues {
            text: g.text.clone(),
            area,
            area_free,
            scale: g.scale.code().into(),
            unit,
            higher,
            baseline: g.baseline.map(fmt_num).unwrap_or_default(),
            target: g.target.map(fmt_num).unwrap_or_default(),
            deadline: g.deadline.map(|d| d.to_string()).unwrap_or_default(),
            status: g.status.code().into(),
            workers: g.workers.iter().map(|w| w.to_string()).collect(),
        }
    }

    /// The use case's input; an area that is neither on the list nor written
    /// out is reported together with the goal's other problems.
    fn input(&self, existing: Option<&AreaCode>) -> Result<GoalInput, ValidationErrors> {
        let mut area_error = None;
        let (area_code, area_display) = match self.area.trim() {
            "" => (None, None),
            "free" => {
                let t = self.area_free.trim();
                if t.is_empty() {
                    area_error = Some("Skriv området, eller vælg et område fra listen.");
                    (None, None)
                } else {
                    (Some(format!("free:{t}")), Some(t.to_string()))
                }
            }
            v => {
                if let Some(d) = v.strip_prefix("fsiii:").and_then(fsiii_display) {
                    (Some(v.to_string()), Some(d.to_string()))
                } else if let Some(a) = existing.filter(|a| area_key(a) == v) {
                    (Some(v.to_string()), Some(a.display.clone()))
                } else {
                    area_error = Some("Vælg et område fra listen.");
                    (None, None)
                }
            }
        };
        let input = GoalInput {
            text: self.text.clone(),
            area_code,
            area_display,
            scale: self.scale.clone(),
            unit: Some(self.unit.clone()),
            higher_is_better: Some(self.higher != "false"),
            baseline: Some(self.baseline.clone()),
            target: Some(self.target.clone()),
            deadline: Some(self.deadline.clone()),
            status: Some(self.status.clone()),
            workers: self.workers.clone(),
            resolved_scale: None,
        };
        match area_error {
            None => Ok(input),
            Some(msg) => {
                let mut e = ValidationErrors::single("goal_area", msg);
                if let Err(more) = input.to_goal(GoalId::new()) {
                    e.fields.extend(more.fields);
                }
                Err(e)
            }
        }
    }
}

pub struct GoalForm {
    pub v: GoalValues,
    pub areas: Vec<AreaGroup>,
    /// An area from outside the list (e.g. FFB via the API), kept as it is.
    pub extra_area: Option<Opt>,
    pub scales: Vec<Opt>,
    pub higher: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub workers: Vec<Opt>,
}

impl GoalForm {
    fn new(v: GoalValues, existing: Option<&AreaCode>, plan: &Plan, names: &Names) -> Self {
        let extra_area = existing
            .filter(|a| {
                a.system != "free" && !(a.system == "fsiii" && fsiii_display(&a.code).is_some())
            })
            .map(|a| Opt::new(area_key(a), a.display.clone(), v.area == area_key(a)));
        let scales = [
            ("none", "Uden skala"),
            ("fsiii", "FSIII funktionsniveau (0–4, lavere er bedre)"),
            ("gas", "Goal Attainment Scaling (−2 til +2)"),
            ("numeric", "Tal med enhed (fx kg, timer pr. uge)"),
        ]
        .iter()
        .map(|(c, l)| Opt::new(*c, *l, *c == v.scale))
        .chain(
            (v.scale == "ordinal")
                .then(|| Opt::new("ordinal", "Målets egen trinskala (uændret)", true)),
        )
        .chain(names.scales().map(|cs| {
            let code = format!("custom:{}", cs.id);
            let sel = code == v.scale;
            Opt::new(code, cs.scale.label(), sel)
        }))
        .collect();
        let higher = [("true", "Højere er bedre"), ("false", "Lavere er bedre")]
            .iter()
            .map(|(c, l)| Opt::new(*c, *l, *c == v.higher))
            .collect();
        // Workers are chosen among the team's staff (and whoever is already chosen).
        let mut ids: Vec<StaffId> = plan.content.staff_members().collect();
        for w in &v.workers {
            if let Ok(id) = w.parse::<StaffId>()
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        }
        let workers = ids
            .iter()
            .map(|id| {
                let s = id.to_string();
                let sel = v.workers.contains(&s);
                Opt::new(
                    s,
                    format!("{} ({})", names.staff_name(*id), names.profession(*id)),
                    sel,
                )
            })
            .collect();
        GoalForm {
            areas: area_groups(&v.area),
            extra_area,
            scales,
            higher,
            statuses: enum_opts(
                GoalStatus::ALL,
                GoalStatus::code,
                GoalStatus::label,
                &v.status,
            ),
            workers,
            v,
        }
    }
}

pub struct InterventionValues {
    pub what: String,
    pub kind: String,
    pub unit_id: String,
    pub staff_id: String,
    pub provider: String,
    pub goal_ids: Vec<String>,
    pub start: String,
    pub end: String,
    pub frequency: String,
    pub legal_basis: String,
    pub status: String,
}

impl InterventionValues {
    fn empty(user: &Authenticated) -> Self {
        InterventionValues {
            what: String::new(),
            kind: "unit".into(),
            unit_id: user
                .actor
                .unit_ids
                .first()
                .map(|u| u.to_string())
                .unwrap_or_default(),
            staff_id: String::new(),
            provider: String::new(),
            goal_ids: vec![],
            start: String::new(),
            end: String::new(),
            frequency: String::new(),
            legal_basis: String::new(),
            status: InterventionStatus::Planned.code().into(),
        }
    }

    fn from_form(f: &FormData) -> Self {
        InterventionValues {
            what: f.get("what"),
            kind: f.get("deliverer_kind"),
            unit_id: f.get("unit_id"),
            staff_id: f.get("staff_id"),
            provider: f.get("provider"),
            goal_ids: f.all("goal_ids"),
            start: f.get("start"),
            end: f.get("end"),
            frequency: f.get("frequency"),
            legal_basis: f.get("legal_basis"),
            status: f.get("status"),
        }
    }

    fn from_intervention(i: &Intervention) -> Self {
        let (kind, unit_id, staff_id, provider) = match &i.deliverer {
            Deliverer::Unit { unit_id } => {
                ("unit", unit_id.to_string(), String::new(), String::new())
            }
            Deliverer::Staff { staff_id } => {
                ("staff", String::new(), staff_id.to_string(), String::new())
            }
            Deliverer::Provider { name } => {
                ("provider", String::new(), String::new(), name.clone())
            }
        };
        InterventionValues {
            what: i.what.clone(),
            kind: kind.into(),
            unit_id,
            staff_id,
            provider,
            goal_ids: i.goal_ids.iter().map(|g| g.to_string()).collect(),
            start: i.start.map(|d| d.to_string()).unwrap_or_default(),
            end: i.end.map(|d| d.to_string()).unwrap_or_default(),
            frequency: i.frequency.clone().unwrap_or_default(),
            legal_basis: i.legal_basis.clone().unwrap_or_default(),
            status: i.status.code().into(),
        }
    }

    fn input(&self) -> InterventionInput {
        InterventionInput {
            what: self.what.clone(),
            deliverer_kind: self.kind.clone(),
            deliverer: match self.kind.as_str() {
                "unit" => self.unit_id.clone(),
                "staff" => self.staff_id.clone(),
                "provider" => self.provider.clone(),
                _ => String::new(),
            },
            goal_ids: self.goal_ids.clone(),
            start: Some(self.start.clone()),
            end: Some(self.end.clone()),
            frequency: Some(self.frequency.clone()),
            legal_basis: Some(self.legal_basis.clone()),
            status: Some(self.status.clone()),
        }
    }
}

pub struct InterventionForm {
    pub v: InterventionValues,
    pub kinds: Vec<Opt>,
    pub units: Vec<Opt>,
    pub staff: Vec<Opt>,
    pub goals: Vec<Opt>,
    pub statuses: Vec<Opt>,
}

impl InterventionForm {
    fn new(v: InterventionValues, plan: &Plan, names: &Names) -> Self {
        InterventionForm {
            kinds: [
                ("unit", "En enhed"),
                ("staff", "En medarbejder"),
                ("provider", "En ekstern leverandør"),
            ]
            .iter()
            .map(|(c, l)| Opt::new(*c, *l, *c == v.kind))
            .collect(),
            units: names.unit_opts(&v.unit_id),
            staff: names.staff_opts(std::slice::from_ref(&v.staff_id), &[]),
            goals: plan
                .content
                .goals
                .iter()
                .map(|g| {
                    let s = g.id.to_string();
                    let sel = v.goal_ids.contains(&s);
                    Opt::new(s, g.text.clone(), sel)
                })
                .collect(),
            statuses: enum_opts(
                InterventionStatus::ALL,
                InterventionStatus::code,
                InterventionStatus::label,
                &v.status,
            ),
            v,
        }
    }
}

// ---------------------------------------------------------------------------
// The plan page

/// A form that failed validation: which section, what was posted, what was wrong.
struct Failed {
    section: &'static str,
    form: FormData,
    errors: ValidationErrors,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    layout: Layout,
    citizen_name: String,
    p: PlanView,
    section: &'static str,
    errors: ValidationErrors,
    reason: String,
    wishes_text: String,
    wishes_on_behalf: bool,
    overall_goal: String,
    gf: GoalForm,
    ivf: InterventionForm,
    add_staff: Vec<Opt>,
    staff_role: String,
    other_kinds: Vec<Opt>,
    other_name: String,
    other_relation: String,
    other_organisation: String,
    other_role: String,
    handover: Vec<Opt>,
    review_on: String,
    cadence: String,
}

impl PlanPage {
    /// The error summary for a section, when that section's form failed.
    fn alert(&self, section: &str) -> Option<String> {
        (self.section == section && !self.errors.is_empty()).then(|| self.errors.summary())
    }

    /// The reason typed into a failed section's form.
    fn reason_for(&self, section: &str) -> &str {
        if self.section == section {
            &self.reason
        } else {
            ""
        }
    }
}

async fn plan_page(
    state: &AppState,
    user: &Authenticated,
    pid: PlanId,
    notice: Option<String>,
    failed: Option<Failed>,
) -> Response {
    let result = async {
        let plan = state.app.get_plan(&user.actor, pid).await?;
        let citizen = state.app.get_citizen(&user.actor, plan.citizen_id).await?;
        let names = Names::load(state, user).await?;
        let progress = state.app.plan_progress(&user.actor, &plan).await?;
        Ok::<_, AppError>((plan, citizen, names, progress))
    }
    .await;
    let (plan, citizen, names, progress) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(user)),
    };
    let posted = |s: &str| failed.as_ref().filter(|f| f.section == s).map(|f| &f.form);
    let c = &plan.content;
    let (wishes_text, wishes_on_behalf) = match posted("wishes") {
        Some(f) => (f.get("text"), f.get("on_behalf") == "on"),
        None => match &c.wishes {
            Some(w) => (
                w.text.clone(),
                matches!(w.author, WishesAuthor::OnBehalf { .. }),
            ),
            None => (String::new(), false),
        },
    };
    let overall_goal = posted("overall_goal")
        .map(|f| f.get("overall_goal"))
        .unwrap_or_else(|| c.overall_goal.clone());
    let goal_values = posted("goal")
        .map(GoalValues::from_form)
        .unwrap_or_else(GoalValues::empty);
    let iv_values = posted("intervention")
        .map(InterventionValues::from_form)
        .unwrap_or_else(|| InterventionValues::empty(user));
    let team_staff: Vec<StaffId> = c.staff_members().collect();
    let staff_post = posted("team_staff");
    let other_post = posted("team_other");
    let review_post = posted("review");
    let handover_sel = posted("coordinator")
        .map(|f| f.get("staff_id"))
        .unwrap_or_default();
    let page = PlanPage {
        layout: Layout::for_user(user).with_notice(notice.as_deref()),
        citizen_name: citizen.full_name(),
        section: failed.as_ref().map(|f| f.section).unwrap_or(""),
        reason: failed
            .as_ref()
            .map(|f| f.form.get("reason"))
            .unwrap_or_default(),
        wishes_text,
        wishes_on_behalf,
        overall_goal,
        gf: GoalForm::new(goal_values, None, &plan, &names),
        ivf: InterventionForm::new(iv_values, &plan, &names),
        add_staff: names.staff_opts(
            &staff_post
                .map(|f| vec![f.get("staff_id")])
                .unwrap_or_default(),
            &team_staff,
        ),
        staff_role: staff_post.map(|f| f.get("role")).unwrap_or_default(),
        other_kinds: {
            let sel = other_post
                .map(|f| f.get("kind"))
                .unwrap_or_else(|| "relative".into());
            [
                ("relative", "Pårørende"),
                ("external", "Ekstern (fx egen læge)"),
            ]
            .iter()
            .map(|(c, l)| Opt::new(*c, *l, *c == sel))
            .collect()
        },
        other_name: other_post.map(|f| f.get("name")).unwrap_or_default(),
        other_relation: other_post.map(|f| f.get("relation")).unwrap_or_default(),
        other_organisation: other_post
            .map(|f| f.get("organisation"))
            .unwrap_or_default(),
        other_role: other_post.map(|f| f.get("role")).unwrap_or_default(),
        handover: team_staff
            .iter()
            .filter(|s| **s != c.coordinator)
            .map(|s| {
                let v = s.to_string();
                let sel = v == handover_sel;
                Opt::new(
                    v,
                    format!("{} ({})", names.staff_name(*s), names.profession(*s)),
                    sel,
                )
            })
            .collect(),
        review_on: review_post
            .map(|f| f.get("review_on"))
            .unwrap_or_else(|| c.review_on.map(|d| d.to_string()).unwrap_or_default()),
        cadence: review_post
            .map(|f| f.get("cadence"))
            .unwrap_or_else(|| c.meeting_cadence.clone().unwrap_or_default()),
        p: PlanView::build(&plan, &names, &citizen.full_name()).with_progress(&progress),
        errors: failed.map(|f| f.errors).unwrap_or_default(),
    };
    render_status(status_for(&page.errors), &page)
}

#[derive(Deserialize)]
pub struct PlanParams {
    gemt: Option<i64>,
    oprettet: Option<String>,
    uaendret: Option<String>,
}

pub async fn plan_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Query(q): Query<PlanParams>,
) -> Response {
    let pid: PlanId = match parse_id(&raw) {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&user)),
    };
    let notice = if q.oprettet.is_some() {
        Some(
            "Planen er oprettet, og du er tovholder. Skriv borgerens ønsker og drømme først."
                .into(),
        )
    } else if q.uaendret.is_some() {
        Some("Der var ingen ændringer at gemme.".into())
    } else {
        q.gemt
            .map(|v| format!("Ændringen er gemt som version {v}."))
    };
    plan_page(&state, &user, pid, notice, None).await
}

/// Where a failed plan form is shown again.
enum Back {
    Plan(&'static str),
    Goal(GoalId),
    Intervention(InterventionId),
}

fn parse_version(form: &FormData) -> Result<i64, AppError> {
    form.get("version").trim().parse::<i64>().map_err(|_| {
        AppError::Validation(ValidationErrors::single(
            "version",
            "Formularen mangler planens version. Genindlæs siden, og prøv igen.",
        ))
    })
}

/// Applies one section's edit: saved → back to the plan with a notice;
/// invalid → the form again with 422; stale → the conflict page, never an overwrite.
async fn edit_plan(
    state: &AppState,
    user: &Authenticated,
    raw: &str,
    body: &Bytes,
    back: Back,
    build: impl FnOnce(&FormData) -> Result<PlanEdit, ValidationErrors>,
) -> Response {
    let form = FormData::parse(body);
    if let Err(r) = check_csrf(user, &form) {
        return r;
    }
    let pid: PlanId = match parse_id(raw) {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(user)),
    };
    let anchor = match &back {
        Back::Plan(s) => *s,
        Back::Goal(_) => "goal",
        Back::Intervention(_) => "intervention",
    };
    let result = async {
        let version = parse_version(&form)?;
        let edit = build(&form)?;
        let reason = form.opt("reason");
        let plan = state
            .app
            .edit_plan(&user.actor, pid, version, edit, reason.as_deref())
            .await?;
        Ok::<_, AppError>((version, plan))
    }
    .await;
    match result {
        Ok((v, p)) if p.version == v => {
            Redirect::to(&format!("/planer/{pid}?uaendret=1#{anchor}")).into_response()
        }
        Ok((_, p)) => {
            Redirect::to(&format!("/planer/{pid}?gemt={}#{anchor}", p.version)).into_response()
        }
        Err(AppError::Validation(errors)) => match back {
            Back::Plan(section) => {
                plan_page(
                    state,
                    user,
                    pid,
                    None,
                    Some(Failed {
                        section,
                        form,
                        errors,
                    }),
                )
                .await
            }
            Back::Goal(gid) => goal_page(state, user, pid, gid, Some((form, errors))).await,
            Back::Intervention(iid) => {
                intervention_page(state, user, pid, iid, Some((form, errors))).await
            }
        },
        Err(AppError::StaleVersion {
            expected,
            current,
            changes,
        }) => conflict_page(user, pid, expected, current, changes, &form),
        Err(e) => error_page(e, Some(user)),
    }
}

#[derive(Template)]
#[template(path = "plan_conflict.html")]
struct ConflictPage {
    layout: Layout,
    plan_id: PlanId,
    expected: i64,
    current: i64,
    changes: Vec<String>,
    submitted: Vec<(&'static str, String)>,
}

/// 409: someone else saved the plan in between. Their changes are listed and
/// what this person typed is shown, so nothing is lost and nothing overwritten.
fn conflict_page(
    user: &Authenticated,
    pid: PlanId,
    expected: i64,
    current: i64,
    changes: Vec<String>,
    form: &FormData,
) -> Response {
    const LABELS: &[(&str, &str)] = &[
        ("text", "Tekst"),
        ("overall_goal", "Overordnet mål"),
        ("area_free", "Område"),
        ("unit", "Enhed"),
        ("baseline", "Udgangspunkt"),
        ("target", "Målværdi"),
        ("deadline", "Frist"),
        ("what", "Indsats"),
        ("provider", "Leverandør"),
        ("start", "Start"),
        ("end", "Slut"),
        ("frequency", "Hyppighed"),
        ("legal_basis", "Lovgrundlag"),
        ("name", "Navn"),
        ("relation", "Relation"),
        ("organisation", "Organisation"),
        ("role", "Rolle"),
        ("review_on", "Opfølgningsdato"),
        ("cadence", "Mødekadence"),
        ("reason", "Begrundelse"),
    ];
    let submitted = LABELS
        .iter()
        .filter_map(|(k, l)| form.opt(k).map(|v| (*l, v)))
        .collect();
    render_status(
        StatusCode::CONFLICT,
        &ConflictPage {
            layout: Layout::for_user(user),
            plan_id: pid,
            expected,
            current,
            changes,
            submitted,
        },
    )
}

pub async fn plan_wishes(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    edit_plan(&state, &user, &raw, &body, Back::Plan("wishes"), |f| {
        Ok(PlanEdit::Wishes {
            text: f.get("text"),
            on_behalf: f.get("on_behalf") == "on",
        })
    })
    .await
}

pub async fn plan_overall_goal(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    edit_plan(
        &state,
        &user,
        &raw,
        &body,
        Back::Plan("overall_goal"),
        |f| Ok(PlanEdit::OverallGoal(f.get("overall_goal"))),
    )
    .await
}

pub async fn plan_add_goal(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    edit_plan(&state, &user, &raw, &body, Back::Plan("goal"), |f| {
        GoalValues::from_form(f).input(None).map(PlanEdit::AddGoal)
    })
    .await
}

pub async fn plan_add_intervention(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    edit_plan(
        &state,
        &user,
        &raw,
        &body,
        Back::Plan("intervention"),
        |f| {
            Ok(PlanEdit::AddIntervention(
                InterventionValues::from_form(f).input(),
            ))
        },
    )
    .await
}

pub async fn plan_add_member(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    let section = if form.get("kind") == "staff" {
        "team_staff"
    } else {
        "team_other"
    };
    edit_plan(&state, &user, &raw, &body, Back::Plan(section), |f| {
        Ok(PlanEdit::AddMember(MemberInput {
            kind: f.get("kind"),
            staff_id: f.opt("staff_id"),
            name: f.opt("name"),
            relation: f.opt("relation"),
            organisation: f.opt("organisation"),
            role: f.opt("role"),
        }))
    })
    .await
}

pub async fn plan_remove_member(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    edit_plan(&state, &user, &raw, &body, Back::Plan("team"), |f| {
        f.get("index")
            .trim()
            .parse::<usize>()
            .map(PlanEdit::RemoveMember)
            .map_err(|_| ValidationErrors::single("team", "Vælg hvem der skal fjernes fra teamet."))
    })
    .await
}

pub async fn plan_hand_over(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    edit_plan(&state, &user, &raw, &body, Back::Plan("coordinator"), |f| {
        f.get("staff_id")
            .trim()
            .parse::<StaffId>()
            .map(PlanEdit::HandOver)
            .map_err(|_| {
                ValidationErrors::single("coordinator", "Vælg hvem der skal være ny tovholder.")
            })
    })
    .await
}

pub async fn plan_review(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    edit_plan(&state, &user, &raw, &body, Back::Plan("review"), |f| {
        Ok(PlanEdit::Review {
            review_on: f.opt("review_on"),
            cadence: f.opt("cadence"),
        })
    })
    .await
}

pub async fn plan_close(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let pid: PlanId = match parse_id(&raw) {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&user)),
    };
    let result = async {
        let version = parse_version(&form)?;
        if form.get("confirm") != "on" {
            return Err(AppError::Validation(ValidationErrors::single(
                "confirm",
                "Bekræft, at planen skal afsluttes.",
            )));
        }
        state
            .app
            .close_plan(&user.actor, pid, version, &form.get("reason"))
            .await
    }
    .await;
    match result {
        Ok(p) => Redirect::to(&format!("/borgere/{}?gemt=1#plan", p.citizen_id)).into_response(),
        Err(AppError::Validation(errors)) => {
            plan_page(
                &state,
                &user,
                pid,
                None,
                Some(Failed {
                    section: "close",
                    form,
                    errors,
                }),
            )
            .await
        }
        Err(AppError::StaleVersion {
            expected,
            current,
            changes,
        }) => conflict_page(&user, pid, expected, current, changes, &form),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Editing one goal or one intervention

#[derive(Template)]
#[template(path = "goal_form.html")]
struct GoalPage {
    layout: Layout,
    plan_id: PlanId,
    version: i64,
    citizen_name: String,
    goal_id: GoalId,
    gf: GoalForm,
    errors: ValidationErrors,
    reason: String,
}

async fn goal_page(
    state: &AppState,
    user: &Authenticated,
    pid: PlanId,
    gid: GoalId,
    posted: Option<(FormData, ValidationErrors)>,
) -> Response {
    let result = async {
        let plan = state.app.get_plan(&user.actor, pid).await?;
        let citizen = state.app.get_citizen(&user.actor, plan.citizen_id).await?;
        let names = Names::load(state, user).await?;
        Ok::<_, AppError>((plan, citizen, names))
    }
    .await;
    let (plan, citizen, names) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(user)),
    };
    let Some(goal) = plan.content.goal(gid) else {
        return error_page(AppError::NotFound, Some(user));
    };
    if plan.status != PlanStatus::Active {
        return error_page(
            AppError::Conflict("Planen er afsluttet og kan ikke ændres.".into()),
            Some(user),
        );
    }
    let (values, reason, errors, version) = match posted {
        Some((f, e)) => (
            GoalValues::from_form(&f),
            f.get("reason"),
            e,
            f.get("version").parse().unwrap_or(plan.version),
        ),
        None => (
            GoalValues::from_goal(goal),
            String::new(),
            ValidationErrors::new(),
            plan.version,
        ),
    };
    let page = GoalPage {
        layout: Layout::for_user(user),
        plan_id: pid,
        version,
        citizen_name: citizen.full_name(),
        goal_id: gid,
        gf: GoalForm::new(values, goal.area.as_ref(), &plan, &names),
        errors,
        reason,
    };
    render_status(status_for(&page.errors), &page)
}

pub async fn goal_edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((raw, graw)): Path<(String, String)>,
) -> Response {
    match (parse_id::<PlanId>(&raw), parse_id::<GoalId>(&graw)) {
        (Ok(pid), Ok(gid)) => goal_page(&state, &user, pid, gid, None).await,
        _ => error_page(AppError::NotFound, Some(&user)),
    }
}

pub async fn goal_edit_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((raw, graw)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if let Err(r) = check_csrf(&user, &FormData::parse(&body)) {
        return r;
    }
    let Ok(gid) = parse_id::<GoalId>(&graw) else {
        return error_page(AppError::NotFound, Some(&user));
    };
    // The area kept from outside the list needs the goal as it is now.
    let existing = match parse_id::<PlanId>(&raw) {
        Ok(pid) => state
            .app
            .get_plan(&user.actor, pid)
            .await
            .ok()
            .and_then(|p| p.content.goal(gid).and_then(|g| g.area.clone())),
        Err(_) => None,
    };
    edit_plan(&state, &user, &raw, &body, Back::Goal(gid), |f| {
        GoalValues::from_form(f)
            .input(existing.as_ref())
            .map(|i| PlanEdit::UpdateGoal(gid, i))
    })
    .await
}

#[derive(Template)]
#[template(path = "intervention_form.html")]
struct InterventionPage {
    layout: Layout,
    plan_id: PlanId,
    version: i64,
    citizen_name: String,
    intervention_id: InterventionId,
    ivf: InterventionForm,
    errors: ValidationErrors,
    reason: String,
}

async fn intervention_page(
    state: &AppState,
    user: &Authenticated,
    pid: PlanId,
    iid: InterventionId,
    posted: Option<(FormData, ValidationErrors)>,
) -> Response {
    let result = async {
        let plan = state.app.get_plan(&user.actor, pid).await?;
        let citizen = state.app.get_citizen(&user.actor, plan.citizen_id).await?;
        let names = Names::load(state, user).await?;
        Ok::<_, AppError>((plan, citizen, names))
    }
    .await;
    let (plan, citizen, names) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(user)),
    };
    let Some(current) = plan.content.interventions.iter().find(|i| i.id == iid) else {
        return error_page(AppError::NotFound, Some(user));
    };
    if plan.status != PlanStatus::Active {
        return error_page(
            AppError::Conflict("Planen er afsluttet og kan ikke ændres.".into()),
            Some(user),
        );
    }
    let (values, reason, errors, version) = match posted {
        Some((f, e)) => (
            InterventionValues::from_form(&f),
            f.get("reason"),
            e,
            f.get("version").parse().unwrap_or(plan.version),
        ),
        None => (
            InterventionValues::from_intervention(current),
            String::new(),
            ValidationErrors::new(),
            plan.version,
        ),
    };
    let page = InterventionPage {
        layout: Layout::for_user(user),
        plan_id: pid,
        version,
        citizen_name: citizen.full_name(),
        intervention_id: iid,
        ivf: InterventionForm::new(values, &plan, &names),
        errors,
        reason,
    };
    render_status(status_for(&page.errors), &page)
}

pub async fn intervention_edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((raw, iraw)): Path<(String, String)>,
) -> Response {
    match (parse_id::<PlanId>(&raw), parse_id::<InterventionId>(&iraw)) {
        (Ok(pid), Ok(iid)) => intervention_page(&state, &user, pid, iid, None).await,
        _ => error_page(AppError::NotFound, Some(&user)),
    }
}

pub async fn intervention_edit_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((raw, iraw)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Ok(iid) = parse_id::<InterventionId>(&iraw) else {
        return error_page(AppError::NotFound, Some(&user));
    };
    edit_plan(&state, &user, &raw, &body, Back::Intervention(iid), |f| {
        Ok(PlanEdit::UpdateIntervention(
            iid,
            InterventionValues::from_form(f).input(),
        ))
    })
    .await
}

// ---------------------------------------------------------------------------
// History, compare, restore

pub struct VersionRow {
    pub version: i64,
    pub at: String,
    pub author: String,
    pub reason: String,
    pub status: &'static str,
    pub is_current: bool,
    pub fra: bool,
    pub til: bool,
}

#[derive(Template)]
#[template(path = "plan_history.html")]
struct HistoryPage {
    layout: Layout,
    plan_id: PlanId,
    citizen_id: CitizenId,
    citizen_name: String,
    current: i64,
    active: bool,
    versions: Vec<VersionRow>,
    compared: Option<(i64, i64)>,
    changes: Vec<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct HistoryParams {
    fra: Option<String>,
    til: Option<String>,
    gendannet: Option<i64>,
}

async fn history_page(
    state: &AppState,
    user: &Authenticated,
    raw: &str,
    q: HistoryParams,
    compare: bool,
) -> Response {
    let pid: PlanId = match parse_id(raw) {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(user)),
    };
    let result = async {
        let (plan, versions) = state.app.plan_history(&user.actor, pid).await?;
        let citizen = state.app.get_citizen(&user.actor, plan.citizen_id).await?;
        Ok::<_, AppError>((plan, versions, citizen))
    }
    .await;
    let (plan, mut versions, citizen) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(user)),
    };
    versions.sort_by_key(|v| std::cmp::Reverse(v.version));
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
    let (mut fra, mut til) = ((plan.version - 1).max(1), plan.version);
    let mut error = None;
    let mut changes = vec![];
    let mut compared = None;
    if compare {
        match (parse(&q.fra), parse(&q.til)) {
            (Some(a), Some(b)) if a != b => {
                fra = a.min(b);
                til = a.max(b);
                match state
                    .app
                    .compare_plan_versions(&user.actor, pid, fra, til)
                    .await
                {
                    Ok(c) => {
                        changes = c;
                        compared = Some((fra, til));
                    }
                    Err(AppError::NotFound) => {
                        error = Some("En af de valgte versioner findes ikke.".to_string())
                    }
                    Err(e) => return error_page(e, Some(user)),
                }
            }
            (Some(_), Some(_)) => error = Some("Vælg to forskellige versioner.".to_string()),
            _ => error = Some("Vælg to versioner at sammenligne.".to_string()),
        }
    }
    let rows = versions
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            at: fmt_time(v.at),
            author: v.author_name.clone(),
            reason: v.reason.clone(),
            status: v.status.label(),
            is_current: v.version == plan.version,
            fra: v.version == fra,
            til: v.version == til,
        })
        .collect();
    let notice = q
        .gendannet
        .map(|v| format!("Version {v} er gendannet som en ny version."));
    let page = HistoryPage {
        layout: Layout::for_user(user).with_notice(notice.as_deref()),
        plan_id: pid,
        citizen_id: plan.citizen_id,
        citizen_name: citizen.full_name(),
        current: plan.version,
        active: plan.status == PlanStatus::Active,
        versions: rows,
        compared,
        changes,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render_status(status, &page)
}

pub async fn plan_history(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Query(q): Query<HistoryParams>,
) -> Response {
    history_page(&state, &user, &raw, q, false).await
}

pub async fn plan_compare(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Query(q): Query<HistoryParams>,
) -> Response {
    history_page(&state, &user, &raw, q, true).await
}

pub async fn plan_restore(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let pid: PlanId = match parse_id(&raw) {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&user)),
    };
    let result = async {
        let version = parse_version(&form)?;
        let old = form.get("restore").trim().parse::<i64>().map_err(|_| {
            AppError::Validation(ValidationErrors::single(
                "restore",
                "Vælg den version, der skal gendannes.",
            ))
        })?;
        state
            .app
            .restore_plan_version(&user.actor, pid, version, old)
            .await?;
        Ok::<_, AppError>(old)
    }
    .await;
    match result {
        Ok(old) => Redirect::to(&format!("/planer/{pid}/historik?gendannet={old}")).into_response(),
        Err(AppError::StaleVersion {
            expected,
            current,
            changes,
        }) => conflict_page(&user, pid, expected, current, changes, &form),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// The printable plan, in plain Danish for the citizen

#[derive(Template)]
#[template(path = "plan_print.html")]
struct PlanPrintPage {
    layout: Layout,
    citizen_name: String,
    cpr: String,
    p: PlanView,
    next_meeting: Option<(String, &'static str, String)>,
    printed: String,
}

pub async fn plan_print(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Response {
    let result = async {
        let pid: PlanId = parse_id(&raw)?;
        let plan = state.app.get_plan(&user.actor, pid).await?;
        let citizen = state.app.get_citizen(&user.actor, plan.citizen_id).await?;
        let meetings = state
            .app
            .list_meetings(&user.actor, plan.citizen_id)
            .await?;
        let names = Names::load(&state, &user).await?;
        Ok::<_, AppError>((plan, citizen, meetings, names))
    }
    .await;
    match result {
        Ok((plan, citizen, meetings, names)) => {
            let now = OffsetDateTime::now_utc();
            let next = meetings
                .iter()
                .filter(|m| m.status == MeetingStatus::Planned && m.starts_at >= now)
                .min_by_key(|m| m.starts_at)
                .map(|m| (fmt_time(m.starts_at), m.kind.label(), m.location.clone()));
            render(&PlanPrintPage {
                layout: Layout::for_user(&user),
                citizen_name: citizen.full_name(),
                cpr: citizen.cpr.masked(),
                p: PlanView::build(&plan, &names, &citizen.full_name()),
                next_meeting: next,
                printed: fmt_time(now),
            })
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Meetings

pub struct MeetingValues {
    pub kind: String,
    pub starts_at: String,
    pub location: String,
    pub agenda: String,
    pub staff_ids: Vec<String>,
    pub citizen_attends: bool,
    pub relatives: Vec<String>,
    pub relative_other: String,
    pub externals: Vec<String>,
}

impl MeetingValues {
    fn from_form(f: &FormData) -> Self {
        let mut externals = f.all("externals");
        externals.resize(2, String::new());
        MeetingValues {
            kind: f.get("kind"),
            starts_at: f.get("starts_at"),
            location: f.get("location"),
            agenda: f.get("agenda"),
            staff_ids: f.all("staff_ids"),
            citizen_attends: f.get("citizen_attends") == "on",
            relatives: f.all("relatives"),
            relative_other: f.get("relative_other"),
            externals,
        }
    }

    fn input(&self) -> MeetingInput {
        let mut relatives = self.relatives.clone();
        relatives.push(self.relative_other.clone());
        MeetingInput {
            kind: self.kind.clone(),
            starts_at: self.starts_at.clone(),
            location: self.location.clone(),
            agenda: self.agenda.clone(),
            staff_ids: self.staff_ids.clone(),
            citizen_attends: self.citizen_attends,
            relatives,
            externals: self.externals.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "meeting_new.html")]
struct MeetingNewPage {
    layout: Layout,
    citizen_id: CitizenId,
    citizen_name: String,
    v: MeetingValues,
    kinds: Vec<Opt>,
    team_staff: Vec<Opt>,
    other_staff: Vec<Opt>,
    relatives: Vec<Opt>,
    errors: ValidationErrors,
}

async fn meeting_new_page(
    state: &AppState,
    user: &Authenticated,
    cid: CitizenId,
    v: Option<MeetingValues>,
    errors: ValidationErrors,
) -> Response {
    let result = async {
        let citizen = state.app.get_citizen(&user.actor, cid).await?;
        let plan = state.app.active_plan(&user.actor, cid).await?;
        let names = Names::load(state, user).await?;
        Ok::<_, AppError>((citizen, plan, names))
    }
    .await;
    let (citizen, plan, names) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(user)),
    };
    let mut team: Vec<StaffId> = vec![user.actor.staff_id];
    if let Some(p) = &plan {
        for s in p.content.staff_members() {
            if !team.contains(&s) {
                team.push(s);
            }
        }
    }
    let v = v.unwrap_or_else(|| {
        let start = (today_local() + time::Duration::days(7)).with_hms(10, 0, 0);
        MeetingValues {
            kind: if plan.is_some() {
                MeetingKind::FollowUp.code().into()
            } else {
                MeetingKind::Network.code().into()
            },
            starts_at: start
                .map(|t| t.assume_offset(copenhagen_offset(t.date())))
                .map(local_input)
                .unwrap_or_default(),
            location: String::new(),
            agenda: String::new(),
            staff_ids: team.iter().map(|s| s.to_string()).collect(),
            citizen_attends: true,
            relatives: vec![],
            relative_other: String::new(),
            externals: vec![String::new(), String::new()],
        }
    });
    let team_staff = team
        .iter()
        .map(|s| {
            let id = s.to_string();
            let sel = v.staff_ids.contains(&id);
            Opt::new(
                id,
                format!("{} ({})", names.staff_name(*s), names.profession(*s)),
                sel,
            )
        })
        .collect();
    let page = MeetingNewPage {
        layout: Layout::for_user(user),
        citizen_id: cid,
        citizen_name: citizen.full_name(),
        kinds: enum_opts(
            MeetingKind::ALL,
            MeetingKind::code,
            MeetingKind::label,
            &v.kind,
        ),
        team_staff,
        other_staff: names.staff_opts(&v.staff_ids, &team),
        relatives: citizen
            .relatives
            .iter()
            .map(|r| {
                Opt::new(
                    r.name.clone(),
                    format!("{} ({})", r.name, r.relation),
                    v.relatives.contains(&r.name),
                )
            })
            .collect(),
        v,
        errors,
    };
    render_status(status_for(&page.errors), &page)
}

pub async fn meeting_new_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Response {
    match parse_id::<CitizenId>(&raw) {
        Ok(cid) => meeting_new_page(&state, &user, cid, None, ValidationErrors::new()).await,
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn meeting_new_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let cid: CitizenId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let v = MeetingValues::from_form(&form);
    match state
        .app
        .schedule_meeting(&user.actor, cid, &v.input())
        .await
    {
        Ok(m) => Redirect::to(&format!("/moeder/{}?planlagt=1", m.id)).into_response(),
        Err(AppError::Validation(errors)) => {
            meeting_new_page(&state, &user, cid, Some(v), errors).await
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub struct MeetingInfo {
    pub id: MeetingId,
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    pub kind: &'static str,
    pub when: String,
    pub location: String,
    pub status: &'static str,
    pub planned: bool,
    pub held: bool,
    pub attendees: Vec<String>,
    pub agenda: String,
    pub minutes: String,
    pub plan_id: Option<PlanId>,
}

impl MeetingInfo {
    fn build(m: &Meeting, citizen_name: &str, names: &Names) -> Self {
        MeetingInfo {
            id: m.id,
            citizen_id: m.citizen_id,
            citizen_name: citizen_name.to_string(),
            kind: m.kind.label(),
            when: fmt_time(m.starts_at),
            location: m.location.clone(),
            status: m.status.label(),
            planned: m.status == MeetingStatus::Planned,
            held: m.status == MeetingStatus::Held,
            attendees: m
                .attendees
                .iter()
                .map(|a| match a {
                    Attendee::Staff { staff_id } => format!(
                        "{} ({})",
                        names.staff_name(*staff_id),
                        names.profession(*staff_id)
                    ),
                    Attendee::Citizen => format!("{citizen_name} (borgeren)"),
                    Attendee::Relative { name } => format!("{name} (pårørende)"),
                    Attendee::External { name } => format!("{name} (ekstern)"),
                })
                .collect(),
            agenda: m.agenda.clone(),
            minutes: m.minutes.clone(),
            plan_id: m.plan_id,
        }
    }
}

pub struct AgView {
    pub text: String,
    pub owner: String,
    pub due: String,
    pub review: String,
    pub reviewed: bool,
}

impl AgView {
    fn build(g: &ActionGoal, names: &Names) -> Self {
        AgView {
            text: g.text.clone(),
            owner: names.owner(&g.owner),
            due: fmt_date(g.due),
            review: g
                .review
                .as_ref()
                .map(|r| {
                    if r.comment.is_empty() {
                        r.outcome.label().to_string()
                    } else {
                        format!("{}: {}", r.outcome.label(), r.comment)
                    }
                })
                .unwrap_or_default(),
            reviewed: g.review.is_some(),
        }
    }
}

pub struct ReviewRow {
    pub id: ActionGoalId,
    pub g: AgView,
    pub outcomes: Vec<Opt>,
    pub comment: String,
}

pub struct AgRow {
    pub text: String,
    pub due: String,
    pub owners: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    layout: Layout,
    m: MeetingInfo,
    to_review: Vec<ReviewRow>,
    goals: Vec<AgView>,
    next_meeting: Option<(MeetingId, String)>,
    warning: Option<String>,
    minutes: String,
    rows: Vec<AgRow>,
    next_starts_at: String,
    next_kinds: Vec<Opt>,
    errors: ValidationErrors,
}

#[derive(Deserialize)]
pub struct MeetingParams {
    planlagt: Option<String>,
    lukket: Option<String>,
    advarsel: Option<String>,
    aflyst: Option<String>,
}

async fn meeting_page(
    state: &AppState,
    user: &Authenticated,
    mid: MeetingId,
    q: Option<MeetingParams>,
    posted: Option<(FormData, ValidationErrors)>,
) -> Response {
    let result = async {
        let view = state.app.get_meeting(&user.actor, mid).await?;
        let citizen = state
            .app
            .get_citizen(&user.actor, view.meeting.citizen_id)
            .await?;
        let plan = match view.meeting.plan_id {
            Some(p) if view.meeting.status == MeetingStatus::Planned => {
                Some(state.app.get_plan(&user.actor, p).await?)
            }
            _ => None,
        };
        let next = match view.next_meeting_id {
            Some(n) => {
                let nm = state.app.get_meeting(&user.actor, n).await?;
                Some((n, fmt_time(nm.meeting.starts_at)))
            }
            None => None,
        };
        let names = Names::load(state, user).await?;
        Ok::<_, AppError>((view, citizen, plan, next, names))
    }
    .await;
    let (view, citizen, plan, next, names) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(user)),
    };
    let m = &view.meeting;
    let name = citizen.full_name();
    let mut notice = None;
    let mut warning = None;
    if let Some(q) = &q {
        if q.planlagt.is_some() {
            notice = Some("Mødet er planlagt.");
        }
        if q.aflyst.is_some() {
            notice = Some("Mødet er aflyst.");
        }
        if q.lukket.is_some() {
            notice = Some(
                "Mødet er lukket, og referatet er gemt. Opgaver er oprettet for indsatsmål med en medarbejder eller et team som ansvarlig.",
            );
        }
        if q.advarsel.is_some() && m.status == MeetingStatus::Held {
            warning = action_goal_count_warning(view.action_goals.len());
        }
    }
    // Who may own an action goal: staff at the meeting and on the plan, my teams,
    // the citizen and the relatives at the meeting.
    let mut staff: Vec<StaffId> = m
        .attendees
        .iter()
        .filter_map(|a| match a {
            Attendee::Staff { staff_id } => Some(*staff_id),
            _ => None,
        })
        .collect();
    if let Some(p) = &plan {
        staff.extend(p.content.staff_members());
    }
    let mut relatives: Vec<String> = m
        .attendees
        .iter()
        .filter_map(|a| match a {
            Attendee::Relative { name } => Some(name.clone()),
            _ => None,
        })
        .collect();
    for r in &citizen.relatives {
        if !relatives.contains(&r.name) {
            relatives.push(r.name.clone());
        }
    }
    let f = posted.as_ref().map(|(f, _)| f);
    let (texts, owners, dues) = match f {
        Some(f) => (f.all("ag_text"), f.all("ag_owner"), f.all("ag_due")),
        None => (vec![], vec![], vec![]),
    };
    let n = texts.len().max(owners.len()).max(dues.len()).max(3);
    let get = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let rows = (0..n)
        .map(|i| AgRow {
            text: get(&texts, i),
            due: get(&dues, i),
            owners: names.owner_opts(&staff, &relatives, &get(&owners, i)),
        })
        .collect();
    let (r_ids, r_outcomes, r_comments) = match f {
        Some(f) => (
            f.all("review_id"),
            f.all("review_outcome"),
            f.all("review_comment"),
        ),
        None => (vec![], vec![], vec![]),
    };
    let to_review = view
        .to_review
        .iter()
        .map(|g| {
            let idx = r_ids.iter().position(|r| *r == g.id.to_string());
            let outcome = idx.map(|i| get(&r_outcomes, i)).unwrap_or_default();
            ReviewRow {
                id: g.id,
                g: AgView::build(g, &names),
                outcomes: enum_opts(
                    ReviewOutcome::ALL,
                    ReviewOutcome::code,
                    ReviewOutcome::label,
                    &outcome,
                ),
                comment: idx.map(|i| get(&r_comments, i)).unwrap_or_default(),
            }
        })
        .collect();
    let next_kind = f
        .map(|f| f.get("next_kind"))
        .unwrap_or_else(|| MeetingKind::FollowUp.code().into());
    let page = MeetingPage {
        layout: Layout::for_user(user).with_notice(notice),
        m: MeetingInfo::build(m, &name, &names),
        to_review,
        goals: view
            .action_goals
            .iter()
            .map(|g| AgView::build(g, &names))
            .collect(),
        next_meeting: next,
        warning,
        minutes: f.map(|f| f.get("minutes")).unwrap_or_default(),
        rows,
        next_starts_at: f.map(|f| f.get("next_starts_at")).unwrap_or_default(),
        next_kinds: enum_opts(
            MeetingKind::ALL,
            MeetingKind::code,
            MeetingKind::label,
            &next_kind,
        ),
        errors: posted.map(|(_, e)| e).unwrap_or_default(),
    };
    render_status(status_for(&page.errors), &page)
}

pub async fn meeting_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Query(q): Query<MeetingParams>,
) -> Response {
    match parse_id::<MeetingId>(&raw) {
        Ok(mid) => meeting_page(&state, &user, mid, Some(q), None).await,
        Err(e) => error_page(e, Some(&user)),
    }
}

fn close_input(f: &FormData) -> CloseMeetingInput {
    let get = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let (texts, owners, dues) = (f.all("ag_text"), f.all("ag_owner"), f.all("ag_due"));
    let n = texts.len().max(owners.len()).max(dues.len());
    let (ids, outcomes, comments) = (
        f.all("review_id"),
        f.all("review_outcome"),
        f.all("review_comment"),
    );
    CloseMeetingInput {
        minutes: f.get("minutes"),
        action_goals: (0..n)
            .map(|i| ActionGoalInput {
                text: get(&texts, i),
                owner: get(&owners, i),
                due: get(&dues, i),
            })
            .collect(),
        reviews: (0..ids.len())
            .map(|i| ReviewInput {
                action_goal_id: get(&ids, i),
                outcome: get(&outcomes, i),
                comment: get(&comments, i),
            })
            .collect(),
        next_starts_at: f.opt("next_starts_at"),
        next_kind: f.opt("next_kind"),
    }
}

pub async fn meeting_close(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let mid: MeetingId = match parse_id(&raw) {
        Ok(m) => m,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state
        .app
        .close_meeting(&user.actor, mid, &close_input(&form))
        .await
    {
        Ok(c) => {
            let warn = if c.warning.is_some() {
                "&advarsel=1"
            } else {
                ""
            };
            Redirect::to(&format!("/moeder/{mid}?lukket=1{warn}")).into_response()
        }
        Err(AppError::Validation(errors)) => {
            meeting_page(&state, &user, mid, None, Some((form, errors))).await
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn meeting_cancel(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let mid: MeetingId = match parse_id(&raw) {
        Ok(m) => m,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state.app.cancel_meeting(&user.actor, mid).await {
        Ok(_) => Redirect::to(&format!("/moeder/{mid}?aflyst=1")).into_response(),
        Err(e) => error_page(e, Some(&user)),
    }
}

#[derive(Template)]
#[template(path = "meeting_print.html")]
struct MeetingPrintPage {
    layout: Layout,
    m: MeetingInfo,
    reviewed: Vec<AgView>,
    goals: Vec<AgView>,
    next_meeting: Option<String>,
    printed: String,
}

pub async fn meeting_print(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
) -> Response {
    let result = async {
        let mid: MeetingId = parse_id(&raw)?;
        let view = state.app.get_meeting(&user.actor, mid).await?;
        let citizen = state
            .app
            .get_citizen(&user.actor, view.meeting.citizen_id)
            .await?;
        let next = match view.next_meeting_id {
            Some(n) => Some(
                state
                    .app
                    .get_meeting(&user.actor, n)
                    .await?
                    .meeting
                    .starts_at,
            ),
            None => None,
        };
        let names = Names::load(&state, &user).await?;
        Ok::<_, AppError>((view, citizen, next, names))
    }
    .await;
    match result {
        Ok((view, citizen, next, names)) => render(&MeetingPrintPage {
            layout: Layout::for_user(&user),
            m: MeetingInfo::build(&view.meeting, &citizen.full_name(), &names),
            reviewed: view
                .to_review
                .iter()
                .filter(|g| {
                    g.review
                        .as_ref()
                        .is_some_and(|r| r.meeting_id == view.meeting.id)
                })
                .map(|g| AgView::build(g, &names))
                .collect(),
            goals: view
                .action_goals
                .iter()
                .map(|g| AgView::build(g, &names))
                .collect(),
            next_meeting: next.map(fmt_time),
            printed: fmt_time(OffsetDateTime::now_utc()),
        }),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Mit arbejde and Team

pub struct PlanRefRow {
    pub plan_id: PlanId,
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    pub coordinator: String,
    pub review_on: String,
}

pub struct CaseRow {
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    pub title: String,
    pub opened: String,
}

pub struct MeetingRefRow {
    pub id: MeetingId,
    pub citizen_id: CitizenId,
    pub citizen_name: String,
    pub kind: &'static str,
    pub when: String,
}

#[derive(Template)]
#[template(path = "my_work.html")]
struct MyWorkPage {
    layout: Layout,
    is_volunteer: bool,
    coordinating: Vec<PlanRefRow>,
    on_team: Vec<PlanRefRow>,
    cases: Vec<CaseRow>,
    meetings: Vec<MeetingRefRow>,
    tasks: Vec<TaskRow>,
    overdue: Vec<PlanRefRow>,
}

#[derive(Deserialize)]
pub struct MyWorkParams {
    udfoert: Option<String>,
}

pub async fn my_work(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<MyWorkParams>,
) -> Response {
    let result = async {
        let work = state.app.my_work(&user.actor).await?;
        let names = Names::load(&state, &user).await?;
        Ok::<_, AppError>((work, names))
    }
    .await;
    let (work, names) = match result {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(&user)),
    };
    let plan_row = |p: &tvaers_store::PlanRef| PlanRefRow {
        plan_id: p.plan_id,
        citizen_id: p.citizen_id,
        citizen_name: p.citizen_name.clone(),
        coordinator: p.coordinator_name.clone(),
        review_on: fmt_opt_date(p.review_on),
    };
    let mut tasks: Vec<_> = work.tasks.iter().collect();
    // By due date; tasks without one last.
    tasks.sort_by_key(|t| (t.task.due.is_none(), t.task.due));
    render(&MyWorkPage {
        layout: Layout::for_user(&user)
            .with_notice(q.udfoert.map(|_| "Opgaven er markeret som udført.")),
        is_volunteer: user.actor.role() == Role::Volunteer,
        coordinating: work
            .plans
            .iter()
            .filter(|p| p.is_coordinator)
            .map(plan_row)
            .collect(),
        on_team: work
            .plans
            .iter()
            .filter(|p| !p.is_coordinator)
            .map(plan_row)
            .collect(),
        cases: work
            .cases
            .iter()
            .map(|c| CaseRow {
                citizen_id: c.case.citizen_id,
                citizen_name: c.citizen_name.clone(),
                title: c.case.title.clone(),
                opened: fmt_date(c.case.opened_on),
            })
            .collect(),
        meetings: work
            .meetings
            .iter()
            .map(|m| MeetingRefRow {
                id: m.meeting_id,
                citizen_id: m.citizen_id,
                citizen_name: m.citizen_name.clone(),
                kind: m.kind.label(),
                when: fmt_time(m.starts_at),
            })
            .collect(),
        tasks: tasks
            .into_iter()
            .map(|t| TaskRow::from(&t.task, t.citizen_name.clone(), &names))
            .collect(),
        overdue: work.overdue_reviews.iter().map(plan_row).collect(),
    })
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    layout: Layout,
    caseloads: Vec<tvaers_domain::case::Caseload>,
    total: i64,
    overdue: Vec<tvaers_store::OverdueByUnit>,
}

pub async fn team(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    match state.app.team_view(&user.actor).await {
        Ok(v) => render(&TeamPage {
            layout: Layout::for_user(&user),
            total: v.caseloads.iter().map(|c| c.open_cases).sum(),
            caseloads: v.caseloads,
            overdue: v.overdue_by_unit,
        }),
        Err(e) => error_page(e, Some(&user)),
    }
}
