//! The demo's portal citizen: Bente Borger, who works with the demo case
//! worker, has a plan with measured goals and an upcoming meeting, and can log
//! in to `/borger` as `borger` (and her daughter as `paaroerende`, which works
//! only once Bente's consent for relatives is recorded).

use time::{Duration, OffsetDateTime};
use tvaers_domain::Cpr;
use tvaers_domain::access::PortalAccount;
use tvaers_domain::audit::{AuditAction, AuditOutcome, NewAuditEvent};
use tvaers_domain::case::{Case, CaseArea};
use tvaers_domain::citizen::Citizen;
use tvaers_domain::ids::{CaseId, CitizenId, GoalId, MeasurementId, MeetingId, PlanId};
use tvaers_domain::measure::{Assessor, Measurement, Reading};
use tvaers_domain::meeting::{Attendee, Meeting, MeetingKind, MeetingStatus};
use tvaers_domain::plan::{
    AreaCode, Goal, GoalStatus, Plan, PlanContent, PlanStatus, PlanVersion, Wishes, WishesAuthor,
};
use tvaers_domain::scale::Scale;
use tvaers_store::Store;

use crate::auth::hash_password;
use crate::demo::DEMO_PASSWORD;
use crate::{AppError, AppResult};

pub const PORTAL_CPR: &str = "1203561232";
pub const PORTAL_LOGIN: &str = "borger";
pub const RELATIVE_LOGIN: &str = "paaroerende";

fn event(action: AuditAction, citizen: CitizenId) -> NewAuditEvent {
    NewAuditEvent {
        actor_id: None,
        actor_profession: None,
        actor_unit_id: None,
        purpose: Some("demodata".into()),
        action,
        resource_type: "citizen",
        resource_id: Some(citizen.0),
        citizen_id: Some(citizen),
        outcome: AuditOutcome::Allowed,
        detail: None,
    }
}

/// Creates Bente Borger and her logins once; later calls change nothing.
pub async fn ensure_portal(store: &dyn Store) -> AppResult<()> {
    if store
        .get_portal_account_by_username(PORTAL_LOGIN)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let cpr = Cpr::parse(PORTAL_CPR).map_err(|e| AppError::Internal(e.to_string()))?;
    let worker = store
        .get_staff_by_username("sagsbehandler")
        .await?
        .ok_or_else(|| AppError::Internal("demo structure missing".into()))?
        .0;
    let unit = *worker
        .unit_ids
        .first()
        .ok_or_else(|| AppError::Internal("demo case worker has no unit".into()))?;
    let citizen = match store.find_citizen_by_cpr(&cpr).await? {
        Some(c) => c,
        None => {
            let c = Citizen {
                id: CitizenId::new(),
                cpr,
                given_name: "Bente".into(),
                family_name: "Borger".into(),
                address: Some("Møllevej 4".into()),
                postal_code: Some("8900".into()),
                city: Some("Randers C".into()),
                phone: None,
                email: None,
                relatives: vec![],
            };
            store
                .create_citizen(&c, None, &event(AuditAction::Create, c.id))
                .await?;
            c
        }
    };
    let now = OffsetDateTime::now_utc();
    let today = crate::meetings::to_local(now).date();
    let case = Case {
        id: CaseId::new(),
        citizen_id: citizen.id,
        area: CaseArea::AdultDisability,
        title: "Bostøtte og hverdagsliv".into(),
        legal_basis: "Serviceloven § 85".into(),
        responsible_unit_id: unit,
        case_worker_id: Some(worker.id),
        opened_on: today - Duration::days(120),
        closed_on: None,
    };
    store
        .create_case(&case, &event(AuditAction::Create, citizen.id))
        .await?;
    if store.active_plan(citizen.id).await?.is_none() {
        let walk = Goal {
            id: GoalId::new(),
            text: "Gå selv ned til bussen".into(),
            area: Some(AreaCode {
                system: "fsiii".into(),
                code: "J3.8".into(),
                display: "Gå".into(),
            }),
            scale: Scale::Fsiii,
            baseline: Some(3.0),
            target: Some(1.0),
            deadline: Some(today + Duration::days(90)),
            status: GoalStatus::Active,
            workers: vec![worker.id],
        };
        let cook = Goal {
            id: GoalId::new(),
            text: "Lave aftensmad to gange om ugen".into(),
            area: Some(AreaCode {
                system: "fsiii".into(),
                code: "J2.2".into(),
                display: "Lave mad".into(),
            }),
            scale: Scale::Gas,
            baseline: Some(-1.0),
            target: Some(1.0),
            deadline: Some(today + Duration::days(90)),
            status: GoalStatus::Active,
            workers: vec![worker.id],
        };
        let mut content =
            PlanContent::new(worker.id, "Bente klarer sin hverdag i egen bolig".into());
        content.wishes = Some(Wishes {
            text: "Jeg vil gerne kunne tage bussen til min datter i Viborg.".into(),
            author: WishesAuthor::Citizen,
        });
        content.goals = vec![walk.clone(), cook.clone()];
        content.review_on = Some(today + Duration::days(60));
        let plan = Plan {
            id: PlanId::new(),
            citizen_id: citizen.id,
            status: PlanStatus::Active,
            version: 1,
            content: content.clone(),
            created_at: now,
            updated_at: now,
        };
        let first = PlanVersion {
            plan_id: plan.id,
            version: 1,
            author_id: Some(worker.id),
            author_name: worker.full_name.clone(),
            at: now,
            reason: "Plan oprettet".into(),
            status: PlanStatus::Active,
            content,
        };
        store
            .create_plan(&plan, &first, &event(AuditAction::Create, citizen.id))
            .await?;
        for (goal, reading, days) in [
            (
                &walk,
                Reading::Functional {
                    current: Some(3),
                    expected: Some(1),
                },
                80,
            ),
            (
                &walk,
                Reading::Functional {
                    current: Some(2),
                    expected: Some(1),
                },
                30,
            ),
            (&cook, Reading::Level { value: -1.0 }, 70),
            (&cook, Reading::Level { value: 0.0 }, 10),
        ] {
            let m = Measurement {
                id: MeasurementId::new(),
                citizen_id: citizen.id,
                plan_id: Some(plan.id),
                goal_id: Some(goal.id),
                area: goal.area.clone(),
                scale: goal.scale.clone(),
                reading,
                measured_at: now - Duration::days(days),
                recorded_at: now - Duration::days(days),
                assessor: Assessor::Staff {
                    staff_id: worker.id,
                    name: worker.full_name.clone(),
                },
                recorded_by: Some(worker.id),
                note: String::new(),
                meeting_id: None,
                supersedes: None,
                correction_reason: None,
            };
            store
                .add_measurement(&m, &event(AuditAction::Create, citizen.id))
                .await?;
        }
        let meeting = Meeting {
            id: MeetingId::new(),
            citizen_id: citizen.id,
            plan_id: Some(plan.id),
            kind: MeetingKind::ALL[0],
            starts_at: now + Duration::days(14),
            location: "Rådhuset, mødelokale 2".into(),
            attendees: vec![
                Attendee::Citizen,
                Attendee::Staff {
                    staff_id: worker.id,
                },
            ],
            agenda: "Opfølgning på planen".into(),
            minutes: String::new(),
            status: MeetingStatus::Planned,
            previous_meeting_id: None,
        };
        store
            .create_meeting(&meeting, &event(AuditAction::Create, citizen.id))
            .await?;
    }
    let hash = hash_password(DEMO_PASSWORD).await?;
    for (username, relative) in [(PORTAL_LOGIN, None), (RELATIVE_LOGIN, Some("Mette Borger"))] {
        let a = PortalAccount {
            id: uuid::Uuid::now_v7(),
            citizen_id: citizen.id,
            username: username.into(),
            relative_name: relative.map(str::to_string),
            active: true,
        };
        let audit = crate::portal::account_created(&a, "demodata");
        store.create_portal_account(&a, Some(&hash), &audit).await?;
    }
    Ok(())
}
