//! Audit events: every decision on a citizen's data, allowed or denied.
//! Append-only; the citizen can later read theirs.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{AuditId, CitizenId, StaffId, UnitId};
use crate::org::coded_enum;
use crate::staff::Profession;

coded_enum!(
    /// What was done.
    AuditAction {
        Read => ("read", "Læste"),
        Search => ("search", "Søgte"),
        Create => ("create", "Oprettede"),
        Update => ("update", "Ændrede"),
        RevealCpr => ("reveal_cpr", "Viste fuldt CPR-nummer"),
        BreakGlass => ("break_glass", "Brød glasset"),
    }
);

coded_enum!(
    /// Whether the policy allowed it.
    AuditOutcome {
        Allowed => ("allowed", "Tilladt"),
        Denied => ("denied", "Afvist"),
    }
);

/// An event about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub actor_id: Option<StaffId>,
    /// The actor's profession at the time of the decision.
    pub actor_profession: Option<Profession>,
    /// The unit through which the actor acted (their first unit when none is specific).
    pub actor_unit_id: Option<UnitId>,
    /// Why the data was used: care, break-the-glass with its reason, statistics, …
    pub purpose: Option<String>,
    pub action: AuditAction,
    /// Kind of resource: "citizen", "case", "citizen_search", …
    pub resource_type: &'static str,
    pub resource_id: Option<uuid::Uuid>,
    pub citizen_id: Option<CitizenId>,
    pub outcome: AuditOutcome,
    /// Why (the purpose stated, or the reason a request was denied).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: AuditId,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    pub actor_id: Option<StaffId>,
    pub actor_name: Option<String>,
    pub actor_profession: Option<String>,
    pub actor_unit_id: Option<UnitId>,
    pub actor_unit_name: Option<String>,
    pub purpose: Option<String>,
    pub action: AuditAction,
    pub resource_type: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub resource_id: Option<uuid::Uuid>,
    pub citizen_id: Option<CitizenId>,
    pub outcome: AuditOutcome,
    pub detail: Option<String>,
}
