//! Pages for the journal: a citizen's timeline with filters in the URL (so a
//! view can be shared), the entry and correction forms, search across
//! journals, and messages (digital contact).

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use tvaers_app::AppError;
use tvaers_app::auth::Authenticated;
use tvaers_app::journal::{
    CorrectionInput, EntryInput, Inbox, MessageInput, SearchInput, SearchResults, Timeline,
    TimelineQuery,
};
use tvaers_domain::ValidationErrors;
use tvaers_domain::ids::{CitizenId, JournalEntryId};
use tvaers_domain::journal::{
    Block, EntryKind, JournalEntry, MessageDirection, Sensitivity, blocks,
};
use tvaers_domain::staff::{Profession, Role};
use tvaers_domain::terminology::fsiii_areas;

use crate::AppState;
use crate::pages::{FormData, Layout, check_csrf, error_page, render, render_status};
use crate::plan_pages::{Opt, fmt_time};
use crate::session::PageUser;

const PAGE_SIZE: i64 = 25;

fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, AppError> {
    raw.trim().parse().map_err(|_| AppError::NotFound)
}

fn opt(value: impl Into<String>, label: impl Into<String>, selected: &str) -> Opt {
    let value = value.into();
    Opt {
        selected: value == selected,
        value,
        label: label.into(),
    }
}

/// A block of an entry's text for the template.
pub struct BlockView {
    pub list: bool,
    pub lines: Vec<String>,
}

/// An entry as shown on the timeline.
pub struct EntryView {
    pub id: String,
    pub when: String,
    pub written: String,
    pub late: bool,
    pub kind: String,
    pub author: String,
    pub profession: String,
    pub unit: String,
    pub topic: String,
    pub sensitivity: String,
    pub blocks: Vec<BlockView>,
    pub text: String,
    pub superseded_by: Option<String>,
    pub supersedes: Option<String>,
    pub correction_reason: String,
    pub goal: Option<(String, String)>,
    pub intervention: String,
    pub meeting: Option<(String, String)>,
    pub quotes: Option<String>,
    /// The quoted entry as it stands in the journal, when the reader may read it.
    pub quoted: Option<QuoteView>,
    pub message: String,
    pub can_correct: bool,
}

/// A quoted entry shown inside the entry that quotes it.
pub struct QuoteView {
    pub when: String,
    pub author: String,
    pub blocks: Vec<BlockView>,
    /// The quoted entry has been corrected since (its text is then struck through).
    pub superseded_by: Option<String>,
}

fn text_blocks(text: &str) -> Vec<BlockView> {
    blocks(text)
        .into_iter()
        .map(|b| match b {
            Block::Paragraph(lines) => BlockView { list: false, lines },
            Block::List(lines) => BlockView { list: true, lines },
        })
        .collect()
}

fn quote_view(e: &JournalEntry) -> QuoteView {
    QuoteView {
        when: fmt_time(e.occurred_at),
        author: e.author_name.clone(),
        blocks: text_blocks(&e.text),
        superseded_by: e.superseded_by.map(|s| s.to_string()),
    }
}

/// Names of what entries link to, for labels.
#[derive(Default)]
struct Names {
    units: HashMap<uuid::Uuid, String>,
    goals: HashMap<uuid::Uuid, String>,
    interventions: HashMap<uuid::Uuid, String>,
    meetings: HashMap<uuid::Uuid, String>,
}

fn entry_view(e: &JournalEntry, names: &Names, quoted: &[JournalEntry]) -> EntryView {
    EntryView {
        id: e.id.to_string(),
        when: fmt_time(e.occurred_at),
        written: fmt_time(e.written_at),
        late: e.is_late(),
        kind: e.kind_label(),
        author: e.author_name.clone(),
        profession: e
            .profession
            .map(|p| p.label().to_string())
            .unwrap_or_else(|| "Borgeren".into()),
        unit: e
            .unit_id
            .and_then(|u| names.units.get(&u.0).cloned())
            .unwrap_or_default(),
        topic: e
            .topic
            .as_ref()
            .map(|t| t.display.clone())
            .unwrap_or_default(),
        sensitivity: if e.sensitivity == Sensitivity::Normal {
            String::new()
        } else {
            e.sensitivity.label().to_string()
        },
        blocks: text_blocks(&e.text),
        text: e.text.clone(),
        superseded_by: e.superseded_by.map(|s| s.to_string()),
        supersedes: e.supersedes.map(|s| s.to_string()),
        correction_reason: e.correction_reason.clone().unwrap_or_default(),
        goal: e.links.goal_id.map(|g| {
            (
                g.to_string(),
                names
                    .goals
                    .get(&g.0)
                    .cloned()
                    .unwrap_or_else(|| "Mål".into()),
            )
        }),
        intervention: e
            .links
            .intervention_id
            .map(|i| {
                names
                    .interventions
                    .get(&i.0)
                    .cloned()
                    .unwrap_or_else(|| "Indsats".into())
            })
            .unwrap_or_default(),
        meeting: e.links.meeting_id.map(|m| {
            (
                m.to_string(),
                names
                    .meetings
                    .get(&m.0)
                    .cloned()
                    .unwrap_or_else(|| "Møde".into()),
            )
        }),
        quotes: e.quotes.map(|q| q.to_string()),
        quoted: e
            .quotes
            .and_then(|q| quoted.iter().find(|x| x.id == q))
            .map(quote_view),
        message: match e.message.as_ref().map(|m| m.direction) {
            Some(MessageDirection::ToCitizen) => "Besked til borgeren".into(),
            Some(MessageDirection::FromCitizen) => "Besked fra borgeren".into(),
            None => String::new(),
        },
        can_correct: e.superseded_by.is_none() && e.message.is_none(),
    }
}

/// The timeline filters as they appear in the URL (Danish names).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JournalParams {
    faggruppe: Option<String>,
    enhed: Option<String>,
    emne: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    maal: Option<String>,
    indsats: Option<String>,
    moede: Option<String>,
    fra: Option<String>,
    til: Option<String>,
    side: Option<String>,
    /// Set after a save, to say so.
    gemt: Option<String>,
    /// An entry to quote in the new entry's form.
    citer: Option<String>,
}

fn val(o: &Option<String>) -> String {
    o.clone().unwrap_or_default().trim().to_string()
}

impl JournalParams {
    fn page(&self) -> i64 {
        val(&self.side).parse::<i64>().unwrap_or(1).clamp(1, 10_000)
    }

    fn query(&self) -> TimelineQuery {
        let o = |s: &Option<String>| Some(val(s)).filter(|x| !x.is_empty());
        TimelineQuery {
            profession: o(&self.faggruppe),
            unit_id: o(&self.enhed),
            topic: o(&self.emne),
            kind: o(&self.kind),
            goal_id: o(&self.maal),
            intervention_id: o(&self.indsats),
            meeting_id: o(&self.moede),
            from: o(&self.fra),
            to: o(&self.til),
            limit: Some(PAGE_SIZE.to_string()),
            offset: Some(((self.page() - 1) * PAGE_SIZE).to_string()),
        }
    }

    /// The filters as a query string (without the page), for links that keep them.
    fn filter_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, raw) in [
            ("faggruppe", &self.faggruppe),
            ("enhed", &self.enhed),
            ("emne", &self.emne),
            ("type", &self.kind),
            ("maal", &self.maal),
            ("indsats", &self.indsats),
            ("moede", &self.moede),
            ("fra", &self.fra),
            ("til", &self.til),
        ] {
            let val = val(raw);
            if !val.is_empty() {
                s.append_pair(k, &val);
            }
        }
        s.finish()
    }

    fn is_filtered(&self) -> bool {
        !self.filter_string().is_empty()
    }
}

/// What the entry form sent, to show it again with errors.
#[derive(Default)]
pub struct EntryValues {
    pub text: String,
    pub kind: String,
    pub occurred_at: String,
    pub topic: String,
    pub topic_free: String,
    pub sensitivity: String,
    pub goal_id: String,
    pub intervention_id: String,
    pub meeting_id: String,
    pub quotes: String,
}

impl EntryValues {
    fn from_form(f: &FormData) -> Self {
        EntryValues {
            text: f.get("text"),
            kind: f.get("kind"),
            occurred_at: f.get("occurred_at"),
            topic: f.get("topic"),
            topic_free: f.get("topic_free"),
            sensitivity: f.get("sensitivity"),
            goal_id: f.get("goal_id"),
            intervention_id: f.get("intervention_id"),
            meeting_id: f.get("meeting_id"),
            quotes: f.get("quotes"),
        }
    }

    fn input(&self) -> EntryInput {
        let o = |s: &String| Some(s.clone()).filter(|x| !x.trim().is_empty());
        EntryInput {
            text: self.text.clone(),
            kind: o(&self.kind),
            occurred_at: o(&self.occurred_at),
            // A free topic typed wins over the list.
            topic: o(&self.topic_free)
                .map(|t| format!("free:{t}"))
                .or_else(|| o(&self.topic)),
            goal_id: o(&self.goal_id),
            intervention_id: o(&self.intervention_id),
            meeting_id: o(&self.meeting_id),
            quotes: o(&self.quotes),
            sensitivity: o(&self.sensitivity),
            unit_id: None,
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

#[derive(Template)]
#[template(path = "journal.html")]
struct JournalPage {
    layout: Layout,
    citizen_id: CitizenId,
    citizen_name: String,
    entries: Vec<EntryView>,
    filtered: bool,
    filter_errors: ValidationErrors,
    f: JournalParams,
    profession_opts: Vec<Opt>,
    unit_opts: Vec<Opt>,
    topic_opts: Vec<Opt>,
    kind_filter_opts: Vec<Opt>,
    goal_filter_opts: Vec<Opt>,
    page: i64,
    prev_link: Option<String>,
    next_link: Option<String>,
    share_link: String,
    // The entry form
    v: EntryValues,
    errors: ValidationErrors,
    kind_opts: Vec<Opt>,
    entry_topic_opts: Vec<Opt>,
    sensitivity_opts: Vec<Opt>,
    goal_opts: Vec<Opt>,
    intervention_opts: Vec<Opt>,
    meeting_opts: Vec<Opt>,
    /// A correction that failed: its entry id and the problems.
    correction_errors: Option<(String, ValidationErrors)>,
}

/// Everything the journal page shows, read through the app (audited).
async fn journal_page(
    state: &AppState,
    user: &Authenticated,
    cid: CitizenId,
    f: JournalParams,
    v: EntryValues,
    errors: ValidationErrors,
    correction_errors: Option<(String, ValidationErrors)>,
) -> Result<(StatusCode, JournalPage), AppError> {
    let actor = &user.actor;
    let query = f.query();
    let (view, units) = tokio::join!(
        state.app.journal_view(actor, cid, &query),
        state.app.list_units()
    );
    let view = view?;
    let (citizen, plans, meetings) = (view.citizen, view.plans, view.meetings);
    let (timeline, filter_errors) = match view.timeline {
        Ok(t) => (t, ValidationErrors::new()),
        Err((e, readable)) => (
            Timeline {
                citizen_id: cid,
                entries: vec![],
                offset: 0,
                limit: PAGE_SIZE,
                has_more: false,
                quoted: vec![],
                readable,
            },
            e,
        ),
    };
    let units = units?;
    let mut names = Names::default();
    for u in &units {
        names.units.insert(u.id.0, u.name.clone());
    }
    for p in &plans {
        for g in &p.content.goals {
            names.goals.insert(g.id.0, g.text.clone());
        }
        for i in &p.content.interventions {
            names.interventions.insert(i.id.0, i.what.clone());
        }
    }
    for m in &meetings {
        names.meetings.insert(
            m.id.0,
            format!("{} {}", m.kind.label(), fmt_time(m.starts_at)),
        );
    }
    let active = plans
        .iter()
        .find(|p| p.status == tvaers_domain::plan::PlanStatus::Active);
    let sel_f = |o: &Option<String>| val(o);
    let mut profession_opts = vec![opt("", "Alle faggrupper", &sel_f(&f.faggruppe))];
    profession_opts.extend(
        Profession::ALL
            .iter()
            .filter(|p| matches!(p.role(), Role::Professional | Role::Leader))
            .map(|p| opt(p.code(), p.label(), &sel_f(&f.faggruppe))),
    );
    let mut unit_opts = vec![opt("", "Alle enheder", &sel_f(&f.enhed))];
    unit_opts.extend(
        units
            .iter()
            .map(|u| opt(u.id.to_string(), u.name.clone(), &sel_f(&f.enhed))),
    );
    let topic_list = |sel: &str, first: &str| {
        let mut o = vec![opt("", first, sel)];
        for g in fsiii_areas() {
            o.push(opt(
                format!("fsiii:{}", g.code),
                format!("{} {}", g.code, g.display),
                sel,
            ));
            for (c, d) in &g.sub_areas {
                o.push(opt(format!("fsiii:{c}"), format!("– {c} {d}"), sel));
            }
        }
        o
    };
    let topic_sel = {
        let t = sel_f(&f.emne);
        if t.is_empty() || t.starts_with("fsiii:") {
            t
        } else {
            format!("fsiii:{t}")
        }
    };
    let mut kind_filter_opts = vec![opt("", "Alle typer", &sel_f(&f.kind))];
    kind_filter_opts.extend(
        EntryKind::ALL
            .iter()
            .map(|k| opt(k.code(), k.label(), &sel_f(&f.kind))),
    );
    let mut goal_filter_opts = vec![opt("", "Alle mål", &sel_f(&f.maal))];
    for p in &plans {
        for g in &p.content.goals {
            goal_filter_opts.push(opt(g.id.to_string(), g.text.clone(), &sel_f(&f.maal)));
        }
    }
    let v = EntryValues {
        occurred_at: if v.occurred_at.is_empty() {
            now_local_input()
        } else {
            v.occurred_at
        },
        quotes: if v.quotes.is_empty() {
            val(&f.citer)
        } else {
            v.quotes
        },
        ..v
    };
    let kind_opts = EntryKind::ALL
        .iter()
        .filter(|k| **k != EntryKind::Correction)
        .map(|k| {
            opt(
                k.code(),
                k.label(),
                if v.kind.is_empty() {
                    "observation"
                } else {
                    &v.kind
                },
            )
        })
        .collect();
    let sens_sel = if v.sensitivity.is_empty() {
        "normal".to_string()
    } else {
        v.sensitivity.clone()
    };
    // The classes come with the timeline's own decision: no second facts query.
    let classes = &timeline.readable;
    let sensitivity_opts = Sensitivity::ALL
        .iter()
        .filter(|s| classes.contains(*s))
        .map(|s| opt(s.code(), s.label(), &sens_sel))
        .collect();
    let mut goal_opts = vec![opt("", "Intet mål", &v.goal_id)];
    let mut intervention_opts = vec![opt("", "Ingen indsats", &v.intervention_id)];
    if let Some(p) = active {
        goal_opts.extend(
            p.content
                .goals
                .iter()
                .map(|g| opt(g.id.to_string(), g.text.clone(), &v.goal_id)),
        );
        intervention_opts.extend(
            p.content
                .interventions
                .iter()
                .map(|i| opt(i.id.to_string(), i.what.clone(), &v.intervention_id)),
        );
    }
    let mut meeting_opts = vec![opt("", "Intet møde", &v.meeting_id)];
    meeting_opts.extend(meetings.iter().map(|m| {
        opt(
            m.id.to_string(),
            format!("{} {}", m.kind.label(), fmt_time(m.starts_at)),
            &v.meeting_id,
        )
    }));
    let page = f.page();
    let filters = f.filter_string();
    let link = |side: i64| {
        let amp = if filters.is_empty() { "" } else { "&" };
        format!("/borgere/{cid}/journal?{filters}{amp}side={side}")
    };
    let status = if errors.is_empty() && filter_errors.is_empty() && correction_errors.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let notice = match val(&f.gemt).as_str() {
        "" => None,
        "rettet" => Some("Rettelsen er gemt. Den oprindelige tekst står gennemstreget."),
        "besked" => Some("Beskeden er sendt og står i journalen."),
        _ => Some("Notatet er gemt."),
    };
    Ok((
        status,
        JournalPage {
            layout: Layout::for_user(user).with_notice(notice),
            citizen_id: cid,
            citizen_name: citizen.full_name(),
            entries: timeline
                .entries
                .iter()
                .map(|e| entry_view(e, &names, &timeline.quoted))
                .collect(),
            filtered: f.is_filtered(),
            filter_errors,
            profession_opts,
            unit_opts,
            topic_opts: topic_list(&topic_sel, "Alle emner"),
            kind_filter_opts,
            goal_filter_opts,
            page,
            prev_link: (page > 1).then(|| link(page - 1)),
            next_link: timeline.has_more.then(|| link(page + 1)),
            share_link: if filters.is_empty() {
                format!("/borgere/{cid}/journal")
            } else {
                format!("/borgere/{cid}/journal?{filters}")
            },
            entry_topic_opts: topic_list(&v.topic, "Intet emne"),
            f,
            v,
            errors,
            kind_opts,
            sensitivity_opts,
            goal_opts,
            intervention_opts,
            meeting_opts,
            correction_errors,
        },
    ))
}

pub async fn journal_show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    Query(f): Query<JournalParams>,
) -> Response {
    let cid: CitizenId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    match journal_page(
        &state,
        &user,
        cid,
        f,
        EntryValues::default(),
        ValidationErrors::new(),
        None,
    )
    .await
    {
        Ok((status, page)) => render_status(status, &page),
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn journal_write(
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
    let values = EntryValues::from_form(&form);
    match state
        .app
        .write_entry(&user.actor, cid, &values.input())
        .await
    {
        Ok(e) => {
            Redirect::to(&format!("/borgere/{cid}/journal?gemt=1#notat-{}", e.id)).into_response()
        }
        Err(AppError::Validation(errors)) => {
            match journal_page(
                &state,
                &user,
                cid,
                JournalParams::default(),
                values,
                errors,
                None,
            )
            .await
            {
                Ok((status, page)) => render_status(status, &page),
                Err(e) => error_page(e, Some(&user)),
            }
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn journal_correct(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let id: JournalEntryId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    let input = CorrectionInput {
        text: form.get("text"),
        reason: form.get("reason"),
        occurred_at: form.opt("occurred_at"),
        topic: None,
        sensitivity: None,
    };
    match state.app.correct_entry(&user.actor, id, &input).await {
        Ok(e) => Redirect::to(&format!(
            "/borgere/{}/journal?gemt=rettet#notat-{}",
            e.citizen_id, e.id
        ))
        .into_response(),
        Err(AppError::Validation(errors)) => {
            let cid = match state.app.get_entry(&user.actor, id).await {
                Ok(e) => e.citizen_id,
                Err(e) => return error_page(e, Some(&user)),
            };
            match journal_page(
                &state,
                &user,
                cid,
                JournalParams::default(),
                EntryValues::default(),
                ValidationErrors::new(),
                Some((id.to_string(), errors)),
            )
            .await
            {
                Ok((status, page)) => render_status(status, &page),
                Err(e) => error_page(e, Some(&user)),
            }
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub async fn message_send(
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
    let input = MessageInput {
        text: form.get("text"),
        sensitivity: form.opt("sensitivity"),
    };
    match state.app.send_message(&user.actor, cid, &input).await {
        Ok(e) => Redirect::to(&format!(
            "/borgere/{cid}/journal?gemt=besked#notat-{}",
            e.id
        ))
        .into_response(),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Search

pub struct HitView {
    pub citizen_id: String,
    pub citizen_name: String,
    pub entry_id: String,
    pub when: String,
    pub kind: String,
    pub author: String,
    pub snippet_html: String,
    pub superseded: bool,
}

#[derive(Template)]
#[template(path = "journal_search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    citizen: Option<(String, String)>,
    searched: bool,
    /// "12 notater", "Mere end 1.000 notater", or across journals
    /// "Notat 21–40 af flere · nyeste først".
    heading: String,
    hits: Vec<HitView>,
    page: i64,
    has_prev: bool,
    has_next: bool,
    errors: ValidationErrors,
}

fn search_page(
    user: &Authenticated,
    q: String,
    citizen: Option<(String, String)>,
    results: Option<SearchResults>,
    page: i64,
    errors: ValidationErrors,
) -> SearchPage {
    let across = citizen.is_none();
    let (heading, hits, has_next) = match &results {
        Some(r) => (
            search_heading(r, across),
            r.hits
                .iter()
                .map(|h| HitView {
                    citizen_id: h.entry.citizen_id.to_string(),
                    citizen_name: h.citizen_name.clone(),
                    entry_id: h.entry.id.to_string(),
                    when: fmt_time(h.entry.occurred_at),
                    kind: h.entry.kind_label(),
                    author: h.entry.author_name.clone(),
                    snippet_html: h.snippet_html.clone(),
                    superseded: h.entry.superseded_by.is_some(),
                })
                .collect(),
            // In one journal pages end at the cap (only the newest hits up to
            // it are ranked); across journals they go on while hits do.
            if across {
                r.more
            } else {
                r.offset + r.limit < r.total
            },
        ),
        None => (String::new(), vec![], false),
    };
    SearchPage {
        layout: Layout::for_user(user),
        q,
        citizen,
        searched: results.is_some(),
        heading,
        hits,
        page,
        has_prev: page > 1,
        has_next,
        errors,
    }
}

/// The results' heading: a count in one journal; across journals, which
/// hits of how many this page shows, newest first.
fn search_heading(r: &SearchResults, across: bool) -> String {
    let notes = |n: i64| if n == 1 { "notat" } else { "notater" };
    let shown = r.hits.len() as i64;
    if !across {
        return if r.more {
            format!("Mere end {} notater", thousands(r.total))
        } else {
            format!("{} {}", thousands(r.total), notes(r.total))
        };
    }
    if r.more || (r.offset > 0 && shown > 0) {
        let of = if r.more {
            "flere".to_string()
        } else {
            thousands(r.total)
        };
        format!(
            "Notat {}–{} af {of} · nyeste først",
            thousands(r.offset + 1),
            thousands(r.offset + shown)
        )
    } else {
        format!("{} {} · nyeste først", thousands(r.total), notes(r.total))
    }
}

/// A count the Danish way: 1.000, 12.345.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The empty search form (a citizen's journal when `?borger=` is given).
pub async fn search_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Query(p): Query<HashMap<String, String>>,
) -> Response {
    let citizen = match p.get("borger").map(|s| parse_id::<CitizenId>(s)) {
        Some(Ok(cid)) => match state.app.get_citizen(&user.actor, cid).await {
            Ok(c) => Some((cid.to_string(), c.full_name())),
            Err(e) => return error_page(e, Some(&user)),
        },
        Some(Err(e)) => return error_page(e, Some(&user)),
        None => None,
    };
    render(&search_page(
        &user,
        String::new(),
        citizen,
        None,
        1,
        ValidationErrors::new(),
    ))
}

/// Hits per page of the search page.
const SEARCH_PAGE: i64 = 20;

/// Runs a search. The words come in the body, so they never land in a URL or a log.
pub async fn search_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let q = form.get("q");
    let page = form
        .get("side")
        .trim()
        .parse::<i64>()
        .unwrap_or(1)
        .clamp(1, tvaers_app::journal::SEARCH_MAX_OFFSET / SEARCH_PAGE + 1);
    let citizen_id = match form.opt("borger").map(|s| parse_id::<CitizenId>(&s)) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => return error_page(e, Some(&user)),
        None => None,
    };
    let citizen = match citizen_id {
        Some(cid) => match state.app.get_citizen(&user.actor, cid).await {
            Ok(c) => Some((cid.to_string(), c.full_name())),
            Err(e) => return error_page(e, Some(&user)),
        },
        None => None,
    };
    let input = SearchInput {
        q: q.clone(),
        limit: Some(SEARCH_PAGE),
        offset: Some((page - 1) * SEARCH_PAGE),
    };
    match state
        .app
        .search_journal(&user.actor, citizen_id, &input)
        .await
    {
        Ok(r) => render(&search_page(
            &user,
            q,
            citizen,
            Some(r),
            page,
            ValidationErrors::new(),
        )),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &search_page(&user, q, citizen, None, page, errors),
        ),
        Err(e) => error_page(e, Some(&user)),
    }
}

// ---------------------------------------------------------------------------
// Messages

pub struct MessageView {
    pub id: String,
    pub citizen_id: String,
    pub citizen_name: String,
    pub when: String,
    pub to: String,
    pub text: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "messages.html")]
struct MessagesPage {
    layout: Layout,
    unread: i64,
    teams: Vec<(String, i64)>,
    messages: Vec<MessageView>,
}

pub async fn messages(State(state): State<AppState>, PageUser(user): PageUser) -> Response {
    let inbox: Inbox = match state.app.inbox(&user.actor).await {
        Ok(i) => i,
        Err(e) => return error_page(e, Some(&user)),
    };
    let team_names: HashMap<uuid::Uuid, String> = inbox
        .teams
        .iter()
        .map(|t| (t.unit_id.0, t.unit_name.clone()))
        .collect();
    render(&MessagesPage {
        layout: Layout::for_user(&user),
        unread: inbox.unread,
        teams: inbox
            .teams
            .iter()
            .map(|t| (t.unit_name.clone(), t.unread))
            .collect(),
        messages: inbox
            .messages
            .iter()
            .map(|m| {
                let msg = m.entry.message.as_ref();
                MessageView {
                    id: m.entry.id.to_string(),
                    citizen_id: m.entry.citizen_id.to_string(),
                    citizen_name: m.citizen_name.clone(),
                    when: fmt_time(m.entry.written_at),
                    to: match (
                        msg.and_then(|x| x.to_staff_id),
                        msg.and_then(|x| x.to_unit_id),
                    ) {
                        (Some(_), _) => "Til dig".into(),
                        (None, Some(u)) => format!(
                            "Til {}",
                            team_names
                                .get(&u.0)
                                .cloned()
                                .unwrap_or_else(|| "teamet".into())
                        ),
                        _ => String::new(),
                    },
                    text: m.entry.text.clone(),
                    read: m.read,
                }
            })
            .collect(),
    })
}

pub async fn message_read(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw): Path<String>,
    body: Bytes,
) -> Response {
    let form = FormData::parse(&body);
    if let Err(r) = check_csrf(&user, &form) {
        return r;
    }
    let id: JournalEntryId = match parse_id(&raw) {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(&user)),
    };
    match state.app.mark_message_read(&user.actor, id).await {
        Ok(()) => Redirect::to("/beskeder").into_response(),
        Err(e) => error_page(e, Some(&user)),
    }
}
