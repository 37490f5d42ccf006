//! Consent (samtykke), break-the-glass and the audit view.

use serde::Deserialize;
use time::OffsetDateTime;
use tvaers_domain::Actor;
use tvaers_domain::ValidationErrors;
use tvaers_domain::access::{
    AccessGrant, BREAK_GLASS_DURATION, Consent, ConsentId, ConsentScope, GivenHow, GrantKind,
    check_break_glass_reason,
};
use tvaers_domain::audit::{AuditAction, AuditEvent, AuditOutcome};
use tvaers_domain::case::parse_date;
use tvaers_domain::ids::{CitizenId, OrganisationId, StaffId, UnitId};
use tvaers_domain::staff::Role;
use tvaers_store::AuditFilter;

use crate::policy::{Action, Resource};
use crate::{App, AppError, AppResult};

/// Raw input for a consent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ConsentInput {
    /// Organisation id; empty for every organisation on the care team.
    #[serde(default)]
    pub organisation_id: Option<String>,
    /// `general` or `health`
    #[serde(default)]
    pub scope: String,
    /// `written` or `verbal`
    #[serde(default)]
    pub given_how: String,
    /// `YYYY-MM-DD`; default today.
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// One page of the audit view.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
pub struct AuditQuery {
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub from: Option<String>,
    /// `YYYY-MM-DD` (inclusive)
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub citizen: Option<String>,
    #[serde(default)]
    pub staff: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    /// `read`, `search`, `create`, `update`, `reveal_cpr`, `break_glass`
    #[serde(default)]
    pub action: Option<String>,
    /// `allowed` or `denied`
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
}

pub const AUDIT_PAGE: i64 = 100;
/// Rows in one CSV export of the audit trail.
pub const AUDIT_EXPORT: i64 = 10_000;

impl AuditQuery {
    pub fn to_filter(&self) -> Result<AuditFilter, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let mut f = AuditFilter {
            limit: AUDIT_PAGE,
            offset: (self.page.unwrap_or(1).max(1) - 1) * AUDIT_PAGE,
            citizen_data_only: true,
            ..Default::default()
        };
        let uuid = |e: &mut ValidationErrors, field: &'static str, v: &Option<String>| {
            text(v).and_then(|raw| match raw.parse::<uuid::Uuid>() {
                Ok(u) => Some(u),
                Err(_) => {
                    e.add(field, "Vælg fra listen.");
                    None
                }
            })
        };
        f.citizen_id = uuid(&mut e, "citizen", &self.citizen).map(CitizenId);
        f.actor_id = uuid(&mut e, "staff", &self.staff).map(StaffId);
        f.unit_id = uuid(&mut e, "unit", &self.unit).map(UnitId);
        let from = text(&self.from).and_then(|d| parse_date(&mut e, "from", "Fra-datoen", &d));
        let to = text(&self.to).and_then(|d| parse_date(&mut e, "to", "Til-datoen", &d));
        if let (Some(a), Some(b)) = (from, to)
            && b < a
        {
            e.add("to", "Til-datoen ligger før fra-datoen.");
        }
        f.from = from.map(crate::meetings::local_midnight);
        f.until = to
            .and_then(|d| d.next_day())
            .map(crate::meetings::local_midnight);
        if let Some(a) = text(&self.action) {
            f.action = AuditAction::from_code(&a);
            if f.action.is_none() {
                e.add("action", "Vælg en handling fra listen.");
            }
        }
        if let Some(o) = text(&self.outcome) {
            f.outcome = AuditOutcome::from_code(&o);
            if f.outcome.is_none() {
                e.add("outcome", "Vælg tilladt eller afvist.");
            }
        }
        e.into_result(f)
    }
}

impl App {
    /// Records a consent given by the citizen (noted by the actor).
    pub async fn add_consent(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        input: &ConsentInput,
    ) -> AppResult<Consent> {
        let ev = self
            .authorize(
                actor,
                Action::Update,
                Resource::Citizen(citizen_id),
                "consent",
                None,
            )
            .await?;
        let mut e = ValidationErrors::new();
        let organisation_id = match text(&input.organisation_id) {
            Some(raw) => match raw.parse::<uuid::Uuid>() {
                Ok(u) => match self.store.get_organisation(OrganisationId(u)).await? {
                    Some(o) => Some(o.id),
                    None => {
                        e.add("organisation_id", "Organisationen findes ikke.");
                        None
                    }
                },
                Err(_) => {
                    e.add("organisation_id", "Vælg en organisation fra listen.");
                    None
                }
            },
            None => None,
        };
        let scope = ConsentScope::from_code(input.scope.trim());
        if scope.is_none() {
            e.add("scope", "Vælg hvad samtykket omfatter.");
        }
        let given_how = GivenHow::from_code(input.given_how.trim());
        if given_how.is_none() {
            e.add(
                "given_how",
                "Vælg om samtykket er givet skriftligt eller mundtligt.",
            );
        }
        let today = crate::meetings::to_local(OffsetDateTime::now_utc()).date();
        let valid_from = match text(&input.valid_from) {
            Some(d) => parse_date(&mut e, "valid_from", "Fra-datoen", &d),
            None => Some(today),
        };
        let valid_to =
            text(&input.valid_to).and_then(|d| parse_date(&mut e, "valid_to", "Til-datoen", &d));
        let (Some(scope), Some(given_how), Some(valid_from)) = (scope, given_how, valid_from)
        else {
            return Err(e.into());
        };
        if !e.is_empty() {
            return Err(e.into());
        }
        let c = Consent {
            id: ConsentId::new(),
            citizen_id,
            organisation_id,
            scope,
            given_how,
            noted_by: actor.staff_id,
            valid_from,
            valid_to,
            note: text(&input.note).unwrap_or_default(),
            created_at: OffsetDateTime::now_utc(),
            withdrawn_at: None,
            withdrawn_by: None,
        };
        c.validate()?;
        let mut ev = ev;
        ev.action = AuditAction::Create;
        ev.resource_id = Some(c.id.0);
        self.store.add_consent(&c, &ev).await?;
        Ok(c)
    }

    /// Withdraws a consent; it takes effect at once.
    pub async fn withdraw_consent(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        id: ConsentId,
    ) -> AppResult<()> {
        let mut ev = self
            .authorize(
                actor,
                Action::Update,
                Resource::Citizen(citizen_id),
                "consent",
                Some(id.0),
            )
            .await?;
        ev.detail = Some("Samtykke trukket tilbage".into());
        self.store
            .withdraw_consent(
                citizen_id,
                id,
                actor.staff_id,
                OffsetDateTime::now_utc(),
                &ev,
            )
            .await
            .map_err(|e| match e {
                tvaers_store::StoreError::NotFound => AppError::Conflict(
                    "Samtykket findes ikke eller er allerede trukket tilbage.".into(),
                ),
                other => other.into(),
            })
    }

    pub async fn list_consents(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
    ) -> AppResult<Vec<Consent>> {
        let ev = self
            .authorize(
                actor,
                Action::Read,
                Resource::Citizen(citizen_id),
                "consent",
                None,
            )
            .await?;
        let list = self.store.list_consents(citizen_id).await?;
        self.record(&ev).await?;
        Ok(list)
    }

    /// Bryd glasset: two hours of read access to one citizen, with a reason
    /// the unit's leader reviews and the citizen can see.
    pub async fn break_glass(
        &self,
        actor: &Actor,
        citizen_id: CitizenId,
        reason: &str,
    ) -> AppResult<AccessGrant> {
        let mut ev = self
            .authorize(
                actor,
                Action::Create,
                Resource::BreakGlass(citizen_id),
                "break_glass",
                None,
            )
            .await?;
        self.ensure_citizen(citizen_id).await?;
        let reason = check_break_glass_reason(reason)?;
        let now = OffsetDateTime::now_utc();
        let g = AccessGrant {
            id: uuid::Uuid::now_v7(),
            citizen_id,
            staff_id: actor.staff_id,
            kind: GrantKind::BreakGlass,
            reason: reason.clone(),
            granted_at: now,
            expires_at: now + BREAK_GLASS_DURATION,
            reviewed_at: None,
            reviewed_by: None,
            review_note: None,
        };
        ev.action = AuditAction::BreakGlass;
        ev.resource_id = Some(g.id);
        ev.purpose = Some(format!("brudt glas: {reason}"));
        self.store.add_grant(&g, &ev).await?;
        Ok(g)
    }

    /// Unreviewed break-the-glass grants of staff in the leader's units.
    pub async fn unreviewed_grants(
        &self,
        actor: &Actor,
    ) -> AppResult<Vec<(AccessGrant, String, String)>> {
        self.authorize(
            actor,
            Action::Read,
            Resource::GrantReview,
            "break_glass_review",
            None,
        )
        .await?;
        Ok(self.store.unreviewed_grants(&actor.unit_ids).await?)
    }

    pub async fn review_grant(&self, actor: &Actor, id: uuid::Uuid, note: &str) -> AppResult<()> {
        self.authorize(
            actor,
            Action::Update,
            Resource::GrantReview,
            "break_glass_review",
            Some(id),
        )
        .await?;
        // Only grants of one's own units can be reviewed.
        let mine = self.store.unreviewed_grants(&actor.unit_ids).await?;
        if !mine.iter().any(|(g, _, _)| g.id == id) {
            return Err(AppError::NotFound);
        }
        if note.chars().count() > 500 {
            return Err(ValidationErrors::single("note", "Noten må højst være 500 tegn.").into());
        }
        self.store
            .review_grant(id, actor.staff_id, note.trim(), OffsetDateTime::now_utc())
            .await?;
        Ok(())
    }

    /// The audit trail of decisions on citizen data, for leaders (their units'
    /// staff) and the data-protection officer (everyone).
    pub async fn audit_view(&self, actor: &Actor, q: &AuditQuery) -> AppResult<Vec<AuditEvent>> {
        self.audit_events(actor, q, None).await
    }

    /// The filtered trail for a CSV export: up to `AUDIT_EXPORT` rows in one read.
    pub async fn audit_export(&self, actor: &Actor, q: &AuditQuery) -> AppResult<Vec<AuditEvent>> {
        self.audit_events(actor, q, Some(AUDIT_EXPORT)).await
    }

    async fn audit_events(
        &self,
        actor: &Actor,
        q: &AuditQuery,
        limit: Option<i64>,
    ) -> AppResult<Vec<AuditEvent>> {
        self.authorize(actor, Action::Read, Resource::AuditLog, "audit_log", None)
            .await?;
        let mut f = q.to_filter()?;
        if let Some(l) = limit {
            f.limit = l;
            f.offset = 0;
        }
        if actor.role() == Role::Leader {
            match f.unit_id {
                Some(u) if actor.unit_ids.contains(&u) => {}
                Some(_) => {
                    return Err(AppError::Forbidden(
                        "Ledere ser kun loggen for deres egne enheder.".into(),
                    ));
                }
                None => match actor.unit_ids.first() {
                    Some(u) if actor.unit_ids.len() == 1 => f.unit_id = Some(*u),
                    _ => {
                        return Err(ValidationErrors::single(
                            "unit",
                            "Vælg hvilken af dine enheder loggen skal vise.",
                        )
                        .into());
                    }
                },
            }
        }
        Ok(self.store.list_audit(&f).await?)
    }
}
