//! Demo plans: one active plan for most citizens with an open case, as a
//! municipality would have them after a first network meeting.
//!
//! Pure and deterministic like [`super::data`]: everything a plan says is drawn
//! from a generator keyed by the seed and the citizen's CPR number, and dates
//! are counted from an anchor day (the day the data set is made, so the next
//! meeting lies ahead). Same seed, same anchor, same citizens → same plans;
//! only the generated ids differ, as they do for citizens.
//!
//! Each plan has the citizen's wishes in their own words, an overall goal,
//! 2–4 goals on FSIII areas with a scale (each measured at the meeting and
//! every five to nine weeks since, so the page has a trend), 1–2 interventions delivered by the
//! case's unit or a staff member, a care team whose one coordinator comes from
//! the staff of the units working the citizen's open cases, a held network
//! meeting with 2–3 agreed action goals (and tasks for the staff and teams who
//! own them), and the next meeting, planned. Two versions: opened, then filled in
//! after the meeting.

use fastrand::Rng;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};
use tvaers_domain::case::{Case, CaseArea};
use tvaers_domain::citizen::Citizen;
use tvaers_domain::ids::{
    ActionGoalId, GoalId, InterventionId, MeasurementId, MeetingId, PlanId, StaffId, TaskId, UnitId,
};
use tvaers_domain::measure::{Assessor, Measurement, Reading};
use tvaers_domain::meeting::{
    ActionGoal, Attendee, Meeting, MeetingKind, MeetingStatus, Owner, Task, TaskStatus,
};
use tvaers_domain::plan::{
    AreaCode, Deliverer, Goal, GoalStatus, Intervention, InterventionStatus, Plan, PlanContent,
    PlanStatus, PlanVersion, TeamMember, Wishes, WishesAuthor,
};
use tvaers_domain::scale::Scale;
use tvaers_domain::staff::Staff;
use tvaers_store::PlanImport;

use super::DemoStructure;
use super::data::mix;

const PLAN_SALT: u64 = 0x70_6c_61_6e_65_72_21_21;

/// Per cent of citizens with an open case who have a plan.
const PLAN_SHARE: u8 = 70;

/// Which kind of life the plan is about; picks the texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    Child,
    Adult,
    Elderly,
}

/// A goal template: text, area, scale and how baseline and target are drawn.
struct GoalDef {
    text: &'static str,
    area: (&'static str, &'static str, &'static str),
    scale: ScaleDef,
}

#[derive(Clone, Copy)]
enum ScaleDef {
    /// FSIII: baseline 2–4, target one or two better.
    Fsiii,
    /// GAS: baseline −2 or −1, target 0 or +1.
    Gas,
    /// A number: unit, higher is better, baseline range, change towards the target.
    Numeric(&'static str, bool, (u16, u16), u16),
}

const fn fsiii(
    code: &'static str,
    display: &'static str,
) -> (&'static str, &'static str, &'static str) {
    ("fsiii", code, display)
}

const fn free(
    code: &'static str,
    display: &'static str,
) -> (&'static str, &'static str, &'static str) {
    ("free", code, display)
}

const ELDERLY_GOALS: &[GoalDef] = &[
    GoalDef {
        text: "Gå selv til købmanden med rollator",
        area: fsiii("J3.8", "Gå"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Gå en tur rundt om blokken hver dag",
        area: fsiii("J3.9", "Udholdenhed"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Gå på trappen til første sal uden hjælp",
        area: fsiii("J3.8", "Gå"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Klare bad selv med lidt støtte",
        area: fsiii("J1.1", "Vaske sig"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Tage tøj på selv om morgenen",
        area: fsiii("J1.3", "Af- og påklædning"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Lave min egen morgenmad og frokost",
        area: fsiii("J2.2", "Lave mad"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Tage min medicin selv til rette tid",
        area: fsiii("J1.7", "Varetage egen sundhed"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Komme ind og ud af sengen selv",
        area: fsiii("J3.5", "Forflytte sig"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Handle ind selv en gang om ugen",
        area: fsiii("J2.4", "Skaffe sig varer og tjenesteydelser"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Holde min lejlighed ren med lidt hjælp",
        area: fsiii("J2.1", "Lave husligt arbejde"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Tage på i vægt, så jeg får kræfterne igen",
        area: fsiii("J1.5", "Fødeindtagelse"),
        scale: ScaleDef::Numeric("kg", true, (48, 62), 3),
    },
    GoalDef {
        text: "Komme til seniorklubben hver torsdag",
        area: fsiii("J4.6", "Energi og handlekraft"),
        scale: ScaleDef::Gas,
    },
    GoalDef {
        text: "Huske aftaler ved hjælp af kalenderen på køleskabet",
        area: fsiii("J4.2", "Hukommelse"),
        scale: ScaleDef::Gas,
    },
];

const ADULT_GOALS: &[GoalDef] = &[
    GoalDef {
        text: "Være i praktik flere timer om ugen",
        area: fsiii("J5.1", "Have lønnet beskæftigelse"),
        scale: ScaleDef::Numeric("timer pr. uge", true, (0, 8), 10),
    },
    GoalDef {
        text: "Komme i job eller uddannelse",
        area: fsiii("J5.1", "Have lønnet beskæftigelse"),
        scale: ScaleDef::Gas,
    },
    GoalDef {
        text: "Have færre dage, hvor angsten bestemmer",
        area: fsiii("J4.5", "Følelsesfunktioner"),
        scale: ScaleDef::Gas,
    },
    GoalDef {
        text: "Komme op og i gang hver morgen",
        area: fsiii("J4.6", "Energi og handlekraft"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Holde styr på min økonomi og min post",
        area: fsiii("J2.3", "Udføre daglige rutiner"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Tage bussen alene til byen",
        area: fsiii("J3.3", "Bruge transportmidler"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Lave varm mad mindst fire dage om ugen",
        area: fsiii("J2.2", "Lave mad"),
        scale: ScaleDef::Fsiii,
    },
    GoalDef {
        text: "Sove mere om natten",
        area: fsiii("J1.7", "Varetage egen sundhed"),
        scale: ScaleDef::Numeric("timer pr. nat", true, (3, 6), 2),
    },
    GoalDef {
        text: "Klare møder med kommunen uden at gå i stå",
        area: fsiii("J4.8", "Problemløsning"),
        scale: ScaleDef::Gas,
    },
    GoalDef {
        text: "Lære at bruge MitID og e-Boks selv",
        area: fsiii("J4.7", "Tilegne sig færdigheder"),
        scale: ScaleDef::Fsiii,
    },
];

const CHILD_GOALS: &[GoalDef] = &[
    GoalDef {
        text: "Komme i skole hver dag",
        area: free("skole", "Skolegang"),
        scale: ScaleDef::Numeric("fraværsdage pr. måned", false, (5, 12), 4),
    },
    GoalDef {
        text: "Have en god morgen derhjemme med faste rutiner",
        area: free("familie", "Familieliv"),
        scale: ScaleDef::Gas,
    },
    GoalDef {
        text: "Have en fritidsaktivitet og en ven at være sammen med",
        area: free("venner", "Venskaber og fritid"),
        scale: ScaleDef::Gas,
    },
    GoalDef {
        text: "Sove i egen seng hele natten",
        area: free("trivsel", "Trivsel"),
        scale: ScaleDef::Numeric("nætter pr. uge", true, (1, 4), 3),
    },
    GoalDef {
        text: "Sige til en voksen, når noget er svært",
        area: free("trivsel", "Trivsel"),
        scale: ScaleDef::Gas,
    },
    GoalDef {
        text: "Læse en bog selv",
        area: free("skole", "Skolegang"),
        scale: ScaleDef::Gas,
    },
];

const ELDERLY_WISHES: &[&str] = &[
    "Jeg vil gerne blive boende i mit eget hjem så længe som muligt.",
    "Jeg drømmer om at kunne gå ned til havnen igen og se på bådene.",
    "Jeg vil gerne kunne lave min egen mad og have gæster til kaffe.",
    "Jeg savner at komme i kirke om søndagen.",
    "Jeg vil gerne passe mine blomster i haven igen.",
    "Jeg vil kunne besøge mine børnebørn uden at være bange for at falde.",
    "Jeg vil ikke ligge nogen til last.",
    "Jeg vil gerne klare mig selv om morgenen, før hjemmeplejen kommer.",
];

const ADULT_WISHES: &[&str] = &[
    "Jeg vil gerne have et arbejde, hvor jeg kan bruge mine hænder.",
    "Jeg drømmer om min egen lejlighed.",
    "Jeg vil have mere overskud til mine børn.",
    "Jeg vil gerne kunne tage toget til min søster i Aarhus.",
    "Jeg vil ikke være bange for at gå ud blandt andre mennesker.",
    "Jeg vil gerne tage kørekort.",
    "Jeg vil have en hverdag, hvor jeg ikke skal fortælle min historie forfra hver gang.",
    "Jeg vil gerne tilbage på arbejdsmarkedet, bare nogle timer om ugen til at starte med.",
];

const CHILD_WISHES: &[&str] = &[
    "Jeg vil gerne have en ven i klassen.",
    "Jeg vil gerne spille fodbold igen.",
    "Jeg vil have, at der er mindre råberi derhjemme.",
    "Jeg vil gerne kunne læse Harry Potter selv.",
    "Jeg vil gerne sove hos mormor i weekenden.",
    "Jeg vil ikke have ondt i maven, når jeg skal i skole.",
];

/// (intervention, frequency) per case area.
fn interventions_for(area: CaseArea) -> &'static [(&'static str, &'static str)] {
    match area {
        CaseArea::HomeCare => &[
            (
                "Hjælp til personlig pleje morgen og aften",
                "2 gange dagligt",
            ),
            ("Praktisk hjælp til rengøring", "hver 14. dag"),
            ("Hjælp til indkøb og tøjvask", "1 gang om ugen"),
        ],
        CaseArea::Rehabilitation => &[
            ("Genoptræning af gangfunktion", "2 gange om ugen"),
            ("Hverdagsrehabilitering i eget hjem", "3 gange om ugen"),
        ],
        CaseArea::Nursing => &[
            ("Medicindispensering og observation", "1 gang om ugen"),
            ("Sårpleje", "2 gange om ugen"),
        ],
        CaseArea::ChildrenFamily => &[
            ("Familiebehandling i hjemmet", "1 gang om ugen"),
            ("Fast kontaktperson for barnet", "2 timer om ugen"),
        ],
        CaseArea::AdultDisability => &[
            ("Socialpædagogisk støtte i eget hjem", "3 timer om ugen"),
            (
                "Støtte til at komme ud og være sammen med andre",
                "1 gang om ugen",
            ),
        ],
        CaseArea::Psychiatry => &[
            ("Bostøtte og samtaler", "2 gange om ugen"),
            ("Gruppeforløb om angst", "1 gang om ugen i 10 uger"),
        ],
        CaseArea::Employment => &[
            ("Virksomhedspraktik", "15 timer om ugen"),
            ("Mentorstøtte", "1 gang om ugen"),
        ],
        CaseArea::Hospital => &[(
            "Koordinering af udskrivelse med kommunen",
            "ved udskrivelse",
        )],
    }
}

/// Action goals agreed at the meeting; `{}` is replaced by the citizen's given name.
const ACTION_GOALS: &[(Life, &str, Who)] = &[
    (
        Life::Elderly,
        "Bestille en rollator og vise {} hvordan den bruges",
        Who::Staff,
    ),
    (
        Life::Elderly,
        "Gå en tur på ti minutter hver dag",
        Who::Citizen,
    ),
    (
        Life::Elderly,
        "Aftale faste tider for træning i hjemmet",
        Who::Team,
    ),
    (
        Life::Elderly,
        "Gennemgå medicinen med egen læge",
        Who::Staff,
    ),
    (
        Life::Elderly,
        "Ringe til {} to gange om ugen",
        Who::Relative,
    ),
    (Life::Elderly, "Sætte gelænder op ved trappen", Who::Team),
    (
        Life::Adult,
        "Finde en praktikplads tæt på bopælen",
        Who::Staff,
    ),
    (
        Life::Adult,
        "Skrive tre ting ned, der gik godt, hver aften",
        Who::Citizen,
    ),
    (Life::Adult, "Booke tid hos psykolog", Who::Staff),
    (
        Life::Adult,
        "Lave en ugeplan sammen med bostøtten",
        Who::Team,
    ),
    (
        Life::Adult,
        "Tage med {} til det første møde på praktikstedet",
        Who::Relative,
    ),
    (
        Life::Child,
        "Holde møde med skolen om en plan for fraværet",
        Who::Staff,
    ),
    (
        Life::Child,
        "Finde en fritidsaktivitet, som {} har lyst til",
        Who::Relative,
    ),
    (
        Life::Child,
        "Lave et fast morgenskema på køleskabet",
        Who::Citizen,
    ),
    (Life::Child, "Starte familiebehandling i hjemmet", Who::Team),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Staff,
    Team,
    Citizen,
    Relative,
}

const MINUTES: &[&str] = &[
    "{} fortalte, hvad der fylder mest lige nu, og hvad der er gået godt siden sidst.",
    "Vi talte om, hvad {} selv kan klare, og hvor der er brug for hjælp.",
    "{} vil gerne have færre forskellige medarbejdere i hjemmet.",
    "Alle var enige om at starte i det små og følge op på næste møde.",
    "Pårørende oplever, at det går bedre, men at aftenerne stadig er svære.",
    "Vi aftalte, at tovholderen samler op og sender planen til {}.",
];

/// The demo plan of one citizen, or `None` when the citizen has no open case or
/// is one of those without a plan. `cases` are the citizen's cases.
pub fn plan_for(
    structure: &DemoStructure,
    seed: u64,
    today: Date,
    citizen: &Citizen,
    cases: &[Case],
) -> Option<PlanImport> {
    let key = citizen.cpr.digits().parse::<u64>().unwrap_or(0);
    let mut r = Rng::with_seed(mix(seed ^ PLAN_SALT, key));
    let mut open: Vec<&Case> = cases.iter().filter(|c| c.closed_on.is_none()).collect();
    if open.is_empty() || r.u8(0..100) >= PLAN_SHARE {
        return None;
    }
    // Store order ties on random ids; sort by what the data says.
    open.sort_by_key(|c| (c.opened_on, c.area.code()));
    let age = citizen.age_on(today);
    let life = if age < 18 {
        Life::Child
    } else if age < 65 {
        Life::Adult
    } else {
        Life::Elderly
    };

    // The care team: the case workers of the open cases and colleagues from the
    // units working them; the coordinator is the worker of the oldest open case.
    let mut units: Vec<UnitId> = Vec::new();
    for c in &open {
        if !units.contains(&c.responsible_unit_id) {
            units.push(c.responsible_unit_id);
        }
    }
    let pool: Vec<&Staff> = structure.workers_of_units(&units);
    let staff = |id: StaffId| structure.staff.iter().find(|s| s.id == id && s.active);
    let coordinator = open
        .iter()
        .filter_map(|c| c.case_worker_id.and_then(staff))
        .next()
        .or_else(|| pick(&mut r, &pool))?;
    let mut team_staff: Vec<&Staff> = vec![coordinator];
    for c in &open {
        if let Some(s) = c.case_worker_id.and_then(staff)
            && !team_staff.iter().any(|t| t.id == s.id)
        {
            team_staff.push(s);
        }
    }
    for _ in 0..r.usize(0..=2) {
        if let Some(s) = pick(&mut r, &pool)
            && team_staff.len() < 4
            && !team_staff.iter().any(|t| t.id == s.id)
        {
            team_staff.push(s);
        }
    }
    let relative = (!citizen.relatives.is_empty() && r.u8(0..100) < 55)
        .then(|| &citizen.relatives[r.usize(0..citizen.relatives.len())]);

    // Dates: opened 2–14 months ago, first meeting 1–4 weeks later, the next ahead.
    let opened_on = today - Duration::days(i64::from(r.u16(60..420)));
    let held_on = opened_on + Duration::days(i64::from(r.u16(7..30)));
    let next_on = today + Duration::days(i64::from(r.u16(3..75)));
    let opened_at = local(opened_on, 9 + r.u8(0..6), 15 * r.u8(0..4));
    let held_at = local(held_on, pick_copy(&mut r, &[9, 10, 13]), 0);
    let next_at = local(
        next_on,
        pick_copy(&mut r, &[9, 10, 11, 13, 14]),
        30 * r.u8(0..2),
    );
    let filled_at = held_at + Duration::minutes(i64::from(90 + r.u16(0..240)));

    let given = citizen.given_name.clone();
    let overall_goal = match life {
        Life::Child => format!("At {given} trives i skolen og i familien."),
        Life::Adult => pick_copy(
            &mut r,
            &[
                "At {} får en mere stabil hverdag og kommer i gang med praktik.",
                "At {} kan bo i egen bolig og klare hverdagen med mindre støtte.",
                "At {} får overskud til familien og til at være sammen med andre.",
            ],
        )
        .replace("{}", &given),
        Life::Elderly => pick_copy(
            &mut r,
            &[
                "At {} kan blive i eget hjem og klare de daglige gøremål med mindst mulig hjælp.",
                "At {} genvinder kræfterne efter indlæggelsen og kan gå ture igen.",
                "At {} kan klare personlig pleje selv og bevare kontakten til familien.",
            ],
        )
        .replace("{}", &given),
    };

    let mut content = PlanContent::new(coordinator.id, overall_goal);
    let first_content = content.clone();
    let wishes_pool = match life {
        Life::Child => CHILD_WISHES,
        Life::Adult => ADULT_WISHES,
        Life::Elderly => ELDERLY_WISHES,
    };
    let mut wishes = pick_copy(&mut r, wishes_pool).to_string();
    if r.bool() {
        let more = pick_copy(&mut r, wishes_pool);
        if !wishes.contains(more) {
            wishes = format!("{wishes} {more}");
        }
    }
    let on_behalf = match life {
        Life::Child => age < 10 || r.u8(0..100) < 30,
        Life::Elderly => age >= 90 || r.u8(0..100) < 15,
        Life::Adult => r.u8(0..100) < 10,
    };
    content.wishes = Some(Wishes {
        text: wishes,
        author: if on_behalf {
            WishesAuthor::OnBehalf {
                staff_id: coordinator.id,
                staff_name: coordinator.full_name.clone(),
            }
        } else {
            WishesAuthor::Citizen
        },
    });
    for s in team_staff.iter().skip(1) {
        content.team.push(TeamMember::Staff {
            staff_id: s.id,
            role: s.profession.label().to_string(),
        });
    }
    if let Some(rel) = relative {
        content.team.push(TeamMember::Relative {
            name: rel.name.clone(),
            relation: rel.relation.clone(),
        });
    }
    if life == Life::Elderly && r.u8(0..100) < 25 {
        content.team.push(TeamMember::External {
            name: format!("Lægehuset {}", citizen.city.as_deref().unwrap_or("Midtby")),
            organisation: "Almen praksis".into(),
            role: "Egen læge".into(),
        });
    }

    let goal_pool = match life {
        Life::Child => CHILD_GOALS,
        Life::Adult => ADULT_GOALS,
        Life::Elderly => ELDERLY_GOALS,
    };
    let n_goals = r.usize(2..=4);
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < n_goals.min(goal_pool.len()) {
        let i = r.usize(0..goal_pool.len());
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    for i in chosen {
        let def = &goal_pool[i];
        let (scale, baseline, target) = match def.scale {
            ScaleDef::Fsiii => {
                let b = r.u8(2..=4);
                let t = b.saturating_sub(r.u8(1..=2));
                (Scale::Fsiii, f64::from(b), f64::from(t))
            }
            ScaleDef::Gas => (Scale::Gas, f64::from(-r.i8(1..=2)), f64::from(r.i8(0..=1))),
            ScaleDef::Numeric(unit, higher, (lo, hi), step) => {
                let b = r.u16(lo..=hi);
                let t = if higher {
                    b + step
                } else {
                    b.saturating_sub(step)
                };
                (
                    Scale::Numeric {
                        unit: unit.into(),
                        higher_is_better: higher,
                    },
                    f64::from(b),
                    f64::from(t),
                )
            }
        };
        let workers = pick(&mut r, &team_staff)
            .map(|s| vec![s.id])
            .unwrap_or_default();
        content.goals.push(Goal {
            id: GoalId::new(),
            text: def.text.into(),
            area: Some(AreaCode {
                system: def.area.0.into(),
                code: def.area.1.into(),
                display: def.area.2.into(),
            }),
            scale,
            baseline: Some(baseline),
            target: Some(target),
            deadline: Some(next_on + Duration::days(i64::from(r.u16(30..240)))),
            status: GoalStatus::Active,
            workers,
        });
    }

    let n_interventions = r.usize(1..=2).min(open.len() + 1);
    for k in 0..n_interventions {
        let case = open[k % open.len()];
        let options = interventions_for(case.area);
        let (what, frequency) = options[(k + r.usize(0..options.len())) % options.len()];
        if content.interventions.iter().any(|i| i.what == what) {
            continue;
        }
        let deliverer = match case.case_worker_id.and_then(staff) {
            Some(s) if r.bool() => Deliverer::Staff { staff_id: s.id },
            _ => Deliverer::Unit {
                unit_id: case.responsible_unit_id,
            },
        };
        let goal = &content.goals[r.usize(0..content.goals.len())];
        let start = held_on.max(case.opened_on);
        content.interventions.push(Intervention {
            id: InterventionId::new(),
            what: what.into(),
            deliverer,
            goal_ids: vec![goal.id],
            start: Some(start),
            // An active intervention runs at least until after the next meeting.
            end: r
                .bool()
                .then(|| next_on + Duration::days(i64::from(r.u16(30..365)))),
            frequency: Some(frequency.into()),
            legal_basis: Some(case.legal_basis.clone()),
            status: InterventionStatus::Active,
        });
    }
    content.meeting_cadence =
        Some(pick_copy(&mut r, &["hver 6. uge", "hver 3. måned", "hver 6. måned"]).into());
    content.review_on = Some(if r.u8(0..100) < 15 {
        today - Duration::days(i64::from(r.u16(1..30)))
    } else {
        next_on
    });

    // The meetings: the held network meeting and the next one.
    let mut attendees = vec![Attendee::Citizen];
    attendees.extend(
        team_staff
            .iter()
            .map(|s| Attendee::Staff { staff_id: s.id }),
    );
    if let Some(rel) = relative {
        attendees.push(Attendee::Relative {
            name: rel.name.clone(),
        });
    }
    let location = match life {
        Life::Child => pick_copy(
            &mut r,
            &["Familiens hjem", "Skolen, mødelokalet", "Familiehuset"],
        ),
        Life::Adult => pick_copy(
            &mut r,
            &[
                "Jobcentret, mødelokale 3",
                "Borgerens hjem",
                "Borgerservice",
            ],
        ),
        Life::Elderly => pick_copy(&mut r, &["Borgerens hjem", "Sundhedshuset, mødelokale 2"]),
    };
    let plan_id = PlanId::new();
    let mut minutes: Vec<String> = Vec::new();
    for _ in 0..r.usize(2..=3) {
        let line = pick_copy(&mut r, MINUTES).replace("{}", &given);
        if !minutes.contains(&line) {
            minutes.push(line);
        }
    }
    let held = Meeting {
        id: MeetingId::new(),
        citizen_id: citizen.id,
        plan_id: Some(plan_id),
        kind: pick_copy(
            &mut r,
            &[
                MeetingKind::Network,
                MeetingKind::Network,
                MeetingKind::CrossDisciplinary,
                MeetingKind::Visitation,
            ],
        ),
        starts_at: held_at,
        location: location.into(),
        attendees: attendees.clone(),
        agenda: "Ønsker og drømme, mål for forløbet og hvem gør hvad".into(),
        minutes: minutes.join("\n"),
        status: MeetingStatus::Held,
        previous_meeting_id: None,
    };
    let next = Meeting {
        id: MeetingId::new(),
        citizen_id: citizen.id,
        plan_id: Some(plan_id),
        kind: MeetingKind::FollowUp,
        starts_at: next_at,
        location: location.into(),
        attendees,
        agenda: "Opfølgning på aftalte indsatsmål".into(),
        minutes: String::new(),
        status: MeetingStatus::Planned,
        previous_meeting_id: Some(held.id),
    };

    let measurements = measurements_for(&mut r, &content, &team_staff, &held, today);

    let candidates: Vec<&(Life, &str, Who)> = ACTION_GOALS
        .iter()
        .filter(|(l, _, who)| *l == life && (*who != Who::Relative || relative.is_some()))
        .collect();
    let mut action_goals: Vec<ActionGoal> = Vec::new();
    let n_action = r.usize(2..=3);
    let mut used: Vec<usize> = Vec::new();
    while action_goals.len() < n_action && used.len() < candidates.len() {
        let i = r.usize(0..candidates.len());
        if used.contains(&i) {
            continue;
        }
        used.push(i);
        let (_, text, who) = candidates[i];
        let owner = match who {
            Who::Staff => match pick(&mut r, &team_staff) {
                Some(s) => Owner::Staff { staff_id: s.id },
                None => Owner::Citizen,
            },
            Who::Team => Owner::Team {
                unit_id: units[r.usize(0..units.len())],
            },
            Who::Citizen => Owner::Citizen,
            Who::Relative => match relative {
                Some(rel) => Owner::Relative {
                    name: rel.name.clone(),
                },
                None => Owner::Citizen,
            },
        };
        action_goals.push(ActionGoal {
            id: ActionGoalId::new(),
            meeting_id: held.id,
            text: text.replace("{}", &given),
            owner,
            due: held_on + Duration::days(i64::from(r.u16(14..60))),
            review: None,
        });
    }
    // As closing a meeting does: a task for every action goal a staff member or team owns.
    let tasks = action_goals
        .iter()
        .filter(|g| matches!(g.owner, Owner::Staff { .. } | Owner::Team { .. }))
        .map(|g| Task {
            id: TaskId::new(),
            citizen_id: citizen.id,
            title: g.text.clone(),
            owner: g.owner.clone(),
            due: Some(g.due),
            // About half of the overdue ones are done; the next meeting reviews the rest.
            status: if g.due < today && r.bool() {
                TaskStatus::Done
            } else {
                TaskStatus::Open
            },
            action_goal_id: Some(g.id),
        })
        .collect();

    let version = |n: i64, at: OffsetDateTime, reason: &str, content: &PlanContent| PlanVersion {
        plan_id,
        version: n,
        author_id: Some(coordinator.id),
        author_name: coordinator.full_name.clone(),
        at,
        reason: reason.into(),
        status: PlanStatus::Active,
        content: content.clone(),
    };
    let versions = vec![
        version(1, opened_at, "Plan oprettet", &first_content),
        version(2, filled_at, "Plan udfyldt efter netværksmødet", &content),
    ];
    Some(PlanImport {
        plan: Plan {
            id: plan_id,
            citizen_id: citizen.id,
            status: PlanStatus::Active,
            version: 2,
            content,
            created_at: opened_at,
            updated_at: filled_at,
        },
        versions,
        meetings: vec![held, next],
        action_goals,
        tasks,
        measurements,
    })
}

/// Every goal measured at the network meeting (its baseline) and then about
/// every five to nine weeks since (as follow-up visits and reviews do), moving
/// towards the target with the odd step back: the goal's trend on the page and
/// some sixteen measurements per plan for the statistics. One follow-up in 40 was
/// typed wrong and corrected the same day, so corrections are part of the data.
fn measurements_for(
    r: &mut Rng,
    content: &PlanContent,
    team: &[&Staff],
    held: &Meeting,
    today: Date,
) -> Vec<Measurement> {
    let held_on = held.starts_at.date();
    let days = (today - held_on).whole_days().max(2);
    let mut out = Vec::new();
    for g in &content.goals {
        let (Some(baseline), Some(target)) = (g.baseline, g.target) else {
            continue;
        };
        let assessor = g
            .workers
            .first()
            .and_then(|id| team.iter().find(|s| s.id == *id))
            .or_else(|| team.first())
            .copied();
        // About one follow-up per five to nine weeks; a plan made lately may have
        // none yet.
        let follow_ups = usize::try_from(days / r.i64(35..=63)).unwrap_or(0).min(12);
        let mut progress = 0.0f64;
        for k in 0..=follow_ups {
            let (measured_at, meeting_id) = if k == 0 {
                (held.starts_at, Some(held.id))
            } else {
                let day = held_on + Duration::days(days * k as i64 / (follow_ups as i64 + 1));
                (local(day, 9 + r.u8(0..6), 15 * r.u8(0..4)), None)
            };
            if k > 0 {
                // Mostly forward, sometimes a step back.
                progress = (progress + f64::from(r.u8(0..=50)) / 100.0 - 0.1).clamp(0.0, 1.0);
            }
            let raw = baseline + (target - baseline) * progress;
            let reading = match g.scale {
                Scale::Fsiii => Reading::Functional {
                    current: Some(raw.round().clamp(0.0, 4.0) as u8),
                    expected: Some(target.round().clamp(0.0, 4.0) as u8),
                },
                Scale::Gas => Reading::Level { value: raw.round() },
                _ => Reading::Level {
                    value: (raw * 10.0).round() / 10.0,
                },
            };
            let m = Measurement {
                id: MeasurementId::new(),
                citizen_id: held.citizen_id,
                plan_id: held.plan_id,
                goal_id: Some(g.id),
                area: g.area.clone(),
                scale: g.scale.clone(),
                reading,
                measured_at,
                recorded_at: measured_at + Duration::minutes(i64::from(20 + r.u16(0..240))),
                assessor: match assessor {
                    Some(s) => Assessor::Staff {
                        staff_id: s.id,
                        name: s.full_name.clone(),
                    },
                    None => Assessor::Citizen,
                },
                recorded_by: assessor.map(|s| s.id),
                note: if k == 0 {
                    "Udgangspunkt målt på netværksmødet".into()
                } else {
                    String::new()
                },
                meeting_id,
                supersedes: None,
                correction_reason: None,
            };
            if k > 0 && r.u8(0..40) == 0 {
                // Typed one step off, corrected an hour later with the right value.
                let wrong = match &m.reading {
                    Reading::Functional { current, expected } => Reading::Functional {
                        current: current.map(|c| if c < 4 { c + 1 } else { c - 1 }),
                        expected: *expected,
                    },
                    Reading::Level { value } if g.scale == Scale::Gas => Reading::Level {
                        value: if *value < 2.0 {
                            value + 1.0
                        } else {
                            value - 1.0
                        },
                    },
                    other => other.clone(),
                };
                let typo = Measurement {
                    id: MeasurementId::new(),
                    reading: wrong,
                    ..m.clone()
                };
                let fix = Measurement {
                    id: MeasurementId::new(),
                    recorded_at: m.recorded_at + Duration::hours(1),
                    note: String::new(),
                    supersedes: Some(typo.id),
                    correction_reason: Some("Forkert værdi tastet".into()),
                    ..m
                };
                out.push(typo);
                out.push(fix);
            } else {
                out.push(m);
            }
        }
    }
    out
}

/// The anchor day for a data set made now (UTC date).
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Danish local time on `day`, stored as UTC like the meeting forms do.
fn local(day: Date, hour: u8, minute: u8) -> OffsetDateTime {
    let t = Time::from_hms(hour.min(23), minute.min(59), 0).unwrap_or(Time::MIDNIGHT);
    PrimitiveDateTime::new(day, t)
        .assume_offset(crate::meetings::copenhagen_offset(day))
        .to_offset(time::UtcOffset::UTC)
}

fn pick<'a, T>(r: &mut Rng, items: &[&'a T]) -> Option<&'a T> {
    (!items.is_empty()).then(|| items[r.usize(0..items.len())])
}

fn pick_copy<T: Copy>(r: &mut Rng, items: &[T]) -> T {
    items[r.usize(0..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use tvaers_domain::ValidationErrors;
    use tvaers_domain::ids::CitizenId;
    use tvaers_domain::meeting::validate_action_goal;

    const TODAY: Date = date!(2026 - 11 - 23);

    fn demo_citizen(seed: u64, i: u64) -> Citizen {
        let d = super::super::data::citizen(seed, i);
        Citizen::from_data(CitizenId::new(), d)
    }

    /// Everything a plan says, without the generated ids.
    fn fingerprint(p: &PlanImport) -> String {
        let c = &p.plan.content;
        let goals: Vec<String> = c
            .goals
            .iter()
            .map(|g| {
                format!(
                    "{}|{:?}|{:?}|{:?}|{:?}",
                    g.text, g.scale, g.baseline, g.target, g.deadline
                )
            })
            .collect();
        let interventions: Vec<String> = c
            .interventions
            .iter()
            .map(|i| format!("{}|{:?}|{:?}|{:?}", i.what, i.start, i.end, i.frequency))
            .collect();
        let meetings: Vec<String> = p
            .meetings
            .iter()
            .map(|m| {
                format!(
                    "{}|{}|{}|{}",
                    m.starts_at,
                    m.location,
                    m.minutes,
                    m.attendees.len()
                )
            })
            .collect();
        let measured: Vec<String> = p
            .measurements
            .iter()
            .map(|m| format!("{:?}|{}", m.reading, m.measured_at))
            .collect();
        let actions: Vec<String> = p
            .action_goals
            .iter()
            .map(|g| format!("{}|{}", g.text, g.due))
            .collect();
        format!(
            "{:?}|{}|{:?}|{:?}|{:?}|{goals:?}|{interventions:?}|{meetings:?}|{actions:?}|{measured:?}|{}|{}",
            c.wishes.as_ref().map(|w| &w.text),
            c.overall_goal,
            c.team.len(),
            c.review_on,
            c.meeting_cadence,
            p.tasks.len(),
            p.plan.created_at,
        )
    }

    #[test]
    fn most_citizens_with_an_open_case_get_a_plan_that_keeps_every_rule() {
        let (_, structure) = super::super::new_structure(42);
        let n = 3000u64;
        let mut with_plan = 0;
        for i in 0..n {
            let c = demo_citizen(42, i);
            let cases = super::super::cases_for(&structure, 42, i, &c);
            let Some(p) = plan_for(&structure, 42, TODAY, &c, &cases) else {
                continue;
            };
            with_plan += 1;
            let content = &p.plan.content;
            assert!(content.validate().is_ok(), "{:?}", content.validate());
            // Exactly one coordinator, on the team, from a unit working an open case.
            let units: Vec<UnitId> = cases
                .iter()
                .filter(|k| k.closed_on.is_none())
                .map(|k| k.responsible_unit_id)
                .collect();
            let coordinator = structure.staff.iter().find(|s| s.id == content.coordinator);
            assert!(coordinator.is_some_and(|s| s.unit_ids.iter().any(|u| units.contains(u))));
            assert!(content.has_staff(content.coordinator));
            assert!((2..=4).contains(&content.goals.len()));
            assert!(
                content
                    .goals
                    .iter()
                    .all(|g| g.area.is_some() && g.baseline.is_some())
            );
            assert!((1..=2).contains(&content.interventions.len()));
            assert!(
                content
                    .interventions
                    .iter()
                    .all(|i| i.end.is_none_or(|e| e > TODAY))
            );
            assert!(content.wishes.is_some() && !content.overall_goal.is_empty());
            // Versions: opened, then filled in; the plan is the last one.
            assert_eq!(
                p.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
                vec![1, 2]
            );
            assert_eq!(p.versions[1].content, p.plan.content);
            assert!(p.versions[0].content.has_staff(content.coordinator));
            // A held meeting behind us and the next one ahead, reviewing it.
            let [held, next] = &p.meetings[..] else {
                panic!("two meetings")
            };
            assert_eq!(held.status, MeetingStatus::Held);
            assert!(held.starts_at.date() < TODAY);
            assert_eq!(next.status, MeetingStatus::Planned);
            assert!(next.starts_at.date() > TODAY);
            assert_eq!(next.previous_meeting_id, Some(held.id));
            assert!((2..=3).contains(&p.action_goals.len()));
            let mut e = ValidationErrors::new();
            for g in &p.action_goals {
                assert_eq!(g.meeting_id, held.id);
                validate_action_goal(&g.text, Some(g.due), held.starts_at.date(), &mut e);
            }
            assert!(e.is_empty(), "{e:?}");
            let owned = p
                .action_goals
                .iter()
                .filter(|g| matches!(g.owner, Owner::Staff { .. } | Owner::Team { .. }))
                .count();
            assert_eq!(p.tasks.len(), owned);
            // Every goal measured at the meeting, each measurement valid for its goal.
            for g in &content.goals {
                let mine: Vec<_> = p
                    .measurements
                    .iter()
                    .filter(|m| m.goal_id == Some(g.id))
                    .collect();
                assert!((1..=26).contains(&mine.len()));
                for m in mine {
                    let now = local(TODAY, 12, 0);
                    assert!(
                        tvaers_domain::measure::validate_measurement(m, Some(g), now).is_ok(),
                        "{m:?}"
                    );
                }
            }
        }
        let share = with_plan as f64 / n as f64;
        assert!((0.45..=0.75).contains(&share), "share with a plan: {share}");
    }

    #[test]
    fn same_seed_and_day_give_the_same_plans() {
        let (_, a) = super::super::new_structure(7);
        let mut differs = 0;
        for i in 0..200 {
            let c = demo_citizen(7, i);
            let cases = super::super::cases_for(&a, 7, i, &c);
            let one = plan_for(&a, 7, TODAY, &c, &cases).map(|p| fingerprint(&p));
            let two = plan_for(&a, 7, TODAY, &c, &cases).map(|p| fingerprint(&p));
            assert_eq!(one, two);
            let other = plan_for(&a, 8, TODAY, &c, &cases).map(|p| fingerprint(&p));
            differs += usize::from(one != other);
        }
        assert!(differs > 100, "another seed gives other plans");
    }
}
