//! Meetings (møder) with agreed action goals (indsatsmål), and tasks (opgaver).
//!
//! The "dynamic action plan" from practice: every meeting closes with 2–3
//! agreed action goals with an owner and a due date; the next meeting opens by
//! reviewing them (done / partly / not done, with a comment).

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::ids::{ActionGoalId, CitizenId, MeetingId, PlanId, StaffId, TaskId, UnitId};
use crate::org::coded_enum;
use crate::validation::ValidationErrors;

coded_enum!(
    MeetingKind {
        Network => ("network", "Netværksmøde"),
        FollowUp => ("follow_up", "Opfølgningsmøde"),
        Visitation => ("visitation", "Visitationsmøde"),
        CrossDisciplinary => ("cross_disciplinary", "Tværfagligt teammøde"),
    }
);

coded_enum!(
    MeetingStatus {
        Planned => ("planned", "Planlagt"),
        Held => ("held", "Afholdt"),
        Cancelled => ("cancelled", "Aflyst"),
    }
);

coded_enum!(
    /// The review of an action goal at the next meeting.
    ReviewOutcome {
        Done => ("done", "Gennemført"),
        Partly => ("partly", "Delvist gennemført"),
        NotDone => ("not_done", "Ikke gennemført"),
    }
);

coded_enum!(
    TaskStatus {
        Open => ("open", "Åben"),
        Done => ("done", "Udført"),
    }
);

/// Someone at a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attendee {
    Staff { staff_id: StaffId },
    Citizen,
    Relative { name: String },
    External { name: String },
}

/// Who owns an action goal or task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Owner {
    Staff { staff_id: StaffId },
    Team { unit_id: UnitId },
    Citizen,
    Relative { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    pub outcome: ReviewOutcome,
    pub comment: String,
    pub meeting_id: MeetingId,
}

/// An agreed action goal (indsatsmål) from a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActionGoal {
    pub id: ActionGoalId,
    pub meeting_id: MeetingId,
    pub text: String,
    pub owner: Owner,
    #[schema(value_type = String, format = Date)]
    pub due: Date,
    pub review: Option<Review>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: MeetingId,
    pub citizen_id: CitizenId,
    pub plan_id: Option<PlanId>,
    pub kind: MeetingKind,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: OffsetDateTime,
    pub location: String,
    pub attendees: Vec<Attendee>,
    pub agenda: String,
    pub minutes: String,
    pub status: MeetingStatus,
    /// The meeting whose action goals this one reviews.
    pub previous_meeting_id: Option<MeetingId>,
}

/// A task (opgave), by hand or from an action goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub citizen_id: CitizenId,
    pub title: String,
    pub owner: Owner,
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<Date>,
    pub status: TaskStatus,
    pub action_goal_id: Option<ActionGoalId>,
}

/// How many action goals practice asks for at the close of a meeting.
pub const RECOMMENDED_ACTION_GOALS: std::ops::RangeInclusive<usize> = 2..=3;

/// A soft warning (not an error) about the number of agreed action goals.
pub fn action_goal_count_warning(n: usize) -> Option<String> {
    if n == 0 {
        Some("Mødet blev lukket uden aftalte indsatsmål. Praksis er 2–3 konkrete indsatsmål pr. møde.".into())
    } else if n > *RECOMMENDED_ACTION_GOALS.end() {
        Some(format!(
            "Mødet har {n} indsatsmål. Færre og mere konkrete mål (2–3) bliver oftere fulgt op."
        ))
    } else {
        None
    }
}

/// Rules for scheduling a meeting: a planned meeting cannot be in the past.
pub fn validate_schedule(
    status: MeetingStatus,
    starts_at: OffsetDateTime,
    now: OffsetDateTime,
    location: &str,
    agenda: &str,
) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::new();
    if status == MeetingStatus::Planned && starts_at < now - time::Duration::minutes(5) {
        e.add(
            "starts_at",
            "Et planlagt møde kan ikke ligge i fortiden. Vælg et senere tidspunkt.",
        );
    }
    if location.chars().count() > 200 {
        e.add("location", "Stedet må højst være 200 tegn.");
    }
    if agenda.chars().count() > 10_000 {
        e.add("agenda", "Dagsordenen må højst være 10.000 tegn.");
    }
    e.into_result(())
}

/// Rules for one action goal agreed at `meeting_date`.
pub fn validate_action_goal(
    text: &str,
    due: Option<Date>,
    meeting_date: Date,
    e: &mut ValidationErrors,
) {
    let len = text.trim().chars().count();
    if len == 0 {
        e.add("action_goals", "Hvert indsatsmål skal have en tekst.");
    } else if len > 500 {
        e.add("action_goals", "Et indsatsmål må højst være 500 tegn.");
    }
    match due {
        None => e.add("action_goals", "Hvert indsatsmål skal have en frist."),
        Some(d) if d < meeting_date => e.add(
            "action_goals",
            "Et indsatsmåls frist kan ikke ligge før mødet.",
        ),
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn two_or_three_action_goals_need_no_warning() {
        assert!(action_goal_count_warning(0).is_some());
        assert!(action_goal_count_warning(1).is_none());
        assert!(action_goal_count_warning(2).is_none());
        assert!(action_goal_count_warning(3).is_none());
        assert!(action_goal_count_warning(4).is_some());
    }

    #[test]
    fn planned_meeting_in_the_past_is_refused() {
        let now = datetime!(2026-11-23 10:00 UTC);
        assert!(
            validate_schedule(
                MeetingStatus::Planned,
                datetime!(2026-11-01 10:00 UTC),
                now,
                "",
                ""
            )
            .is_err()
        );
        assert!(
            validate_schedule(
                MeetingStatus::Planned,
                datetime!(2026-12-01 10:00 UTC),
                now,
                "",
                ""
            )
            .is_ok()
        );
        assert!(
            validate_schedule(
                MeetingStatus::Held,
                datetime!(2026-11-01 10:00 UTC),
                now,
                "",
                ""
            )
            .is_ok()
        );
    }

    #[test]
    fn action_goal_needs_text_and_a_due_date_after_the_meeting() {
        let mut e = ValidationErrors::new();
        validate_action_goal("", None, date!(2026 - 11 - 23), &mut e);
        assert_eq!(e.fields.len(), 2);
        let mut e = ValidationErrors::new();
        validate_action_goal(
            "Ring til lægen",
            Some(date!(2026 - 11 - 01)),
            date!(2026 - 11 - 23),
            &mut e,
        );
        assert_eq!(e.fields.len(), 1);
        let mut e = ValidationErrors::new();
        validate_action_goal(
            "Ring til lægen",
            Some(date!(2026 - 12 - 01)),
            date!(2026 - 11 - 23),
            &mut e,
        );
        assert!(e.is_empty());
    }
}
