//! The one access policy. Every use case asks [`allowed`] before it touches
//! citizen data or administration; the answer is recorded in the audit trail.
//!
//! Foundation rules (issue 7 refines them with care teams, consent,
//! sensitivity and break-the-glass; see `docs/ACCESS.md`):
//!
//! | role                         | citizen data (search/read/write) | administration | caseloads |
//! |------------------------------|----------------------------------|----------------|-----------|
//! | fagperson (professional)     | allow                            | deny           | deny      |
//! | leder (leader)               | allow                            | deny           | allow (and statistics) |
//! | peer/frivillig (volunteer)   | deny                             | deny           | deny      |
//! | administrator                | deny                             | allow          | deny      |

use tvaers_domain::Actor;
use tvaers_domain::ids::CitizenId;
use tvaers_domain::staff::Role;

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    Search,
    RevealCpr,
}

/// What it is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// The register of citizens (search, create).
    CitizenDirectory,
    Citizen(CitizenId),
    /// A case of a citizen.
    Case(CitizenId),
    /// Units, staff and accounts.
    Administration,
    /// Open cases per worker.
    Caseloads,
    /// Aggregated statistics (no individual can be singled out).
    Statistics,
}

impl Resource {
    pub fn citizen(self) -> Option<CitizenId> {
        match self {
            Resource::Citizen(c) | Resource::Case(c) => Some(c),
            _ => None,
        }
    }

    pub fn is_citizen_data(self) -> bool {
        matches!(
            self,
            Resource::CitizenDirectory | Resource::Citizen(_) | Resource::Case(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(&'static str),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow)
    }
}

/// Decides whether `actor` may do `action` to `resource`.
pub fn allowed(actor: &Actor, action: Action, resource: Resource) -> Decision {
    let role = actor.role();
    match resource {
        Resource::Administration => match role {
            Role::Administrator => Decision::Allow,
            _ => Decision::Deny("Kun administratorer kan ændre enheder og brugere."),
        },
        Resource::Caseloads => match role {
            Role::Leader => Decision::Allow,
            _ => Decision::Deny("Kun ledere kan se sagsbelastning."),
        },
        Resource::Statistics => match role {
            Role::Leader => Decision::Allow,
            _ => Decision::Deny("Kun ledere kan se statistik."),
        },
        Resource::CitizenDirectory | Resource::Citizen(_) | Resource::Case(_) => match role {
            Role::Administrator => {
                Decision::Deny("Administratorer har ikke adgang til borgerdata.")
            }
            Role::Volunteer => Decision::Deny(
                "Peer-medarbejdere og frivillige ser kun de opgaver, de har fået tildelt.",
            ),
            Role::Professional | Role::Leader => {
                // The directory is searched and read, never revealed or updated as a whole.
                if resource == Resource::CitizenDirectory
                    && matches!(action, Action::Update | Action::RevealCpr)
                {
                    Decision::Deny("Handlingen giver ikke mening på borgerregistret.")
                } else {
                    Decision::Allow
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvaers_domain::ids::{OrganisationId, StaffId};
    use tvaers_domain::staff::Profession;

    fn actor(p: Profession) -> Actor {
        Actor {
            staff_id: StaffId::new(),
            username: "x".into(),
            full_name: "X".into(),
            profession: p,
            organisation_id: OrganisationId::new(),
            unit_ids: vec![],
        }
    }

    const ACTIONS: [Action; 5] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Search,
        Action::RevealCpr,
    ];

    fn resources() -> Vec<Resource> {
        let c = CitizenId::new();
        vec![
            Resource::CitizenDirectory,
            Resource::Citizen(c),
            Resource::Case(c),
            Resource::Administration,
            Resource::Caseloads,
        ]
    }

    #[test]
    fn administrators_never_see_citizen_data() {
        let a = actor(Profession::Administrator);
        for action in ACTIONS {
            for r in resources() {
                let d = allowed(&a, action, r);
                assert_eq!(
                    d.is_allowed(),
                    r == Resource::Administration,
                    "{action:?} {r:?}"
                );
            }
        }
    }

    #[test]
    fn volunteers_see_no_citizen_data_yet() {
        for p in [Profession::Volunteer, Profession::PeerWorker] {
            let a = actor(p);
            for action in ACTIONS {
                for r in resources() {
                    assert!(
                        !allowed(&a, action, r).is_allowed(),
                        "{p:?} {action:?} {r:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn professionals_work_with_citizens_but_do_not_administer() {
        for p in Profession::ALL
            .iter()
            .filter(|p| p.role() == Role::Professional)
        {
            let a = actor(*p);
            let c = CitizenId::new();
            for action in ACTIONS {
                assert!(allowed(&a, action, Resource::Citizen(c)).is_allowed());
                assert!(allowed(&a, action, Resource::Case(c)).is_allowed());
                assert!(!allowed(&a, action, Resource::Administration).is_allowed());
                assert!(!allowed(&a, action, Resource::Caseloads).is_allowed());
            }
            assert!(allowed(&a, Action::Search, Resource::CitizenDirectory).is_allowed());
            assert!(!allowed(&a, Action::RevealCpr, Resource::CitizenDirectory).is_allowed());
        }
    }

    #[test]
    fn only_leaders_see_caseloads() {
        for p in Profession::ALL {
            let d = allowed(&actor(*p), Action::Read, Resource::Caseloads);
            assert_eq!(d.is_allowed(), *p == Profession::Leader, "{p:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Journal (issue 6): which entries a reader may see.
//
// | class (følsomhed)          | fagperson/leder          | borger (portal, later) |
// |----------------------------|--------------------------|------------------------|
// | almindelig                 | ✔                        | ✔                      |
// | følsomme helbredsoplysn.   | only health professions  | ✔                      |
// | følsomme sociale oplysn.   | ✔                        | ✔                      |
// | tredjemand                 | ✔                        | ✘ never                |
//
// Until issue 7 adds consent, care teams and break-the-glass, a health entry is
// read only by the health professions (`Profession::is_health`). Whoever may
// not read a class may not write or correct an entry of it either.

use tvaers_domain::journal::Sensitivity;
use tvaers_store::CitizenScope;

/// Whether `actor` may read a journal entry of class `s` (given that they may
/// read the citizen at all — ask [`allowed`] for that).
pub fn may_read_entry(actor: &Actor, s: Sensitivity) -> bool {
    match actor.role() {
        Role::Administrator | Role::Volunteer => false,
        Role::Professional | Role::Leader => match s {
            Sensitivity::Normal | Sensitivity::Social | Sensitivity::ThirdParty => true,
            Sensitivity::Health => actor.profession.is_health(),
        },
    }
}

/// The classes `actor` may read, handed to the store so nothing else is
/// counted, ranked or shown.
pub fn readable_sensitivities(actor: &Actor) -> Vec<Sensitivity> {
    Sensitivity::ALL
        .iter()
        .copied()
        .filter(|s| may_read_entry(actor, *s))
        .collect()
}

/// Whether the citizen may see an entry of class `s` in their own journal
/// (the portal arrives later; the rule is here now): never third-party information.
pub fn citizen_may_read_entry(s: Sensitivity) -> bool {
    s != Sensitivity::ThirdParty
}

/// The citizens whose journals `actor` may search across. Today professionals
/// and leaders may read every citizen, everyone else none; issue 7 narrows
/// this to care teams and units with an open case.
pub fn readable_citizens(actor: &Actor) -> CitizenScope {
    match actor.role() {
        Role::Professional | Role::Leader => CitizenScope::All,
        Role::Administrator | Role::Volunteer => CitizenScope::Only(vec![]),
    }
}

#[cfg(test)]
mod journal_tests {
    use super::*;
    use tvaers_domain::ids::{OrganisationId, StaffId};
    use tvaers_domain::staff::Profession;

    fn actor(p: Profession) -> Actor {
        Actor {
            staff_id: StaffId::new(),
            username: "x".into(),
            full_name: "X".into(),
            profession: p,
            organisation_id: OrganisationId::new(),
            unit_ids: vec![],
        }
    }

    #[test]
    fn sensitive_health_entries_only_for_health_professions() {
        for p in Profession::ALL {
            let a = actor(*p);
            let expected = matches!(p.role(), Role::Professional | Role::Leader) && p.is_health();
            assert_eq!(may_read_entry(&a, Sensitivity::Health), expected, "{p:?}");
        }
        assert!(may_read_entry(
            &actor(Profession::Nurse),
            Sensitivity::Health
        ));
        assert!(!may_read_entry(
            &actor(Profession::SocialWorker),
            Sensitivity::Health
        ));
        assert!(!may_read_entry(
            &actor(Profession::Leader),
            Sensitivity::Health
        ));
    }

    #[test]
    fn professionals_read_normal_social_and_third_party_entries() {
        for p in Profession::ALL
            .iter()
            .filter(|p| matches!(p.role(), Role::Professional | Role::Leader))
        {
            for s in [
                Sensitivity::Normal,
                Sensitivity::Social,
                Sensitivity::ThirdParty,
            ] {
                assert!(may_read_entry(&actor(*p), s), "{p:?} {s:?}");
            }
        }
    }

    #[test]
    fn volunteers_and_administrators_read_no_entries_and_search_no_journals() {
        for p in [
            Profession::Volunteer,
            Profession::PeerWorker,
            Profession::Administrator,
        ] {
            let a = actor(p);
            assert!(readable_sensitivities(&a).is_empty(), "{p:?}");
            assert_eq!(readable_citizens(&a), CitizenScope::Only(vec![]), "{p:?}");
        }
        assert_eq!(
            readable_citizens(&actor(Profession::Nurse)),
            CitizenScope::All
        );
    }

    #[test]
    fn third_party_information_is_never_shown_to_the_citizen() {
        assert!(!citizen_may_read_entry(Sensitivity::ThirdParty));
        for s in [
            Sensitivity::Normal,
            Sensitivity::Health,
            Sensitivity::Social,
        ] {
            assert!(citizen_may_read_entry(s), "{s:?}");
        }
    }
}
