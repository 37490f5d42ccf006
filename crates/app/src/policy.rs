//! The one access policy. Every use case asks [`allowed`] (through
//! `App::authorize`, which loads the [`Facts`] about the actor and the citizen)
//! before it touches citizen data or administration; the answer is recorded in
//! the audit trail. The rules, as a table, are in `docs/ACCESS.md`.
//!
//! In short: staff read and write the citizens they work with — on the care
//! team, or (professionals) through an open case of one of their units; staff
//! of another sector (region, private provider) also need the citizen's consent;
//! sensitive health data needs a health profession or consent for health data;
//! leaders see aggregates, and individual citizens only as team members;
//! peer workers and volunteers see only their own tasks; administrators and the
//! data-protection officer see no citizen data. Anyone working with citizens may
//! break the glass: two hours of read access with a reason, reviewed by a leader.

use tvaers_domain::Actor;
use tvaers_domain::ids::CitizenId;
use tvaers_domain::staff::Role;

pub use tvaers_store::AccessFacts as Facts;

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
    /// The register of citizens (search by name/CPR, register a new citizen).
    CitizenDirectory,
    /// A citizen's data: master data, cases, plan, meetings, measurements,
    /// normal journal entries.
    Citizen(CitizenId),
    /// A case of a citizen (same rules as the citizen's data).
    Case(CitizenId),
    /// Opening a case in one of the actor's own units: how work with a citizen begins.
    NewCaseInOwnUnit(CitizenId),
    /// Sensitive health information (følsomme helbredsoplysninger).
    HealthData(CitizenId),
    /// A task; `assigned` when it is the actor's own (or their team's).
    Task { citizen: CitizenId, assigned: bool },
    /// Asking for break-the-glass access to a citizen.
    BreakGlass(CitizenId),
    /// Units, staff, accounts and scales.
    Administration,
    /// Open cases per worker.
    Caseloads,
    /// Aggregated statistics (no individual can be singled out).
    Statistics,
    /// The audit trail (leaders and the data-protection officer).
    AuditLog,
    /// Reviewing break-the-glass grants of one's units.
    GrantReview,
}

impl Resource {
    pub fn citizen(self) -> Option<CitizenId> {
        match self {
            Resource::Citizen(c)
            | Resource::Case(c)
            | Resource::NewCaseInOwnUnit(c)
            | Resource::HealthData(c)
            | Resource::BreakGlass(c)
            | Resource::Task { citizen: c, .. } => Some(c),
            _ => None,
        }
    }

    pub fn is_citizen_data(self) -> bool {
        self == Resource::CitizenDirectory || self.citizen().is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Allowed, with the purpose recorded in the audit trail.
    Allow(&'static str),
    Deny(Denial),
}

/// Why a request was denied (Danish, shown to the user where that reveals nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// A professional or leader without a relationship to the citizen: may break the glass.
    NoRelationship,
    /// Anything else, with the reason.
    Rule(&'static str),
}

impl Denial {
    pub fn reason(self) -> &'static str {
        match self {
            Denial::NoRelationship => {
                "Du arbejder ikke med borgeren (du er ikke i forløbsteamet, og din enhed har ingen åben sag)."
            }
            Denial::Rule(r) => r,
        }
    }
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }
}

const CARE: &str = "omsorg og sagsbehandling";
const BREAK_GLASS: &str = "brudt glas";

/// Decides whether `actor` may do `action` to `resource`, given the facts about
/// the actor and the resource's citizen (`Facts::default()` when there is none).
pub fn allowed(actor: &Actor, action: Action, resource: Resource, f: &Facts) -> Decision {
    use Decision::{Allow, Deny};
    let deny = |r: &'static str| Deny(Denial::Rule(r));
    let role = actor.role();
    match resource {
        Resource::Administration => match role {
            Role::Administrator => Allow("administration"),
            _ => deny("Kun administratorer kan ændre enheder, brugere og skalaer."),
        },
        Resource::AuditLog => match role {
            Role::Leader | Role::Auditor => Allow("tilsyn"),
            _ => deny("Kun ledere og databeskyttelsesrådgiveren kan se loggen over opslag."),
        },
        Resource::Caseloads | Resource::Statistics | Resource::GrantReview => match role {
            Role::Leader => Allow("ledelse"),
            _ => deny("Kun ledere kan se statistik, sagsbelastning og brudt glas."),
        },
        _ if matches!(role, Role::Administrator | Role::Auditor) => {
            deny("Administratorer og tilsyn har ikke adgang til borgerdata.")
        }
        Resource::Task { assigned: true, .. }
            if role == Role::Volunteer && matches!(action, Action::Read | Action::Update) =>
        {
            Allow("tildelt opgave")
        }
        _ if role == Role::Volunteer => {
            deny("Peer-medarbejdere og frivillige ser kun de opgaver, de har fået tildelt.")
        }
        // Professionals and leaders from here on.
        Resource::CitizenDirectory => match action {
            Action::Search | Action::Create => Allow("opslag i borgerregistret"),
            _ => deny("Handlingen giver ikke mening på borgerregistret."),
        },
        Resource::BreakGlass(_) => match action {
            Action::Create => Allow(BREAK_GLASS),
            _ => deny("Handlingen giver ikke mening her."),
        },
        Resource::NewCaseInOwnUnit(_) if action == Action::Create => Allow(CARE),
        Resource::Task { assigned: true, .. }
            if matches!(action, Action::Read | Action::Update) =>
        {
            Allow("tildelt opgave")
        }
        Resource::Citizen(_)
        | Resource::Case(_)
        | Resource::NewCaseInOwnUnit(_)
        | Resource::HealthData(_)
        | Resource::Task { .. } => {
            let works_with =
                f.on_care_team || (role == Role::Professional && (f.unit_case || f.intake));
            let reading = matches!(action, Action::Read | Action::Search | Action::RevealCpr);
            let purpose = if works_with {
                CARE
            } else if f.break_glass && reading {
                BREAK_GLASS
            } else if f.break_glass {
                return deny("Brudt glas giver kun adgang til at læse.");
            } else {
                return Deny(Denial::NoRelationship);
            };
            if !f.municipal && !f.consent_general && purpose == CARE {
                return deny(
                    "Borgeren har ikke givet samtykke til, at din organisation ser oplysningerne.",
                );
            }
            if let Resource::HealthData(_) = resource
                && !actor.profession.is_health()
                && !f.consent_health
            {
                return deny(
                    "Følsomme helbredsoplysninger ses kun af sundhedsfaglige, medmindre borgeren har givet samtykke.",
                );
            }
            Allow(purpose)
        }
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

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Rel {
        None,
        Team,
        UnitCase,
        Glass,
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Con {
        None,
        General,
        Health,
    }

    fn facts(rel: Rel, con: Con, municipal: bool) -> Facts {
        Facts {
            on_care_team: rel == Rel::Team,
            unit_case: rel == Rel::UnitCase,
            break_glass: rel == Rel::Glass,
            intake: false,
            consent_general: con != Con::None,
            consent_health: con == Con::Health,
            municipal,
        }
    }

    /// The rules written as a decision table (first matching row wins), apart
    /// from the implementation's nested matches: the oracle of the table test.
    fn expected(
        p: Profession,
        action: Action,
        health: bool,
        rel: Rel,
        con: Con,
        municipal: bool,
    ) -> bool {
        let role = p.role();
        let reading = matches!(action, Action::Read | Action::RevealCpr);
        let rows: [(bool, bool); 8] = [
            // (condition, decision)
            (
                matches!(role, Role::Administrator | Role::Auditor | Role::Volunteer),
                false,
            ),
            (rel == Rel::None, false),
            (rel == Rel::UnitCase && role == Role::Leader, false),
            (rel == Rel::Glass && !reading, false),
            (rel != Rel::Glass && !municipal && con == Con::None, false),
            (health && !p.is_health() && con != Con::Health, false),
            (rel == Rel::Glass, true),
            (true, true),
        ];
        rows.iter()
            .find(|(cond, _)| *cond)
            .map(|(_, d)| *d)
            .unwrap_or(false)
    }

    /// 18 professions × 4 actions × 2 sensitivities × 4 relationships × 3
    /// consents × 2 sectors = 3,456 cases, and a hand-written table besides.
    #[test]
    fn policy_table_role_action_relationship_consent_sensitivity() {
        let actions = [
            Action::Read,
            Action::Update,
            Action::Create,
            Action::RevealCpr,
        ];
        let mut n = 0;
        for p in Profession::ALL {
            let a = actor(*p);
            for action in actions {
                for health in [false, true] {
                    for rel in [Rel::None, Rel::Team, Rel::UnitCase, Rel::Glass] {
                        for con in [Con::None, Con::General, Con::Health] {
                            for municipal in [true, false] {
                                let c = CitizenId::new();
                                let r = if health {
                                    Resource::HealthData(c)
                                } else {
                                    Resource::Citizen(c)
                                };
                                let got = allowed(&a, action, r, &facts(rel, con, municipal))
                                    .is_allowed();
                                let want = expected(*p, action, health, rel, con, municipal);
                                assert_eq!(
                                    got, want,
                                    "{p:?} {action:?} health={health} {rel:?} {con:?} municipal={municipal}"
                                );
                                n += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(n >= 200, "{n} cases");
    }

    #[test]
    fn hand_written_cases() {
        let c = CitizenId::new();
        let nurse = actor(Profession::Nurse);
        let social = actor(Profession::SocialWorker);
        let leader = actor(Profession::Leader);
        let volunteer = actor(Profession::Volunteer);
        let admin = actor(Profession::Administrator);
        let dpo = actor(Profession::DataProtectionOfficer);
        let team = facts(Rel::Team, Con::None, true);
        let unit = facts(Rel::UnitCase, Con::None, true);
        let glass = facts(Rel::Glass, Con::None, true);
        let none = Facts {
            municipal: true,
            ..Facts::default()
        };
        let hospital_team = facts(Rel::Team, Con::None, false);
        let hospital_consent = facts(Rel::Team, Con::General, false);
        let team_health_consent = facts(Rel::Team, Con::Health, true);
        let cases: Vec<(&Actor, Action, Resource, &Facts, bool)> = vec![
            (&nurse, Action::Read, Resource::HealthData(c), &team, true),
            (&social, Action::Read, Resource::HealthData(c), &team, false),
            (
                &social,
                Action::Read,
                Resource::HealthData(c),
                &team_health_consent,
                true,
            ),
            (&social, Action::Update, Resource::Citizen(c), &unit, true),
            (&social, Action::Read, Resource::Citizen(c), &none, false),
            (&social, Action::Read, Resource::Citizen(c), &glass, true),
            (&social, Action::Update, Resource::Citizen(c), &glass, false),
            (
                &social,
                Action::Create,
                Resource::NewCaseInOwnUnit(c),
                &none,
                true,
            ),
            (
                &social,
                Action::Create,
                Resource::BreakGlass(c),
                &none,
                true,
            ),
            (&leader, Action::Read, Resource::Citizen(c), &unit, false),
            (&leader, Action::Read, Resource::Citizen(c), &team, true),
            (&leader, Action::Read, Resource::Statistics, &none, true),
            (&social, Action::Read, Resource::Statistics, &none, false),
            (&leader, Action::Read, Resource::GrantReview, &none, true),
            (
                &nurse,
                Action::Read,
                Resource::Citizen(c),
                &hospital_team,
                false,
            ),
            (
                &nurse,
                Action::Read,
                Resource::Citizen(c),
                &hospital_consent,
                true,
            ),
            (
                &volunteer,
                Action::Read,
                Resource::Task {
                    citizen: c,
                    assigned: true,
                },
                &none,
                true,
            ),
            (
                &volunteer,
                Action::Update,
                Resource::Task {
                    citizen: c,
                    assigned: true,
                },
                &none,
                true,
            ),
            (
                &volunteer,
                Action::Read,
                Resource::Task {
                    citizen: c,
                    assigned: false,
                },
                &team,
                false,
            ),
            (&volunteer, Action::Read, Resource::Citizen(c), &team, false),
            (
                &volunteer,
                Action::Search,
                Resource::CitizenDirectory,
                &none,
                false,
            ),
            (&admin, Action::Read, Resource::Citizen(c), &team, false),
            (
                &admin,
                Action::Update,
                Resource::Administration,
                &none,
                true,
            ),
            (&dpo, Action::Read, Resource::AuditLog, &none, true),
            (&dpo, Action::Read, Resource::Citizen(c), &team, false),
            (&leader, Action::Read, Resource::AuditLog, &none, true),
            (&social, Action::Read, Resource::AuditLog, &none, false),
            (
                &social,
                Action::Search,
                Resource::CitizenDirectory,
                &none,
                true,
            ),
            (
                &social,
                Action::RevealCpr,
                Resource::CitizenDirectory,
                &none,
                false,
            ),
        ];
        for (a, action, r, f, want) in cases {
            assert_eq!(
                allowed(a, action, r, f).is_allowed(),
                want,
                "{:?} {action:?} {r:?} {f:?}",
                a.profession
            );
        }
    }

    #[test]
    fn no_relationship_is_its_own_denial_so_the_glass_can_be_offered() {
        let c = CitizenId::new();
        let none = Facts {
            municipal: true,
            ..Facts::default()
        };
        assert_eq!(
            allowed(
                &actor(Profession::SocialWorker),
                Action::Read,
                Resource::Citizen(c),
                &none
            ),
            Decision::Deny(Denial::NoRelationship)
        );
        assert_ne!(
            allowed(
                &actor(Profession::Volunteer),
                Action::Read,
                Resource::Citizen(c),
                &none
            ),
            Decision::Deny(Denial::NoRelationship)
        );
    }
}

// ---------------------------------------------------------------------------
// Journal (issue 6): which entries of a citizen a reader may see.
//
// | class (følsomhed)          | staff                                              | borger (portal, later) |
// |----------------------------|----------------------------------------------------|------------------------|
// | almindelig                 | whoever may read the citizen (`Resource::Citizen`) | ✔                      |
// | følsomme helbredsoplysn.   | … and may read health data (`Resource::HealthData`) | ✔                      |
// | følsomme sociale oplysn.   | whoever may read the citizen                       | ✔                      |
// | tredjemand                 | whoever may read the citizen                       | ✘ never                |
//
// Whoever may not read a class may not write or correct an entry of it either.

use tvaers_domain::journal::Sensitivity;

/// The classes of `citizen`'s journal `actor` may read, given the facts about
/// the two; empty when the actor may not read the citizen at all.
pub fn journal_classes(actor: &Actor, citizen: CitizenId, f: &Facts) -> Vec<Sensitivity> {
    if !allowed(actor, Action::Read, Resource::Citizen(citizen), f).is_allowed() {
        return vec![];
    }
    let health = allowed(actor, Action::Read, Resource::HealthData(citizen), f).is_allowed();
    Sensitivity::ALL
        .iter()
        .copied()
        .filter(|s| *s != Sensitivity::Health || health)
        .collect()
}

/// The policy over every possible [`Facts`] for reading journals: the codes
/// ([`Facts::code`]) whose citizen's entries the actor may read, and those
/// whose sensitive health entries too — [`journal_classes`] for all 128
/// combinations of facts, so a query can apply it to each row it meets
/// without listing the citizens ([`tvaers_store::FactsScope`]). The policy
/// never looks at which citizen it is, only at the facts.
pub fn journal_read_table(actor: &Actor) -> (Vec<u8>, Vec<u8>) {
    let anyone = CitizenId(uuid::Uuid::nil());
    let mut general = Vec::new();
    let mut health = Vec::new();
    for code in 0..Facts::CODES {
        let classes = journal_classes(actor, anyone, &Facts::from_code(code));
        if classes.iter().any(|s| *s != Sensitivity::Health) {
            general.push(code);
        }
        if classes.contains(&Sensitivity::Health) {
            health.push(code);
        }
    }
    (general, health)
}

/// Whether the citizen may see an entry of class `s` in their own journal
/// (the portal arrives later; the rule is here now): never third-party information.
pub fn citizen_may_read_entry(s: Sensitivity) -> bool {
    s != Sensitivity::ThirdParty
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

    fn on_team() -> Facts {
        Facts {
            on_care_team: true,
            municipal: true,
            ..Facts::default()
        }
    }

    const NOT_HEALTH: [Sensitivity; 3] = [
        Sensitivity::Normal,
        Sensitivity::Social,
        Sensitivity::ThirdParty,
    ];

    #[test]
    fn sensitive_health_entries_need_a_health_profession_or_consent() {
        let c = CitizenId::new();
        let nurse = journal_classes(&actor(Profession::Nurse), c, &on_team());
        assert!(nurse.contains(&Sensitivity::Health));
        let social = journal_classes(&actor(Profession::SocialWorker), c, &on_team());
        assert_eq!(social, NOT_HEALTH.to_vec());
        let with_consent = Facts {
            consent_health: true,
            consent_general: true,
            ..on_team()
        };
        let social = journal_classes(&actor(Profession::SocialWorker), c, &with_consent);
        assert!(social.contains(&Sensitivity::Health));
    }

    #[test]
    fn no_relationship_no_classes() {
        let c = CitizenId::new();
        let none = Facts {
            municipal: true,
            ..Facts::default()
        };
        for p in Profession::ALL {
            assert!(journal_classes(&actor(*p), c, &none).is_empty(), "{p:?}");
        }
    }

    #[test]
    fn volunteers_administrators_and_the_dpo_read_no_journal() {
        let c = CitizenId::new();
        for p in [
            Profession::Volunteer,
            Profession::PeerWorker,
            Profession::Administrator,
            Profession::DataProtectionOfficer,
        ] {
            assert!(
                journal_classes(&actor(p), c, &on_team()).is_empty(),
                "{p:?}"
            );
        }
    }

    #[test]
    fn working_professionals_read_normal_social_and_third_party_entries() {
        let c = CitizenId::new();
        for p in Profession::ALL
            .iter()
            .filter(|p| matches!(p.role(), Role::Professional | Role::Leader))
        {
            let got = journal_classes(&actor(*p), c, &on_team());
            for s in NOT_HEALTH {
                assert!(got.contains(&s), "{p:?} {s:?}");
            }
        }
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
