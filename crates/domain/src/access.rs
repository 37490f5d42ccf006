//! Consent (samtykke) and time-limited access grants (break-the-glass).

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::ids::{CitizenId, OrganisationId, StaffId};
use crate::org::coded_enum;
use crate::validation::ValidationErrors;

coded_enum!(
    /// What a consent lets the organisation see: `general` is the plan, cases,
    /// meetings, measurements and normal journal entries; `health` adds
    /// sensitive health information; `relative` lets the citizen's relatives
    /// read the plan and act for them in the portal.
    ConsentScope {
        General => ("general", "Plan, sager og almindelige journalnotater"),
        Health => ("health", "Også følsomme helbredsoplysninger"),
        Relative => ("relative", "Pårørende må se planen og handle på borgerens vegne"),
    }
);

coded_enum!(
    /// How the citizen gave consent.
    GivenHow {
        Written => ("written", "Skriftligt"),
        Verbal => ("verbal", "Mundtligt"),
    }
);

/// Identifies a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = Uuid)]
pub struct ConsentId(pub uuid::Uuid);

impl ConsentId {
    pub fn new() -> Self {
        ConsentId(uuid::Uuid::now_v7())
    }
}

impl Default for ConsentId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for ConsentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Consent {
    pub id: ConsentId,
    pub citizen_id: CitizenId,
    /// `None`: every organisation represented on the care team.
    pub organisation_id: Option<OrganisationId>,
    pub scope: ConsentScope,
    pub given_how: GivenHow,
    /// Who noted it (for a verbal consent: who heard it).
    pub noted_by: StaffId,
    #[schema(value_type = String, format = Date)]
    pub valid_from: Date,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<Date>,
    pub note: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at: Option<OffsetDateTime>,
    pub withdrawn_by: Option<StaffId>,
}

impl Consent {
    /// In force on `today` and not withdrawn.
    pub fn is_active(&self, today: Date) -> bool {
        self.withdrawn_at.is_none()
            && self.valid_from <= today
            && self.valid_to.is_none_or(|to| today <= to)
    }

    /// Checks the dates and the note of a new consent.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        if let Some(to) = self.valid_to
            && to < self.valid_from
        {
            e.add("valid_to", "Samtykket kan ikke slutte, før det begynder.");
        }
        if self.note.chars().count() > 1000 {
            e.add("note", "Noten må højst være 1000 tegn.");
        }
        e.into_result(())
    }
}

coded_enum!(
    /// Why a staff member has time-limited access to one citizen: break the
    /// glass (with a reason, reviewed by a leader) or intake (whoever registers
    /// a citizen may open the first case or plan).
    GrantKind {
        BreakGlass => ("break_glass", "Brudt glas"),
        Intake => ("intake", "Oprettelse af borgeren"),
    }
);

/// A portal login: the citizen's own, or a relative's acting for the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PortalAccount {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub citizen_id: CitizenId,
    pub username: String,
    /// `None` for the citizen; the relative's name otherwise.
    pub relative_name: Option<String>,
    pub active: bool,
}

/// How long a break-the-glass grant lasts.
pub const BREAK_GLASS_DURATION: Duration = Duration::hours(2);
/// How long the registering staff member keeps access to a new citizen.
pub const INTAKE_DURATION: Duration = Duration::hours(24);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessGrant {
    #[schema(value_type = String, format = Uuid)]
    pub id: uuid::Uuid,
    pub citizen_id: CitizenId,
    pub staff_id: StaffId,
    pub kind: GrantKind,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub granted_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reviewed_at: Option<OffsetDateTime>,
    pub reviewed_by: Option<StaffId>,
    pub review_note: Option<String>,
}

/// A break-the-glass reason must say why; "test" or "x" will not do.
pub fn check_break_glass_reason(reason: &str) -> Result<String, ValidationErrors> {
    let r = reason.trim();
    if r.chars().count() < 10 {
        return Err(ValidationErrors::single(
            "reason",
            "Skriv hvorfor du skal have adgang (mindst 10 tegn). Begrundelsen ses af din leder og af borgeren.",
        ));
    }
    if r.chars().count() > 500 {
        return Err(ValidationErrors::single(
            "reason",
            "Begrundelsen må højst være 500 tegn.",
        ));
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn consent() -> Consent {
        Consent {
            id: ConsentId::new(),
            citizen_id: CitizenId::new(),
            organisation_id: None,
            scope: ConsentScope::Health,
            given_how: GivenHow::Verbal,
            noted_by: StaffId::new(),
            valid_from: date!(2026 - 01 - 01),
            valid_to: Some(date!(2026 - 12 - 31)),
            note: String::new(),
            created_at: datetime!(2026-01-01 10:00 UTC),
            withdrawn_at: None,
            withdrawn_by: None,
        }
    }

    #[test]
    fn consent_is_active_within_its_dates_until_withdrawn() {
        let mut c = consent();
        assert!(!c.is_active(date!(2025 - 12 - 31)));
        assert!(c.is_active(date!(2026 - 06 - 01)));
        assert!(c.is_active(date!(2026 - 12 - 31)));
        assert!(!c.is_active(date!(2027 - 01 - 01)));
        c.withdrawn_at = Some(datetime!(2026-03-01 10:00 UTC));
        assert!(!c.is_active(date!(2026 - 06 - 01)));
        c.valid_to = Some(date!(2025 - 01 - 01));
        assert!(c.validate().is_err());
    }

    #[test]
    fn break_glass_needs_a_real_reason() {
        assert!(check_break_glass_reason("test").is_err());
        assert!(check_break_glass_reason("Akut henvendelse fra vagtlæge om medicin").is_ok());
    }
}
