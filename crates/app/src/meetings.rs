//! Meetings, agreed action goals, tasks and "Mit arbejde".

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, PrimitiveDateTime};
use tvaers_domain::Actor;
use tvaers_domain::ValidationErrors;
use tvaers_domain::case::parse_date;
use tvaers_domain::ids::{ActionGoalId, CitizenId, MeetingId, StaffId, TaskId, UnitId};
use tvaers_domain::meeting::{
    ActionGoal, Attendee, Meeting, MeetingKind, MeetingStatus, Owner, Review, ReviewOutcome, Task,
    TaskStatus, action_goal_count_warning, validate_action_goal, validate_schedule,
};
use tvaers_domain::staff::Role;
use tvaers_store::{CaseRef, MeetingClose, MeetingRef, OverdueByUnit, PlanRef, TaskRef};

use crate::policy::{Action, Resource};
use crate::{App, AppError, AppResult};

/// Danish local time is what staff type; stored as UTC.
pub fn parse_local_datetime(
    e: &mut ValidationErrors,
    field: &'static str,
    label: &str,
    raw: &str,
) -> Option<OffsetDateTime> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let raw = raw.trim();
    let raw = raw.get(..16).unwrap_or(raw);
    match PrimitiveDateTime::parse(raw, &fmt) {
        Ok(dt) => Some(dt.assume_offset(copenhagen_offset(dt.date()))),
        Err(_) => {
            e.add(
                field,
                format!("{label} skal være en gyldig dato og tid (ÅÅÅÅ-MM-DDTTT:MM)."),
            );
            None
        }
    }
}

pub use tvaers_domain::calendar::{copenhagen_offset, to_local};

/// Midnight in Denmark at the start of `d`.
pub fn local_midnight(d: Date) -> OffsetDateTime {
    d.with_time(time::Time::MIDNIGHT)
        .assume_offset(copenhagen_offset(d))
}

/// Raw input to schedule a meeting.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct MeetingInput {
    /// `network`, `follow_up`, `visitation`, `cross_disciplinary`
    #[serde(default)]
    pub kind: String,
    /// Local time `YYYY-MM-DDTHH:MM`
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub agenda: String,
    #[serde(default)]
    pub staff_ids: Vec<String>,
    #[serde(default)]
    pub citizen_attends: bool,
    /// Names of relatives attending.
    #[serde(default)]
    pub relatives: Vec<String>,
    /// Names of external attendees.
    #[serde(default)]
    pub externals: Vec<String>,
}

/// One agreed action goal when closing a meeting.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct ActionGoalInput {
    #[serde(default)]
    pub text: String,
    /// `staff:<id>`, `team:<unit id>`, `citizen` or `relative:<name>`
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub due: String,
}

/// The review of one previous action goal.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct ReviewInput {
    #[serde(default)]
    pub action_goal_id: String,
    /// `done`, `partly`, `not_done`
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub comment: String,
}

/// Closing a meeting.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct CloseMeetingInput {
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub action_goals: Vec<ActionGoalInput>,
    #[serde(default)]
    pub reviews: Vec<ReviewInput>,
    /// Local time of the next meeting, `YYYY-MM-DDTHH:MM`; empty for none.
    #[serde(default)]
    pub next_starts_at: Option<String>,
    #[serde(default)]
    pub next_kind: Option<String>,
}

/// A meeting with what the page needs.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub meeting: Meeting,
    /// Action goals agreed at this meeting.
    pub action_goals: Vec<ActionGoal>,
    /// Action goals from the previous meeting, to review at this one.
    pub to_review: Vec<ActionGoal>,
    /// The next meeting, when this one scheduled it.
    pub next_meeting_id: Option<MeetingId>,
}

/// Result of closing a meeting: the meeting and a soft warning, if any.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClosedMeeting {
    pub meeting: Meeting,
    pub warning: Option<String>,
    pub next_meeting_id: Option<MeetingId>,
}

/// "Mit arbejde".
#[derive(Debug, Clone, Default)]
pub struct MyWork {
    pub plans: Vec<PlanRef>,
    pub cases: Vec<CaseRef>,
    pub meetings: Vec<MeetingRef>,
    pub tasks: Vec<TaskRef>,
    pub overdue_reviews: Vec<PlanRef>,
}

/// The leader's team view.
#[derive(Debug, Clone, Default)]
pub struct TeamView {
    pub caseloads: Vec<tvaers_domain::case::Caseload>,
    pub overdue_by_unit: Vec<OverdueByUnit>,
}

pub fn parse_owner(e: &mut ValidationErrors, field: &'static str, raw: &str) -> Option<Owner> {
    let raw = raw.trim();
    let owner = match raw.split_once(':') {
        Some(("staff", id)) => id.parse().ok().map(|u| Owner::Staff {
            staff_id: StaffId(u),
        }),
        Some(("team", id)) => id.parse().ok().map(|u| Owner::Team { unit_id: UnitId(u) }),
        Some(("relative", name)) if !name.trim().is_empty() => Some(Owner::Relative {
            name: name.trim().into(),
        }),
        None if raw == "citizen" => Some(Owner::Citizen),
        _ => None,
    };
    if owner.is_none() {
        e.add(field, "Vælg hvem der er ansvarlig.");
    }
    owner
}

fn already_closed(e: tvaers_store::StoreError) -> AppError {
    match e {
        tvaers_store::StoreError::Stale => {
            AppError::Conflict("Mødet er allerede lukket eller aflyst.".into())
        }
        other => other.into(),
    }
}

impl App {
    async fn meeting_for_actor(
        &self,
        actor: &Actor,
        id: MeetingId,
        action: Action,
    ) -> AppResult<(Meeting, tvaers_domain::audit::NewAuditEvent)> {
        let m = self.store.get_meeting(id).await?;
        let citizen = m.as_ref().map(|m| m.citizen_id).unwrap_or_default();
        let ev = self
            .authorize(
                actor,
                action,
                Resource::Citizen(citizen),
                "meeting",
                Some(id.0),
            )
            .await?;
        Ok((m.ok_or(AppError::NotFound)?, ev))
    }

    fn attendees(&self, e: &mut ValidationErrors, input: &MeetingInput) -> Vec<Attendee> {
        let mut out = Vec::new();
        for s in input.staff_ids.iter().filter(|s| !s.trim().is_empty()) {
            match s.trim().parse() {
                Ok(u) => out.push(Attendee::Staff {
                    staff_id: StaffId(u),
                }),
                Err(_) => e.add("attendees", "En valgt deltager er ugyldig."),
            }
        }
        if input.citizen_attends {
            out.push(Attendee::Citizen);
        }
        for r in input
            .relatives
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
        {
            out.push(Attendee::Relative { name: r.into() });
        }
        for x in input
            .externals
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
        {
            out.push(Attendee::External { name: x.into() });
        }
        out
    }

    /// Schedules a meeting; it opens with the previous meeting's action goals for review.
    pub async fn schedule_meeting(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        input: &MeetingInput,
    ) -> AppResult<Meeting> {
        let mut ev = self
            .authorize(
                actor,
                Action::Create,
                Resource::Citizen(citizen_id),
                "meeting",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let mut e = ValidationErrors::new();
        let kind = MeetingKind::from_code(input.kind.trim());
        if kind.is_none() {
            e.add("kind", "Vælg en mødetype.");
        }
        let starts_at =
            parse_local_datetime(&mut e, "starts_at", "Mødetidspunktet", &input.starts_at);
        let attendees = self.attendees(&mut e, input);
        if let Some(t) = starts_at
            && let Err(more) = validate_schedule(
                MeetingStatus::Planned,
                t,
                OffsetDateTime::now_utc(),
                &input.location,
                &input.agenda,
            )
        {
            e.fields.extend(more.fields);
        }
        let (Some(kind), Some(starts_at)) = (kind, starts_at) else {
            return Err(e.into());
        };
        if !e.is_empty() {
            return Err(e.into());
        }
        let staff: Vec<StaffId> = attendees
            .iter()
            .filter_map(|a| match a {
                Attendee::Staff { staff_id } => Some(*staff_id),
                _ => None,
            })
            .collect();
        for s in &staff {
            if self.store.get_staff(*s).await?.is_none() {
                return Err(ValidationErrors::single(
                    "attendees",
                    "En valgt deltager findes ikke.",
                )
                .into());
            }
        }
        let plan = self.store.active_plan(citizen_id).await?;
        // The newest held meeting before this one is the one whose action goals it reviews.
        let previous = self
            .store
            .list_meetings(citizen_id)
            .await?
            .into_iter()
            .filter(|m| m.status == MeetingStatus::Held && m.starts_at <= starts_at)
            .max_by_key(|m| m.starts_at)
            .map(|m| m.id);
        let meeting = Meeting {
            id: MeetingId::new(),
            citizen_id,
            plan_id: plan.map(|p| p.id),
            kind,
            starts_at,
            location: input.location.trim().into(),
            attendees,
            agenda: input.agenda.trim().into(),
            minutes: String::new(),
            status: MeetingStatus::Planned,
            previous_meeting_id: previous,
        };
        ev.resource_id = Some(meeting.id.0);
        self.store.create_meeting(&meeting, &ev).await?;
        Ok(meeting)
    }

    pub async fn get_meeting(&self, actor: &Actor, id: MeetingId) -> AppResult<MeetingView> {
        let (meeting, ev) = self.meeting_for_actor(actor, id, Action::Read).await?;
        let action_goals = self.store.list_action_goals(id).await?;
        let to_review = match meeting.previous_meeting_id {
            Some(p) => self.store.list_action_goals(p).await?,
            None => vec![],
        };
        let next_meeting_id = self
            .store
            .list_meetings(meeting.citizen_id)
            .await?
            .into_iter()
            .find(|m| m.previous_meeting_id == Some(id))
            .map(|m| m.id);
        self.record(&ev).await?;
        Ok(MeetingView {
            meeting,
            action_goals,
            to_review,
            next_meeting_id,
        })
    }

    pub async fn list_meetings(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
    ) -> AppResult<Vec<Meeting>> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Citizen(citizen_id),
                "meeting_list",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let list = self.store.list_meetings(citizen_id).await?;
        self.record(&ev).await?;
        Ok(list)
    }

    /// Closes a planned meeting: minutes, 2–3 agreed action goals (a warning,
    /// not an error, outside that), reviews of the previous ones, the next
    /// meeting and tasks for staff- or team-owned action goals — all or nothing.
    pub async fn close_meeting(
        &self,
        actor: &Actor,
        id: MeetingId,
        input: &CloseMeetingInput,
    ) -> AppResult<ClosedMeeting> {
        let (meeting, ev) = self.meeting_for_actor(actor, id, Action::Update).await?;
        if meeting.status != MeetingStatus::Planned {
            return Err(AppError::Conflict(
                "Mødet er allerede lukket eller aflyst.".into(),
            ));
        }
        let mut e = ValidationErrors::new();
        if input.minutes.chars().count() > 20_000 {
            e.add("minutes", "Referatet må højst være 20.000 tegn.");
        }
        let meeting_date = to_local(meeting.starts_at).date();
        let mut goals = Vec::new();
        for g in &input.action_goals {
            if g.text.trim().is_empty() && g.owner.trim().is_empty() && g.due.trim().is_empty() {
                continue; // an unused blank row of the form
            }
            let mut ge = ValidationErrors::new();
            let due = if g.due.trim().is_empty() {
                None
            } else {
                parse_date(&mut ge, "action_goals", "Fristen", &g.due)
            };
            validate_action_goal(&g.text, due, meeting_date, &mut ge);
            let owner = parse_owner(&mut ge, "action_goals", &g.owner);
            if let (Some(owner), Some(due), true) = (owner, due, ge.is_empty()) {
                goals.push(ActionGoal {
                    id: ActionGoalId::new(),
                    meeting_id: id,
                    text: g.text.trim().into(),
                    owner,
                    due,
                    review: None,
                });
            }
            e.fields.extend(ge.fields);
        }
        let previous_goals = match meeting.previous_meeting_id {
            Some(p) => self.store.list_action_goals(p).await?,
            None => vec![],
        };
        let mut reviews = Vec::new();
        for r in &input.reviews {
            if r.outcome.trim().is_empty() {
                continue; // not reviewed this time
            }
            let Some(goal) = r
                .action_goal_id
                .trim()
                .parse()
                .ok()
                .and_then(|u| previous_goals.iter().find(|g| g.id == ActionGoalId(u)))
            else {
                e.add(
                    "reviews",
                    "Et gennemgået indsatsmål hører ikke til det forrige møde.",
                );
                continue;
            };
            let Some(outcome) = ReviewOutcome::from_code(r.outcome.trim()) else {
                e.add("reviews", "Vælg gennemført, delvist eller ikke gennemført.");
                continue;
            };
            if r.comment.chars().count() > 2000 {
                e.add("reviews", "En kommentar må højst være 2000 tegn.");
            }
            reviews.push((
                goal.id,
                Review {
                    outcome,
                    comment: r.comment.trim().into(),
                    meeting_id: id,
                },
            ));
        }
        let next = match input
            .next_starts_at
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(raw) => {
                let at =
                    parse_local_datetime(&mut e, "next_starts_at", "Næste mødes tidspunkt", raw);
                let kind = input
                    .next_kind
                    .as_deref()
                    .and_then(MeetingKind::from_code)
                    .unwrap_or(MeetingKind::FollowUp);
                match at {
                    Some(at) if at <= meeting.starts_at => {
                        e.add("next_starts_at", "Næste møde skal ligge efter dette møde.");
                        None
                    }
                    Some(at) => Some(Meeting {
                        id: MeetingId::new(),
                        citizen_id: meeting.citizen_id,
                        plan_id: meeting.plan_id,
                        kind,
                        starts_at: at,
                        location: meeting.location.clone(),
                        attendees: meeting.attendees.clone(),
                        agenda: "Opfølgning på aftalte indsatsmål".into(),
                        minutes: String::new(),
                        status: MeetingStatus::Planned,
                        previous_meeting_id: Some(id),
                    }),
                    None => None,
                }
            }
        };
        if !e.is_empty() {
            return Err(e.into());
        }
        let tasks = goals
            .iter()
            .filter(|g| matches!(g.owner, Owner::Staff { .. } | Owner::Team { .. }))
            .map(|g| Task {
                id: TaskId::new(),
                citizen_id: meeting.citizen_id,
                title: g.text.clone(),
                owner: g.owner.clone(),
                due: Some(g.due),
                status: TaskStatus::Open,
                action_goal_id: Some(g.id),
            })
            .collect();
        let warning = action_goal_count_warning(goals.len());
        let mut held = meeting.clone();
        held.status = MeetingStatus::Held;
        held.minutes = input.minutes.trim().into();
        let next_meeting_id = next.as_ref().map(|m| m.id);
        let close = MeetingClose {
            meeting: held.clone(),
            action_goals: goals,
            reviews,
            next_meeting: next,
            tasks,
        };
        self.store
            .close_meeting(&close, &ev)
            .await
            .map_err(already_closed)?;
        Ok(ClosedMeeting {
            meeting: held,
            warning,
            next_meeting_id,
        })
    }

    pub async fn cancel_meeting(&self, actor: &Actor, id: MeetingId) -> AppResult<Meeting> {
        let (mut meeting, ev) = self.meeting_for_actor(actor, id, Action::Update).await?;
        if meeting.status != MeetingStatus::Planned {
            return Err(AppError::Conflict(
                "Kun planlagte møder kan aflyses.".into(),
            ));
        }
        meeting.status = MeetingStatus::Cancelled;
        self.store
            .update_meeting(&meeting, &ev)
            .await
            .map_err(already_closed)?;
        Ok(meeting)
    }

    pub async fn create_task(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        title: &str,
        owner: &str,
        due: &str,
    ) -> AppResult<Task> {
        let mut ev = self
            .authorize(
                actor,
                Action::Create,
                Resource::Citizen(citizen_id),
                "task",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let mut e = ValidationErrors::new();
        let title =
            tvaers_domain::validation::required_text(&mut e, "title", "Opgaven", title, 500);
        let owner = parse_owner(&mut e, "owner", owner);
        let due = if due.trim().is_empty() {
            None
        } else {
            parse_date(&mut e, "due", "Fristen", due)
        };
        let Some(owner) = owner else {
            return Err(e.into());
        };
        if !e.is_empty() {
            return Err(e.into());
        }
        let task = Task {
            id: TaskId::new(),
            citizen_id,
            title,
            owner,
            due,
            status: TaskStatus::Open,
            action_goal_id: None,
        };
        ev.resource_id = Some(task.id.0);
        self.store.create_task(&task, &ev).await?;
        Ok(task)
    }

    pub async fn set_task_status(
        &self,
        actor: &Actor,
        id: TaskId,
        status: TaskStatus,
    ) -> AppResult<Task> {
        let task = self.store.get_task(id).await?;
        let citizen = task.as_ref().map(|t| t.citizen_id).unwrap_or_default();
        let assigned = task.as_ref().is_some_and(|t| match &t.owner {
            Owner::Staff { staff_id } => *staff_id == actor.staff_id,
            Owner::Team { unit_id } => actor.unit_ids.contains(unit_id),
            _ => false,
        });
        let ev = self
            .authorize(
                actor,
                Action::Update,
                Resource::Task { citizen, assigned },
                "task",
                Some(id.0),
            )
            .await?;
        let mut task = task.ok_or(AppError::NotFound)?;
        self.store.set_task_status(id, status, &ev).await?;
        task.status = status;
        Ok(task)
    }

    pub async fn list_tasks(&self, actor: &Actor, citizen_id: CitizenId) -> AppResult<Vec<Task>> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Citizen(citizen_id),
                "task_list",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let tasks = self.store.list_tasks(citizen_id).await?;
        self.record(&ev).await?;
        Ok(tasks)
    }

    /// Mit arbejde: my plans, cases, upcoming meetings, tasks and overdue reviews.
    pub async fn my_work(&self, actor: &Actor) -> AppResult<MyWork> {
        if actor.role() == Role::Administrator {
            return Err(AppError::Forbidden(
                "Administratorer har ikke adgang til borgerdata.".into(),
            ));
        }
        let now = OffsetDateTime::now_utc();
        let today = to_local(now).date();
        let mut tasks = self
            .store
            .open_tasks_of(actor.staff_id, &actor.unit_ids, 200)
            .await?;
        if actor.role() == Role::Volunteer {
            // Peer workers and volunteers see the citizen's first name and the task, nothing more.
            for t in &mut tasks {
                t.citizen_name = t.citizen_given_name.clone();
            }
        }
        let mut work = MyWork {
            tasks,
            ..Default::default()
        };
        if actor.role() != Role::Volunteer {
            work.plans = self.store.plans_of_staff(actor.staff_id).await?;
            work.cases = self.store.open_cases_of_worker(actor.staff_id).await?;
            work.meetings = self
                .store
                .upcoming_meetings_of_staff(actor.staff_id, now, 50)
                .await?;
            work.overdue_reviews = self
                .store
                .overdue_reviews_of_staff(actor.staff_id, today)
                .await?;
        } else {
            // Volunteers see only their tasks and the citizen's first name.
            for t in &mut work.tasks {
                t.citizen_name = t
                    .citizen_name
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
        }
        let ev = tvaers_domain::audit::NewAuditEvent {
            actor_id: Some(actor.staff_id),
            actor_profession: Some(actor.profession),
            actor_unit_id: actor.unit_ids.first().copied(),
            purpose: Some("mit arbejde".into()),
            action: tvaers_domain::audit::AuditAction::Read,
            resource_type: "my_work",
            resource_id: None,
            citizen_id: None,
            outcome: tvaers_domain::audit::AuditOutcome::Allowed,
            detail: None,
        };
        self.record(&ev).await?;
        Ok(work)
    }

    /// The leader's view: caseload per worker and overdue reviews per team.
    pub async fn team_view(&self, actor: &Actor) -> AppResult<TeamView> {
        let caseloads = self.caseloads(actor, None).await?;
        let today = to_local(OffsetDateTime::now_utc()).date();
        Ok(TeamView {
            caseloads,
            overdue_by_unit: self.store.overdue_reviews_by_unit(today).await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn danish_summer_and_winter_time() {
        assert_eq!(copenhagen_offset(date!(2026 - 07 - 01)).whole_hours(), 2);
        assert_eq!(copenhagen_offset(date!(2026 - 12 - 01)).whole_hours(), 1);
        // 2026: summer time from 29 March to 25 October.
        assert_eq!(copenhagen_offset(date!(2026 - 03 - 28)).whole_hours(), 1);
        assert_eq!(copenhagen_offset(date!(2026 - 03 - 29)).whole_hours(), 2);
        assert_eq!(copenhagen_offset(date!(2026 - 10 - 25)).whole_hours(), 1);
    }

    #[test]
    fn owners_parse() {
        let mut e = ValidationErrors::new();
        assert_eq!(parse_owner(&mut e, "o", "citizen"), Some(Owner::Citizen));
        assert_eq!(
            parse_owner(&mut e, "o", "relative:Mette"),
            Some(Owner::Relative {
                name: "Mette".into()
            })
        );
        assert!(e.is_empty());
        assert_eq!(parse_owner(&mut e, "o", "staff:nope"), None);
        assert!(!e.is_empty());
    }

    #[test]
    fn local_time_is_stored_as_utc() {
        let mut e = ValidationErrors::new();
        let t = parse_local_datetime(&mut e, "t", "T", "2026-12-01T10:00").unwrap();
        assert_eq!(t.to_offset(time::UtcOffset::UTC).hour(), 9);
        assert!(parse_local_datetime(&mut e, "t", "T", "1. december").is_none());
    }
}
