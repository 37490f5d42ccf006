//! Opaque identifiers. UUIDv7 gives insert locality in B-tree indexes; a CPR
//! number is never used as a key or in a URL.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// Kommune, region/hospital or private provider.
    OrganisationId
);
id_type!(
    /// Center, afdeling or team.
    UnitId
);
id_type!(
    /// A staff member (medarbejder).
    StaffId
);
id_type!(
    /// A citizen (borger).
    CitizenId
);
id_type!(
    /// A case (sag).
    CaseId
);
id_type!(
    /// An audit event.
    AuditId
);
id_type!(
    /// A citizen's plan (én plan).
    PlanId
);
id_type!(
    /// A goal (mål) in a plan.
    GoalId
);
id_type!(
    /// An intervention (indsats) in a plan.
    InterventionId
);
id_type!(
    /// A meeting (møde).
    MeetingId
);
id_type!(
    /// An agreed action goal (indsatsmål) from a meeting.
    ActionGoalId
);
id_type!(
    /// A task (opgave).
    TaskId
);
id_type!(
    /// A measurement (måling) on a goal or an area.
    MeasurementId
);
id_type!(
    /// A custom scale defined by an administrator.
    ScaleId
);
id_type!(
    /// A journal entry (notat). A message (digital kontakt) is a journal
    /// entry too, so it has this id rather than one of its own.
    JournalEntryId
);
