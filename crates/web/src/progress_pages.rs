//! Pages for progress and effect: a goal's measurements and chart, a
//! citizen's functional levels and own assessments, statistics for leaders
//! (with CSV export), and the administrator's custom scales.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use tvaers_app::AppError;
use tvaers_app::auth::Authenticated;
use tvaers_app::measurements::{GoalProgress, MeasurementInput, ScaleInput};
use tvaers_app::stats::{Statistics, StatsQuery};
use tvaers_domain::ValidationErrors;
use tvaers_domain::case::CaseArea;
use tvaers_domain::ids::{CitizenId, GoalId, PlanId, ScaleId};
use tvaers_domain::measure::{Meaning, Measurement, Performance, Reading, SATISFACTION_LABELS};
use tvaers_domain::plan::Plan;
use tvaers_domain::scale::{CustomScale, Scale, format_number};
use tvaers_domain::stats::{AGE_BANDS, Cell};
use tvaers_domain::terminology::fsiii_areas;

use crate::AppState;
use crate::charts;
use crate::pages::parse_id;
use crate::pages::{FormData, Layout, check_csrf, error_page, render, render_status};
use crate::plan_pages::{Opt, fmt_time};
use crate::session::PageUser;

/// A measurement as a row of a table.
pub struct MeasurementRow {
    pub id: String,
    pub when: String,
    pub what: String,
    pub value: String,
    pub assessor: String,
    pub note: String,
    pub superseded: bool,
    pub correction: String,
}

pub fn value_text(m: &Measurement) -> String {
    match &m.reading {
        Reading::Level { value } => m.scale.value_label(*value),
        Reading::Functional { current, expected } => {
            let cur = current
                .map(|c| Scale::Fsiii.value_label(f64::from(c)))
                .unwrap_or_else(|| "Ikke relevant".into());
            match expected {
                Some(x) => format!("{cur} · forventet {x}"),
                None => cur,
            }
        }
        Reading::SelfAssessment {
            performance,
            meaning,
        } => {
            format!(
                "{} · {}",
                performance.label(),
                meaning.label().to_lowercase()
            )
        }
        Reading::Satisfaction { value } => SATISFACTION_LABELS
            .get(usize::from(*value).saturating_sub(1))
            .map(|s| s.to_string())
            .unwrap_or_else(|| value.to_string()),
    }
}

fn rows(ms: &[Measurement]) -> Vec<MeasurementRow> {
    let superseded: std::collections::HashSet<_> = ms.iter().filter_map(|m| m.supersedes).collect();
    // Newest assessment first, by time (the Danish date text does not sort).
    let mut sorted: Vec<&Measurement> = ms.iter().collect();
    sorted.sort_by_key(|m| std::cmp::Reverse((m.measured_at, m.id)));
    sorted
        .into_iter()
        .map(|m| MeasurementRow {
            id: m.id.to_string(),
            when: fmt_time(m.measured_at),
            what: match &m.area {
                Some(a) if m.goal_id.is_none() => format!("{} – {}", m.reading.label(), a.display),
                _ => m.reading.label().to_string(),
            },
            value: value_text(m),
            assessor: m.assessor.label(),
            note: m.note.clone(),
            superseded: superseded.contains(&m.id),
            correction: m
                .correction_reason
                .as_ref()
                .map(|r| format!("Rettelse: {r}"))
                .unwrap_or_default(),
        })
        .collect()
}

fn opts(pairs: &[(&str, &str)], selected: &str) -> Vec<Opt> {
    pairs
        .iter()
        .map(|(v, l)| Opt {
            value: v.to_string(),
            label: l.to_string(),
            selected: *v == selected,
        })
        .collect()
}

fn performance_opts(sel: &str) -> Vec<Opt> {
    let p: Vec<(&str, &str)> = Performance::ALL
        .iter()
        .map(|p| (p.code(), p.label()))
        .collect();
    opts(&p, sel)
}

fn meaning_opts(sel: &str) -> Vec<Opt> {
    let p: Vec<(&str, &str)> = Meaning::ALL.iter().map(|p| (p.code(), p.label())).collect();
    opts(&p, sel)
}

fn level_opts(sel: &str, with_not_relevant: bool) -> Vec<Opt> {
    let mut p = vec![
        ("0", "0 Ingen/ubetydelige begrænsninger"),
        ("1", "1 Lette begrænsninger"),
        ("2", "2 Moderate begrænsninger"),
        ("3", "3 Svære begrænsninger"),
        ("4", "4 Totale begrænsninger"),
    ];
    if with_not_relevant {
        p.push(("9", "Ikke relevant"));
    }
    opts(&p, sel)
}

fn satisfaction_opts(sel: &str) -> Vec<Opt> {
    let p: Vec<(String, &str)> = SATISFACTION_LABELS
        .iter()
        .enumerate()
        .map(|(i, l)| ((i + 1).to_string(), *l))
        .collect();
    p.iter()
        .map(|(v, l)| Opt {
            value: v.clone(),
            label: l.to_string(),
            selected: v == sel,
        })
        .collect()
}

/// What the form sent, to show it again with errors.
#[derive(Default)]
pub struct MeasureValues {
    pub kind: String,
    pub value: String,
    pub current: String,
    pub expected: String,
    pub performance: String,
    pub meaning: String,
    pub measured_at: String,
    pub assessor: String,
    pub note: String,
    pub area: String,
    pub supersedes: String,
    pub correction_reason: String,
}

impl MeasureValues {
    fn from_form(f: &FormData) -> Self {
        MeasureValues {
            kind: f.get("kind"),
            value: f.get("value"),
            current: f.get("current"),
            expected: f.get("expected"),
            performance: f.get("performance"),
            meaning: f.get("meaning"),
            measured_at: f.get("measured_at"),
            assessor: f.get("assessor"),
            note: f.get("note"),
            area: f.get("area"),
            supersedes: f.get("supersedes"),
            correction_reason: f.get("correction_reason"),
        }
    }

    fn input(&self, goal: Option<GoalId>) -> MeasurementInput {
        let o = |s: &String| Some(s.clone());
        MeasurementInput {
            goal_id: goal.map(|g| g.to_string()),
            area: o(&self.area),
            kind: self.kind.clone(),
            value: o(&self.value),
            current: o(&self.current),
            expected: o(&self.expected),
            performance: o(&self.performance),
            meaning: o(&self.meaning),
            measured_at: o(&self.measured_at),
            assessor: o(&self.assessor),
            note: o(&self.note),
            meeting_id: None,
            supersedes: o(&self.supersedes),
            correction_reason: o(&self.correction_reason),
        }
    }
}

fn now_local_input() -> String {
    let t = tvaers_app::meetings::to_local(OffsetDateTime::now_utc());
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

// ---------------------------------------------------------------------------
// A goal's progress

#[derive(Template)]
#[template(path = "goal_progress.html")]
struct GoalProgressPage {
    layout: Layout,
    plan_id: PlanId,
    citizen_id: CitizenId,
    citizen_name: String,
    goal_id: GoalId,
    goal_text: String,
    scale: String,
    area: String,
    baseline: String,
    target: String,
    latest: String,
    trend: &'static str,
    trend_code: &'static str,
    chart: String,
    series: Vec<(String, String)>,
    rows: Vec<MeasurementRow>,
    can_measure: bool,
    /// The form's reading kind for this scale.
    kind: &'static str,
    scale_min: String,
    scale_max: String,
    unit: String,
    level_opts: Vec<Opt>,
    expected_opts: Vec<Opt>,
    ordinal_opts: Vec<Opt>,
    satisfaction_opts: Vec<Opt>,
    v: MeasureValues,
    errors: ValidationErrors,
}

fn progress_page(
    user: &Authenticated,
    citizen_name: String,
    plan: &Plan,
    p: &GoalProgress,
    v: MeasureValues,
    errors: ValidationErrors,
    notice: Option<&str>,
) -> GoalProgressPage {
    let g = &p.goal;
    let (kind, unit, ordinal) = match &g.scale {
        Scale::Fsiii => ("functional", String::new(), vec![]),
        Scale::Numeric { unit, .. } => ("level", unit.clone(), vec![]),
        Scale::Ordinal { labels, .. } => ("level", String::new(), labels.clone()),
        Scale::Gas => ("level", String::new(), vec![]),
        Scale::None => ("satisfaction", String::new(), vec![]),
    };
    let gas_labels = [
        ("-2", "−2 Meget mindre end forventet"),
        ("-1", "−1 Mindre end forventet"),
        ("0", "0 Forventet resultat"),
        ("1", "+1 Mere end forventet"),
        ("2", "+2 Meget mere end forventet"),
    ];
    let ordinal_opts = if matches!(g.scale, Scale::Gas) {
        opts(&gas_labels, &v.value)
    } else {
        ordinal
            .iter()
            .enumerate()
            .map(|(i, l)| Opt {
                value: i.to_string(),
                label: l.clone(),
                selected: v.value == i.to_string(),
            })
            .collect()
    };
    let (lo, hi) = g.scale.bounds().unwrap_or((f64::NAN, f64::NAN));
    let v = MeasureValues {
        measured_at: if v.measured_at.is_empty() {
            now_local_input()
        } else {
            v.measured_at
        },
        kind: if v.kind.is_empty() {
            kind.to_string()
        } else {
            v.kind
        },
        ..v
    };
    GoalProgressPage {
        layout: Layout::for_user(user).with_notice(notice),
        plan_id: plan.id,
        citizen_id: plan.citizen_id,
        citizen_name,
        goal_id: g.id,
        goal_text: g.text.clone(),
        scale: g.scale.label(),
        area: g
            .area
            .as_ref()
            .map(|a| a.display.clone())
            .unwrap_or_default(),
        baseline: g
            .baseline
            .map(|b| g.scale.value_label(b))
            .unwrap_or_else(|| "–".into()),
        target: g
            .target
            .map(|b| g.scale.value_label(b))
            .unwrap_or_else(|| "–".into()),
        latest: p
            .latest
            .map(|b| g.scale.value_label(b))
            .unwrap_or_else(|| "Ingen målinger endnu".into()),
        trend: p.trend.label(),
        trend_code: p.trend.code(),
        chart: charts::goal_chart(p, false),
        series: p
            .series
            .iter()
            .map(|(t, val)| (fmt_time(*t), g.scale.value_label(*val)))
            .collect(),
        rows: rows(&p.measurements),
        can_measure: plan.status == tvaers_domain::plan::PlanStatus::Active
            && g.status == tvaers_domain::plan::GoalStatus::Active,
        kind,
        scale_min: if lo.is_finite() {
            format_number(lo)
        } else {
            String::new()
        },
        scale_max: if hi.is_finite() {
            format_number(hi)
        } else {
            String::new()
        },
        unit,
        level_opts: level_opts(&v.current, true),
        expected_opts: level_opts(&v.expected, false),
        ordinal_opts,
        satisfaction_opts: satisfaction_opts(&v.value),
        v,
        errors,
    }
}

#[derive(Deserialize)]
pub struct SavedParams {
    gemt: Option<String>,
}

pub async fn goal_progress(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((raw_plan, raw_goal)): Path<(String, String)>,
    Query(q): Query<SavedParams>,
) -> Response {
    let result = async {
        let pid: PlanId = parse_id(&raw_plan)?;
        let gid: GoalId = parse_id(&raw_goal)?;
        let (plan, progress) = state.app.goal_progress(&user.actor, pid, gid).await?;
        let name = state
            .app
            .get_citizen(&user.actor, plan.citizen_id)
            .await?
            .full_name();
        Ok::<_, AppError>((plan, progress, name))
    }
    .await;
    match result {
        Ok((plan, progress, name)) => {
            let notice = q.gemt.map(|_| "Målingen er gemt.");
            render(&progress_page(
                &user,
                name,
                &plan,
                &progress,
                MeasureValues::default(),
                ValidationErrors::new(),
                notice,
            ))
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn goal_measure(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((raw_plan, raw_goal)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let (pid, gid) = match (parse_id::<PlanId>(&raw_plan), parse_id::<GoalId>(&raw_goal)) {
        (Ok(p), Ok(g)) => (p, g),
        _ => return error_page(AppError::NotFound, Some(&user)),
    };
    let v = MeasureValues::from_form(&form);
    let plan = match state.app.get_plan(&user.actor, pid).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state
        .app
        .record_measurement(&user.actor, plan.citizen_id, &v.input(Some(gid)))
        .await
    {
        Ok(_) => {
            Redirect::to(&format!("/planer/{pid}/maal/{gid}/maalinger?gemt=1")).into_response()
        }
        Err(AppError::Validation(errors)) => {
            let again = async {
                let (plan, progress) = state.app.goal_progress(&user.actor, pid, gid).await?;
                let name = state
                    .app
                    .get_citizen(&user.actor, plan.citizen_id)
                    .await?
                    .full_name();
                Ok::<_, AppError>((plan, progress, name))
            }
            .await;
            match again {
                Ok((plan, progress, name)) => render_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &progress_page(&user, name, &plan, &progress, v, errors, None),
                ),
                Err(e) => error_page(e, Some(&user)),
            }
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// A citizen's functional levels, own assessments and satisfaction

pub struct AreaOpt {
    pub label: &'static str,
    pub opts: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "citizen_measurements.html")]
struct CitizenMeasurementsPage {
    layout: Layout,
    citizen_id: CitizenId,
    citizen_name: String,
    rows: Vec<MeasurementRow>,
    areas: Vec<AreaOpt>,
    kinds: Vec<Opt>,
    assessors: Vec<Opt>,
    level_opts: Vec<Opt>,
    expected_opts: Vec<Opt>,
    satisfaction_opts: Vec<Opt>,
    performance_opts: Vec<Opt>,
    meaning_opts: Vec<Opt>,
    v: MeasureValues,
    errors: ValidationErrors,
}

fn citizen_measurements_page(
    user: &Authenticated,
    citizen_id: CitizenId,
    citizen_name: String,
    all: &[Measurement],
    v: MeasureValues,
    errors: ValidationErrors,
    notice: Option<&str>,
) -> CitizenMeasurementsPage {
    let v = MeasureValues {
        measured_at: if v.measured_at.is_empty() {
            now_local_input()
        } else {
            v.measured_at
        },
        kind: if v.kind.is_empty() {
            "functional".into()
        } else {
            v.kind
        },
        ..v
    };
    let area_only: Vec<Measurement> = all
        .iter()
        .filter(|m| m.goal_id.is_none())
        .cloned()
        .collect();
    CitizenMeasurementsPage {
        layout: Layout::for_user(user).with_notice(notice),
        citizen_id,
        citizen_name,
        rows: rows(&area_only),
        areas: fsiii_areas()
            .iter()
            .map(|g| AreaOpt {
                label: g.display,
                opts: g
                    .sub_areas
                    .iter()
                    .map(|(c, d)| Opt {
                        value: format!("fsiii:{c}"),
                        label: format!("{d} ({c})"),
                        selected: v.area == format!("fsiii:{c}"),
                    })
                    .collect(),
            })
            .collect(),
        kinds: opts(
            &[
                ("functional", "Funktionsniveau (FSIII, fagligt vurderet)"),
                (
                    "self_assessment",
                    "Borgerens egen vurdering (udførelse og betydning)",
                ),
                ("satisfaction", "Tilfredshed (1–5)"),
            ],
            &v.kind,
        ),
        assessors: opts(
            &[("staff", "Mig (fagperson)"), ("citizen", "Borgeren selv")],
            &v.assessor,
        ),
        level_opts: level_opts(&v.current, true),
        expected_opts: level_opts(&v.expected, false),
        satisfaction_opts: satisfaction_opts(&v.value),
        performance_opts: performance_opts(&v.performance),
        meaning_opts: meaning_opts(&v.meaning),
        v,
        errors,
    }
}

pub async fn citizen_measurements(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Query(q): Query<SavedParams>,
) -> Response {
    let result = async {
        let cid: CitizenId = parse_id(&raw)?;
        let all = state.app.list_measurements(&user.actor, cid).await?;
        let name = state.app.get_citizen(&user.actor, cid).await?.full_name();
        Ok::<_, AppError>((cid, all, name))
    }
    .await;
    match result {
        Ok((cid, all, name)) => render(&citizen_measurements_page(
            &user,
            cid,
            name,
            &all,
            MeasureValues::default(),
            ValidationErrors::new(),
            q.gemt.map(|_| "Målingen er gemt."),
        )),
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn citizen_measure(
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
    let v = MeasureValues::from_form(&form);
    match state
        .app
        .record_measurement(&user.actor, cid, &v.input(None))
        .await
    {
        Ok(_) => Redirect::to(&format!("/borgere/{cid}/maalinger?gemt=1")).into_response(),
        Err(AppError::Validation(errors)) => {
            let again = async {
                let all = state.app.list_measurements(&user.actor, cid).await?;
                let name = state.app.get_citizen(&user.actor, cid).await?.full_name();
                Ok::<_, AppError>((all, name))
            }
            .await;
            match again {
                Ok((all, name)) => render_status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &citizen_measurements_page(&user, cid, name, &all, v, errors, None),
                ),
                Err(e) => error_page(e, Some(&user)),
            }
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Statistics

pub struct CellView {
    pub text: String,
    pub percent: String,
}

fn cell(c: Cell, pct: Option<f64>) -> CellView {
    CellView {
        text: c.display(),
        percent: pct
            .map(|p| format!("{} %", format_number((p * 10.0).round() / 10.0)))
            .unwrap_or_default(),
    }
}

pub struct OutcomeView {
    pub label: String,
    pub goals: CellView,
    pub citizens: String,
}

pub struct FunctionalView {
    pub label: String,
    pub n: String,
    pub improved: CellView,
    pub same: CellView,
    pub worsened: CellView,
    pub total: bool,
}

pub struct MonthView {
    pub month: String,
    pub citizens: String,
}

pub struct CaseloadView {
    pub unit: String,
    pub total: i64,
    pub min: i64,
    pub median: String,
    pub max: i64,
    pub workers: Vec<(String, i64)>,
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    layout: Layout,
    query: String,
    from: String,
    to: String,
    min_cell: i64,
    units: Vec<Opt>,
    areas: Vec<AreaOpt>,
    area_selected_none: bool,
    interventions: Vec<Opt>,
    case_areas: Vec<Opt>,
    ages: Vec<Opt>,
    goals_due: String,
    outcomes: Vec<OutcomeView>,
    outcome_chart: String,
    functional: Vec<FunctionalView>,
    functional_chart: String,
    gas_citizens: String,
    gas_mean: String,
    months: Vec<MonthView>,
    month_chart: String,
    caseloads: Vec<CaseloadView>,
    errors: ValidationErrors,
}

fn month_name(d: time::Date) -> String {
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ];
    format!(
        "{}. {} {}",
        d.day(),
        M[usize::from(u8::from(d.month())) - 1],
        d.year()
    )
}

fn query_string(q: &StatsQuery) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("from", &q.from),
        ("to", &q.to),
        ("unit", &q.unit),
        ("area", &q.area),
        ("intervention", &q.intervention),
        ("case_area", &q.case_area),
        ("age", &q.age),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

fn statistics_view(
    user: &Authenticated,
    q: &StatsQuery,
    s: Option<&Statistics>,
    units: Vec<tvaers_domain::org::Unit>,
    interventions: Vec<String>,
    errors: ValidationErrors,
) -> StatisticsPage {
    let sel = |v: &Option<String>| v.clone().unwrap_or_default();
    let unit_sel = sel(&q.unit);
    let area_sel = sel(&q.area);
    let mut page = StatisticsPage {
        layout: Layout::for_user(user),
        query: query_string(q),
        from: s
            .map(|s| s.from.to_string())
            .unwrap_or_else(|| sel(&q.from)),
        to: s.map(|s| s.to.to_string()).unwrap_or_else(|| sel(&q.to)),
        min_cell: s.map(|s| s.min_cell).unwrap_or(5),
        units: units
            .iter()
            .map(|u| Opt {
                value: u.id.to_string(),
                label: u.name.clone(),
                selected: u.id.to_string() == unit_sel,
            })
            .collect(),
        area_selected_none: area_sel.is_empty(),
        areas: fsiii_areas()
            .iter()
            .map(|g| AreaOpt {
                label: g.display,
                opts: std::iter::once((g.code, "Hele området"))
                    .chain(g.sub_areas.iter().copied())
                    .map(|(c, d)| Opt {
                        value: c.to_string(),
                        label: if c == g.code {
                            format!("{} – hele området ({c})", g.display)
                        } else {
                            format!("{d} ({c})")
                        },
                        selected: area_sel == c,
                    })
                    .collect(),
            })
            .collect(),
        interventions: interventions
            .iter()
            .map(|i| Opt {
                value: i.clone(),
                label: i.clone(),
                selected: Some(i) == q.intervention.as_ref(),
            })
            .collect(),
        case_areas: CaseArea::ALL
            .iter()
            .map(|a| Opt {
                value: a.code().into(),
                label: a.label().into(),
                selected: Some(a.code()) == q.case_area.as_deref(),
            })
            .collect(),
        ages: AGE_BANDS
            .iter()
            .map(|(c, l, _, _)| Opt {
                value: c.to_string(),
                label: l.to_string(),
                selected: Some(*c) == q.age.as_deref(),
            })
            .collect(),
        goals_due: String::new(),
        outcomes: vec![],
        outcome_chart: String::new(),
        functional: vec![],
        functional_chart: String::new(),
        gas_citizens: String::new(),
        gas_mean: String::new(),
        months: vec![],
        month_chart: String::new(),
        caseloads: vec![],
        errors,
    };
    let Some(s) = s else { return page };
    page.goals_due = s.goals_due.display();
    page.outcomes = s
        .goal_outcomes
        .iter()
        .map(|o| OutcomeView {
            label: o.label.clone(),
            goals: cell(o.goals, o.percent),
            citizens: o.citizens.display(),
        })
        .collect();
    page.outcome_chart = charts::bar_chart(
        &s.goal_outcomes
            .iter()
            .map(|o| (o.label.clone(), o.percent))
            .collect::<Vec<_>>(),
        100.0,
        charts::trend_colour(tvaers_domain::measure::Trend::Stable),
    );
    page.functional = s
        .functional
        .iter()
        .map(|f| FunctionalView {
            label: f.label.clone(),
            n: f.n.display(),
            improved: cell(f.improved, f.improved_percent),
            same: cell(f.same, f.same_percent),
            worsened: cell(f.worsened, f.worsened_percent),
            total: f.area_code.is_none(),
        })
        .collect();
    if let Some(total) = s.functional.iter().find(|f| f.area_code.is_none()) {
        page.functional_chart = charts::bar_chart(
            &[
                ("Bedre".to_string(), total.improved_percent),
                ("Uændret".to_string(), total.same_percent),
                ("Dårligere".to_string(), total.worsened_percent),
            ],
            100.0,
            charts::trend_colour(tvaers_domain::measure::Trend::Improving),
        );
    }
    page.gas_citizens = s.gas_citizens.display();
    page.gas_mean = s
        .gas_mean_t
        .map(|t| format_number((t * 10.0).round() / 10.0))
        .unwrap_or_else(|| "–".into());
    page.months = s
        .target_group
        .iter()
        .map(|m| MonthView {
            month: month_name(m.month_end),
            citizens: m.citizens.display(),
        })
        .collect();
    page.month_chart = charts::line_chart(
        &s.target_group
            .iter()
            .map(|m| {
                (
                    m.month_end.with_time(time::Time::MIDNIGHT).assume_utc(),
                    m.citizens.value().map(|n| n as f64),
                )
            })
            .collect::<Vec<_>>(),
    );
    page.caseloads = s
        .caseloads
        .iter()
        .map(|c| CaseloadView {
            unit: c.unit_name.clone(),
            total: c.total,
            min: c.min,
            median: format_number(c.median),
            max: c.max,
            workers: c
                .workers
                .iter()
                .map(|w| (w.full_name.clone(), w.open_cases))
                .collect(),
        })
        .collect();
    page
}

pub async fn statistics(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<StatsQuery>,
) -> Response {
    let units = state.app.list_units().await.unwrap_or_default();
    match state.app.statistics(&user.actor, &q, false).await {
        Ok(s) => {
            let types = state
                .app
                .intervention_types(&user.actor)
                .await
                .unwrap_or_default();
            render(&statistics_view(
                &user,
                &q,
                Some(&s),
                units,
                types,
                ValidationErrors::new(),
            ))
        }
        Err(AppError::Validation(errors)) => {
            let types = state
                .app
                .intervention_types(&user.actor)
                .await
                .unwrap_or_default();
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &statistics_view(&user, &q, None, units, types, errors),
            )
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

/// One statistics table as CSV (semicolon-separated, as Danish Excel expects).
pub fn statistics_csv(s: &Statistics, table: &str) -> Option<Result<String, String>> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let opt = |c: Cell| {
        c.value()
            .map(|n| n.to_string())
            .unwrap_or_else(|| "skjult".into())
    };
    let pct = |p: Option<f64>| {
        p.map(|p| format!("{p:.1}").replace('.', ","))
            .unwrap_or_default()
    };
    let res = match table {
        "maalopfyldelse" => {
            let mut r = w.write_record(["status", "mål", "borgere", "andel_pct"]);
            for o in &s.goal_outcomes {
                r = r.and_then(|_| {
                    w.write_record([
                        o.label.clone(),
                        opt(o.goals),
                        opt(o.citizens),
                        pct(o.percent),
                    ])
                });
            }
            r
        }
        "funktionsniveau" => {
            let mut r = w.write_record([
                "område",
                "n",
                "bedre",
                "uændret",
                "dårligere",
                "bedre_pct",
                "uændret_pct",
                "dårligere_pct",
            ]);
            for f in &s.functional {
                r = r.and_then(|_| {
                    w.write_record([
                        f.label.clone(),
                        opt(f.n),
                        opt(f.improved),
                        opt(f.same),
                        opt(f.worsened),
                        pct(f.improved_percent),
                        pct(f.same_percent),
                        pct(f.worsened_percent),
                    ])
                });
            }
            r
        }
        "gas" => w
            .write_record(["borgere", "gennemsnitlig_t_score"])
            .and_then(|_| {
                w.write_record([
                    opt(s.gas_citizens),
                    s.gas_mean_t
                        .map(|t| format!("{t:.2}").replace('.', ","))
                        .unwrap_or_default(),
                ])
            }),
        "maalgruppe" => {
            let mut r = w.write_record(["dato", "borgere"]);
            for m in &s.target_group {
                r = r.and_then(|_| w.write_record([m.month_end.to_string(), opt(m.citizens)]));
            }
            r
        }
        "sagsbelastning" => {
            let mut r = w.write_record(["enhed", "medarbejder", "åbne_sager"]);
            for u in &s.caseloads {
                for wk in &u.workers {
                    r = r.and_then(|_| {
                        w.write_record([
                            u.unit_name.clone(),
                            wk.full_name.clone(),
                            wk.open_cases.to_string(),
                        ])
                    });
                }
            }
            r
        }
        _ => return None,
    };
    Some(
        res.and_then(|_| w.into_inner().map_err(|e| e.into_error().into()))
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string())),
    )
}

pub fn csv_response(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.csv\""),
            ),
        ],
        // A byte-order mark so spreadsheet programs read the Danish letters right.
        format!("\u{feff}{body}"),
    )
        .into_response()
}

pub async fn statistics_export(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(table): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Response {
    let table = table.trim_end_matches(".csv").to_string();
    match state.app.statistics(&user.actor, &q, false).await {
        Ok(s) => match statistics_csv(&s, &table) {
            Some(Ok(body)) => csv_response(&format!("statistik-{table}"), body),
            Some(Err(e)) => error_page(AppError::Internal(e), Some(&user)),
            None => error_page(AppError::NotFound, Some(&user)),
        },
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Custom scales (administration)

#[derive(Template)]
#[template(path = "scales.html")]
struct ScalesPage {
    layout: Layout,
    scales: Vec<(ScaleId, String, String, bool)>,
    kind: String,
    name: String,
    unit: String,
    labels: String,
    higher: String,
    errors: ValidationErrors,
}

fn scales_page(
    user: &Authenticated,
    scales: Vec<CustomScale>,
    form: Option<&FormData>,
    errors: ValidationErrors,
    notice: Option<&str>,
) -> ScalesPage {
    let get = |k: &str| form.map(|f| f.get(k)).unwrap_or_default();
    ScalesPage {
        layout: Layout::for_user(user).with_notice(notice),
        scales: scales
            .into_iter()
            .map(|s| (s.id, s.name.clone(), s.scale.label(), s.active))
            .collect(),
        kind: {
            let k = get("kind");
            if k.is_empty() { "ordinal".into() } else { k }
        },
        name: get("name"),
        unit: get("unit"),
        labels: get("labels"),
        higher: {
            let h = get("higher_is_better");
            if h.is_empty() { "true".into() } else { h }
        },
        errors,
    }
}

pub async fn scales(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(q): Query<SavedParams>,
) -> Response {
    match state.app.administer_scales(&user.actor).await {
        Ok(s) => render(&scales_page(
            &user,
            s,
            None,
            ValidationErrors::new(),
            q.gemt.map(|_| "Skalaen er gemt."),
        )),
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn scale_create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let input = ScaleInput {
        kind: form.get("kind"),
        name: form.opt("name"),
        unit: form.opt("unit"),
        labels: vec![form.get("labels")],
        higher_is_better: Some(form.get("higher_is_better") != "false"),
    };
    match state.app.create_scale(&user.actor, &input).await {
        Ok(_) => Redirect::to("/admin/skalaer?gemt=1").into_response(),
        Err(AppError::Validation(errors)) => {
            let list = state.app.list_scales().await.unwrap_or_default();
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &scales_page(&user, list, Some(&form), errors, None),
            )
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn scale_toggle(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let id: ScaleId = match parse_id(&raw) {
        Ok(i) => i,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state
        .app
        .set_scale_active(&user.actor, id, form.get("active") == "true")
        .await
    {
        Ok(()) => Redirect::to("/admin/skalaer?gemt=1").into_response(),
        Err(e) => error_page(e, Some(&user)),
    }
}
