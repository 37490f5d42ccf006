//! Citizen use cases: search, overview, create, update, reveal CPR.

use serde::Serialize;
use tvaers_domain::Actor;
use tvaers_domain::Cpr;
use tvaers_domain::case::Case;
use tvaers_domain::citizen::{Citizen, CitizenData, CitizenInput, search_key};
use tvaers_domain::ids::CitizenId;
use tvaers_domain::{ValidationErrors, audit::AuditAction};
use tvaers_store::{CitizenSummary, Page};

use crate::policy::{Action, Resource};
use crate::{App, AppError, AppResult};

/// The longest search text we accept; longer is refused, not truncated.
pub const MAX_QUERY_CHARS: usize = 100;

/// How a search text was understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Cpr(Cpr),
    Name(String),
}

/// A search text of ten digits (with or without hyphen) is a CPR lookup;
/// anything else is a name prefix.
pub fn parse_query(q: &str) -> Result<Query, ValidationErrors> {
    let q = q.trim();
    if q.is_empty() {
        return Err(ValidationErrors::single(
            "q",
            "Skriv et navn eller et CPR-nummer.",
        ));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ValidationErrors::single(
            "q",
            format!("Søgeteksten må højst være {MAX_QUERY_CHARS} tegn."),
        ));
    }
    let digitish = q
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
    if digitish && q.chars().any(|c| c.is_ascii_digit()) {
        let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
        return Cpr::parse(&compact)
            .map(Query::Cpr)
            .map_err(|e| ValidationErrors::single("q", e.to_string()));
    }
    Ok(Query::Name(search_key(q)))
}

/// A case with the names a reader needs.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: Case,
    pub unit_name: String,
    pub case_worker_name: Option<String>,
}

/// Everything the citizen page shows (foundation part).
#[derive(Debug, Clone)]
pub struct CitizenOverview {
    pub citizen: Citizen,
    pub cases: Vec<CaseView>,
    /// The active plan, if any.
    pub plan: Option<tvaers_domain::plan::Plan>,
    /// Closed plans, newest first (they stay readable).
    pub closed_plans: Vec<tvaers_domain::plan::Plan>,
    /// Planned meetings from now on, soonest first.
    pub upcoming_meetings: Vec<tvaers_domain::meeting::Meeting>,
    /// Held meetings, newest first.
    pub past_meetings: Vec<tvaers_domain::meeting::Meeting>,
    pub open_tasks: Vec<tvaers_domain::meeting::Task>,
    /// Progress of each goal of the active plan (latest value, trend).
    pub goal_progress: Vec<crate::measurements::GoalProgress>,
}

impl App {
    /// Finds citizens by CPR (exact) or name prefix. The search is audited with
    /// its kind but never with the CPR or name searched for.
    pub async fn search_citizens(
        &self,
        actor: &Actor,
        q: &str,
        page: Page,
    ) -> AppResult<Vec<CitizenSummary>> {
        let query = parse_query(q)?;
        let mut ev = self
            .authorize(
                actor,
                Action::Search,
                Resource::CitizenDirectory,
                "citizen_search",
                None,
            )
            .await?;
        let hits = match query {
            Query::Cpr(cpr) => {
                ev.detail = Some("cpr".into());
                match self.store.find_citizen_by_cpr(&cpr).await? {
                    Some(c) if page.offset == 0 => {
                        ev.citizen_id = Some(c.id);
                        vec![CitizenSummary {
                            id: c.id,
                            cpr: c.cpr,
                            given_name: c.given_name,
                            family_name: c.family_name,
                            address: c.address,
                            city: c.city,
                            works_with: false,
                        }]
                    }
                    _ => vec![],
                }
            }
            Query::Name(prefix) => {
                ev.detail = Some("navn".into());
                self.store.search_citizens(&prefix, page).await?
            }
        };
        let ids: Vec<CitizenId> = hits.iter().map(|h| h.id).collect();
        let related = self
            .store
            .related_citizens(
                actor.staff_id,
                actor.role() == tvaers_domain::staff::Role::Professional,
                &ids,
                time::OffsetDateTime::now_utc(),
            )
            .await?;
        let mut hits = hits;
        for h in &mut hits {
            h.works_with = related.contains(&h.id);
        }
        self.record(&ev).await?;
        Ok(hits)
    }

    /// The citizen page's data: the citizen and their cases with names.
    pub async fn citizen_overview(
        &self,
        actor: &Actor,
        id: CitizenId,
    ) -> AppResult<CitizenOverview> {
        self.citizen_overview_held(actor, id).await.release().await
    }

    /// [`App::citizen_overview`] for a page that renders while the audit
    /// commits. The page is the most used one (see BENCHMARKS.md, issues 4
    /// and 7): its reads do not depend on each other or on the decision, so
    /// they run as one round of queries beside the policy and the audit
    /// commit, and the page is rendered before the commit has finished.
    pub async fn citizen_overview_held(
        &self,
        actor: &Actor,
        id: CitizenId,
    ) -> crate::Audited<CitizenOverview> {
        self.read_audited(
            actor,
            Resource::Citizen(id),
            "citizen",
            Some(id.0),
            |version| self.load_overview(id, version),
        )
        .await
    }

    /// The overview; `version` the citizen's as the decision read it, if it did.
    async fn load_overview(
        &self,
        id: CitizenId,
        version: Option<i64>,
    ) -> AppResult<CitizenOverview> {
        let tvaers_store::CitizenFile {
            citizen,
            cases,
            plans,
            meetings,
            tasks,
            measurements,
        } = self.store.citizen_file_at(id, version).await?;
        let citizen = citizen.ok_or(AppError::NotFound)?;
        let cases = self.case_views(cases).await?;
        let (active, closed_plans): (Vec<_>, Vec<_>) = plans
            .into_iter()
            .partition(|p| p.status == tvaers_domain::plan::PlanStatus::Active);
        let plan = active.into_iter().next();
        let now = time::OffsetDateTime::now_utc();
        let upcoming_meetings = meetings
            .iter()
            .filter(|m| m.status == tvaers_domain::meeting::MeetingStatus::Planned)
            .cloned()
            .collect();
        let mut past_meetings: Vec<_> = meetings
            .into_iter()
            .filter(|m| {
                m.status == tvaers_domain::meeting::MeetingStatus::Held || m.starts_at < now
            })
            .filter(|m| m.status != tvaers_domain::meeting::MeetingStatus::Planned)
            .collect();
        past_meetings.reverse();
        let open_tasks = tasks
            .into_iter()
            .filter(|t| t.status == tvaers_domain::meeting::TaskStatus::Open)
            .collect();
        let goal_progress = match &plan {
            Some(p) => p
                .content
                .goals
                .iter()
                .map(|g| crate::measurements::GoalProgress::of(p, g, &measurements))
                .collect(),
            None => Vec::new(),
        };
        Ok(CitizenOverview {
            citizen,
            cases,
            plan,
            closed_plans,
            upcoming_meetings,
            past_meetings,
            open_tasks,
            goal_progress,
        })
    }

    /// Just the citizen record, for edit forms and the API.
    pub async fn get_citizen(&self, actor: &Actor, id: CitizenId) -> AppResult<Citizen> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Citizen(id),
                "citizen",
                Some(id.0),
            )
            .await?;
        let c = self
            .store
            .get_citizen(id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.record(&ev).await?;
        Ok(c)
    }

    /// The full CPR number, on purpose; the reveal itself is audited.
    pub async fn reveal_cpr(&self, actor: &Actor, id: CitizenId) -> AppResult<String> {
        let ev = self
            .authorize(
                actor,
                Action::RevealCpr,
                Resource::Citizen(id),
                "citizen_cpr",
                Some(id.0),
            )
            .await?;
        let c = self
            .store
            .get_citizen(id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.record(&ev).await?;
        Ok(c.cpr.formatted())
    }

    /// Whether the actor may search the citizen register at all (to show a
    /// refusal before any search is made; reads nothing).
    pub fn may_search_citizens(&self, actor: &Actor) -> AppResult<()> {
        match crate::policy::allowed(
            actor,
            Action::Search,
            Resource::CitizenDirectory,
            &crate::policy::Facts::default(),
        ) {
            crate::policy::Decision::Allow(_) => Ok(()),
            crate::policy::Decision::Deny(d) => Err(AppError::Forbidden(d.reason().to_string())),
        }
    }

    pub async fn create_citizen(&self, actor: &Actor, input: &CitizenInput) -> AppResult<Citizen> {
        let mut ev = self
            .authorize(
                actor,
                Action::Create,
                Resource::CitizenDirectory,
                "citizen",
                None,
            )
            .await?;
        let data = CitizenData::parse(input)?;
        let citizen = Citizen::from_data(CitizenId::new(), data);
        ev.action = AuditAction::Create;
        ev.citizen_id = Some(citizen.id);
        ev.resource_id = Some(citizen.id.0);
        // Whoever registers a citizen may open the first case or plan.
        let now = time::OffsetDateTime::now_utc();
        let intake = tvaers_domain::access::AccessGrant {
            id: uuid::Uuid::now_v7(),
            citizen_id: citizen.id,
            staff_id: actor.staff_id,
            kind: tvaers_domain::access::GrantKind::Intake,
            reason: "Oprettede borgeren".into(),
            granted_at: now,
            expires_at: now + tvaers_domain::access::INTAKE_DURATION,
            reviewed_at: None,
            reviewed_by: None,
            review_note: None,
        };
        self.store
            .create_citizen(&citizen, Some(&intake), &ev)
            .await
            .map_err(duplicate_cpr)?;
        Ok(citizen)
    }

    pub async fn update_citizen(
        &self,
        actor: &Actor,
        id: CitizenId,
        input: &CitizenInput,
    ) -> AppResult<Citizen> {
        let ev = self
            .authorize(
                actor,
                Action::Update,
                Resource::Citizen(id),
                "citizen",
                Some(id.0),
            )
            .await?;
        let data = CitizenData::parse(input)?;
        let citizen = Citizen::from_data(id, data);
        self.store
            .update_citizen(&citizen, &ev)
            .await
            .map_err(duplicate_cpr)?;
        Ok(citizen)
    }

    pub(crate) async fn case_views(&self, cases: Vec<Case>) -> AppResult<Vec<CaseView>> {
        // Names for display, from the directory cache (every overview shows
        // the cases); a case worker it does not hold (deactivated) is read.
        let directory = self.directory().await?;
        let (units, staff) = (&directory.units, &directory.staff);
        let mut workers: std::collections::HashMap<_, Option<String>> = Default::default();
        let mut out = Vec::with_capacity(cases.len());
        for case in cases {
            let unit_name = units
                .iter()
                .find(|u| u.id == case.responsible_unit_id)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            let case_worker_name = match case.case_worker_id {
                Some(w) => {
                    if let std::collections::hash_map::Entry::Vacant(slot) = workers.entry(w) {
                        let name = match staff.iter().find(|s| s.id == w) {
                            Some(s) => Some(s.full_name.clone()),
                            None => self.store.get_staff(w).await?.map(|s| s.full_name),
                        };
                        slot.insert(name);
                    }
                    workers.get(&w).cloned().flatten()
                }
                None => None,
            };
            out.push(CaseView {
                case,
                unit_name,
                case_worker_name,
            });
        }
        Ok(out)
    }
}

fn duplicate_cpr(e: tvaers_store::StoreError) -> AppError {
    match e {
        tvaers_store::StoreError::Conflict(_) => AppError::Validation(ValidationErrors::single(
            "cpr",
            "Der findes allerede en borger med dette CPR-nummer.",
        )),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_cpr_or_name() {
        assert!(matches!(parse_query("070761-4285"), Ok(Query::Cpr(_))));
        assert!(matches!(parse_query(" 0707614285 "), Ok(Query::Cpr(_))));
        assert_eq!(
            parse_query("Karen SØ").unwrap(),
            Query::Name("karen sø".into())
        );
        assert!(parse_query("   ").is_err());
        assert!(
            parse_query("310461-4285").is_err(),
            "invalid CPR is named, not searched as a name"
        );
        assert!(parse_query(&"a".repeat(101)).is_err());
    }
}
