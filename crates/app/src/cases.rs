//! Case use cases (sager) and caseloads (sagsbelastning).

use tvaers_domain::Actor;
use tvaers_domain::ValidationErrors;
use tvaers_domain::case::{Case, CaseData, CaseInput, Caseload};
use tvaers_domain::ids::{CaseId, CitizenId, UnitId};

use crate::policy::{Action, Resource};
use crate::{App, AppError, AppResult};

impl App {
    pub async fn create_case(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        input: &CaseInput,
    ) -> AppResult<Case> {
        let data = CaseData::parse(input)?;
        // Opening a case in one's own unit is how work with a citizen begins.
        let resource = if actor.unit_ids.contains(&data.responsible_unit_id) {
            Resource::NewCaseInOwnUnit(citizen_id)
        } else {
            Resource::Case(citizen_id)
        };
        let ev = self
            .authorize(actor, Action::Create, resource, "case", None)
            .await?;
        self.ensure_citizen(citizen_id).await?;
        self.check_references(&data).await?;
        let case = Case {
            id: CaseId::new(),
            citizen_id,
            area: data.area,
            title: data.title,
            legal_basis: data.legal_basis,
            responsible_unit_id: data.responsible_unit_id,
            case_worker_id: data.case_worker_id,
            opened_on: data.opened_on,
            closed_on: data.closed_on,
        };
        let mut ev = ev;
        ev.resource_id = Some(case.id.0);
        self.store.create_case(&case, &ev).await?;
        Ok(case)
    }

    pub async fn update_case(
        &self,
        actor: &Actor,
        id: CaseId,
        input: &CaseInput,
    ) -> AppResult<Case> {
        // Look up the case to learn whose it is; an unknown id and a denied one look alike.
        let existing = self.store.get_case(id).await?;
        let citizen_id = existing.as_ref().map(|c| c.citizen_id).unwrap_or_default();
        let ev = self
            .authorize(
                actor,
                Action::Update,
                Resource::Case(citizen_id),
                "case",
                Some(id.0),
            )
            .await?;
        let existing = existing.ok_or(AppError::NotFound)?;
        let data = CaseData::parse(input)?;
        self.check_references(&data).await?;
        let case = Case {
            id,
            citizen_id: existing.citizen_id,
            area: data.area,
            title: data.title,
            legal_basis: data.legal_basis,
            responsible_unit_id: data.responsible_unit_id,
            case_worker_id: data.case_worker_id,
            opened_on: data.opened_on,
            closed_on: data.closed_on,
        };
        self.store.update_case(&case, &ev).await?;
        Ok(case)
    }

    pub async fn get_case(&self, actor: &Actor, id: CaseId) -> AppResult<Case> {
        let existing = self.store.get_case(id).await?;
        let citizen_id = existing.as_ref().map(|c| c.citizen_id).unwrap_or_default();
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Case(citizen_id),
                "case",
                Some(id.0),
            )
            .await?;
        let case = existing.ok_or(AppError::NotFound)?;
        self.record(&ev).await?;
        Ok(case)
    }

    pub async fn list_cases(&self, actor: &Actor, citizen_id: CitizenId) -> AppResult<Vec<Case>> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Case(citizen_id),
                "case_list",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let cases = self.store.list_cases_for_citizen(citizen_id).await?;
        self.record(&ev).await?;
        Ok(cases)
    }

    /// Open cases per worker, for leaders; optionally one unit.
    pub async fn caseloads(&self, actor: &Actor, unit: Option<UnitId>) -> AppResult<Vec<Caseload>> {
        self.authorize(actor, Action::Read, Resource::Caseloads, "caseloads", None)
            .await?;
        Ok(self.store.caseloads(unit).await?)
    }

    /// The unit and case worker named by a case must exist, and the worker must be active.
    async fn check_references(&self, data: &CaseData) -> AppResult<()> {
        let mut e = ValidationErrors::new();
        if self
            .store
            .get_unit(data.responsible_unit_id)
            .await?
            .is_none()
        {
            e.add("responsible_unit_id", "Den valgte enhed findes ikke.");
        }
        if let Some(w) = data.case_worker_id {
            match self.store.get_staff(w).await? {
                Some(s) if s.active => {}
                Some(_) => e.add("case_worker_id", "Den valgte sagsbehandler er deaktiveret."),
                None => e.add("case_worker_id", "Den valgte sagsbehandler findes ikke."),
            }
        }
        e.into_result(()).map_err(AppError::from)
    }
}
