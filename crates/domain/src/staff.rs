//! Staff (medarbejdere), their profession and the role it gives.

use serde::{Deserialize, Serialize};

use crate::ids::{OrganisationId, StaffId, UnitId};
use crate::org::coded_enum;
use crate::validation::{ValidationErrors, required_text};

coded_enum!(
    /// Profession (faggruppe). Decides the role and, later, access to sensitive health data.
    Profession {
        SocialWorker => ("socialraadgiver", "Socialrådgiver"),
        Nurse => ("sygeplejerske", "Sygeplejerske"),
        OccupationalTherapist => ("ergoterapeut", "Ergoterapeut"),
        Physiotherapist => ("fysioterapeut", "Fysioterapeut"),
        SosuHelper => ("sosu_hjaelper", "SOSU-hjælper"),
        SosuAssistant => ("sosu_assistent", "SOSU-assistent"),
        Educator => ("paedagog", "Pædagog"),
        Psychologist => ("psykolog", "Psykolog"),
        Visitator => ("visitator", "Visitator"),
        Dietitian => ("diaetist", "Diætist"),
        JobConsultant => ("jobkonsulent", "Jobkonsulent"),
        TrainingAssistant => ("traeningsassistent", "Træningsassistent"),
        Doctor => ("laege", "Læge"),
        Leader => ("leder", "Leder"),
        PeerWorker => ("peer_medarbejder", "Peer-medarbejder"),
        Volunteer => ("frivillig", "Frivillig"),
        Administrator => ("administrator", "Administrator"),
        DataProtectionOfficer => ("dpo", "Databeskyttelsesrådgiver"),
    }
);

coded_enum!(
    /// What a staff member may do in the system, derived from the profession.
    Role {
        Professional => ("professional", "Fagperson"),
        Leader => ("leader", "Leder"),
        Volunteer => ("volunteer", "Peer/frivillig"),
        Administrator => ("administrator", "Administrator"),
        Auditor => ("auditor", "Tilsyn (DPO)"),
    }
);

impl Profession {
    pub fn role(self) -> Role {
        match self {
            Profession::Leader => Role::Leader,
            Profession::PeerWorker | Profession::Volunteer => Role::Volunteer,
            Profession::Administrator => Role::Administrator,
            Profession::DataProtectionOfficer => Role::Auditor,
            _ => Role::Professional,
        }
    }

    /// Authorised health professions (sundhedsfaglige), who may read sensitive health data.
    pub fn is_health(self) -> bool {
        matches!(
            self,
            Profession::Nurse
                | Profession::OccupationalTherapist
                | Profession::Physiotherapist
                | Profession::SosuAssistant
                | Profession::Dietitian
                | Profession::Doctor
                | Profession::Psychologist
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Staff {
    pub id: StaffId,
    pub username: String,
    pub full_name: String,
    pub profession: Profession,
    pub organisation_id: OrganisationId,
    pub email: Option<String>,
    pub active: bool,
    pub unit_ids: Vec<UnitId>,
}

impl Staff {
    pub fn role(&self) -> Role {
        self.profession.role()
    }
}

/// Validated input for a new or changed staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffData {
    pub username: String,
    pub full_name: String,
    pub profession: Profession,
    pub organisation_id: OrganisationId,
    pub email: Option<String>,
    pub unit_ids: Vec<UnitId>,
}

/// Usernames are lower-case ASCII letters, digits, `.`, `-` and `_`, 2–64 long.
pub fn parse_username(errors: &mut ValidationErrors, raw: &str) -> String {
    let u = raw.trim().to_lowercase();
    if u.is_empty() {
        errors.add("username", "Brugernavn skal udfyldes.");
    } else if u.len() < 2 || u.len() > 64 {
        errors.add("username", "Brugernavnet skal være 2–64 tegn.");
    } else if !u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        errors.add(
            "username",
            "Brugernavnet må kun indeholde bogstaverne a–z, cifre, punktum, bindestreg og understregning.",
        );
    }
    u
}

impl StaffData {
    pub fn parse(
        username: &str,
        full_name: &str,
        profession: &str,
        organisation_id: OrganisationId,
        email: Option<&str>,
        unit_ids: Vec<UnitId>,
    ) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let username = parse_username(&mut e, username);
        let full_name = required_text(&mut e, "full_name", "Navn", full_name, 200);
        let profession = Profession::from_code(profession).unwrap_or_else(|| {
            e.add("profession", "Vælg en faggruppe fra listen.");
            Profession::SocialWorker
        });
        let email = crate::citizen::parse_email(&mut e, email);
        e.into_result(StaffData {
            username,
            full_name,
            profession,
            organisation_id,
            email,
            unit_ids,
        })
    }
}

/// Minimum password rules: long enough to resist guessing, short enough to hash cheaply.
pub fn check_password(password: &str) -> Result<(), ValidationErrors> {
    let n = password.chars().count();
    if n < 10 {
        return Err(ValidationErrors::single(
            "password",
            "Adgangskoden skal være mindst 10 tegn.",
        ));
    }
    if n > 256 {
        return Err(ValidationErrors::single(
            "password",
            "Adgangskoden må højst være 256 tegn.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profession_has_a_stable_code() {
        for p in Profession::ALL {
            assert_eq!(Profession::from_code(p.code()), Some(*p));
        }
        assert_eq!(Profession::ALL.len(), 18);
    }

    #[test]
    fn roles_follow_profession() {
        assert_eq!(Profession::Leader.role(), Role::Leader);
        assert_eq!(Profession::Volunteer.role(), Role::Volunteer);
        assert_eq!(Profession::PeerWorker.role(), Role::Volunteer);
        assert_eq!(Profession::Administrator.role(), Role::Administrator);
        assert_eq!(Profession::Nurse.role(), Role::Professional);
        assert_eq!(Profession::DataProtectionOfficer.role(), Role::Auditor);
        assert!(Profession::Nurse.is_health());
        assert!(!Profession::SocialWorker.is_health());
    }

    #[test]
    fn username_rules() {
        let mut e = ValidationErrors::new();
        assert_eq!(parse_username(&mut e, " Anne.Hansen "), "anne.hansen");
        assert!(e.is_empty());
        parse_username(&mut e, "anne hansen");
        assert!(e.for_field("username").is_some());
    }

    #[test]
    fn password_policy() {
        assert!(check_password("kort").is_err());
        assert!(check_password("en lang nok adgangskode").is_ok());
    }
}
