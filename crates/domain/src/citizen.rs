//! Citizens (borgere) and their relatives (pårørende).

use serde::{Deserialize, Serialize};
use time::Date;

use crate::cpr::Cpr;
use crate::ids::CitizenId;
use crate::validation::{ValidationErrors, optional_text, required_text};

/// A relative as the citizen names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Relative {
    pub name: String,
    /// Relation in the citizen's words: "datter", "ægtefælle", "nabo".
    pub relation: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citizen {
    pub id: CitizenId,
    pub cpr: Cpr,
    pub given_name: String,
    pub family_name: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub relatives: Vec<Relative>,
}

impl Citizen {
    /// A citizen record with the given id from validated data.
    pub fn from_data(id: CitizenId, d: CitizenData) -> Citizen {
        Citizen {
            id,
            cpr: d.cpr,
            given_name: d.given_name,
            family_name: d.family_name,
            address: d.address,
            postal_code: d.postal_code,
            city: d.city,
            phone: d.phone,
            email: d.email,
            relatives: d.relatives,
        }
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    pub fn birth_date(&self) -> Date {
        self.cpr.birth_date()
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: Date) -> i32 {
        let b = self.birth_date();
        let mut age = today.year() - b.year();
        if (today.month() as u8, today.day()) < (b.month() as u8, b.day()) {
            age -= 1;
        }
        age
    }
}

/// Key used for case- and accent-insensitive name prefix search: lower-case,
/// single spaces. Danish letters stay as they are (æ, ø, å sort after z).
pub fn search_key(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Validated citizen data, built only through [`CitizenData::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenData {
    pub cpr: Cpr,
    pub given_name: String,
    pub family_name: String,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub relatives: Vec<Relative>,
}

/// Raw citizen input as it comes from a form or JSON.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct CitizenInput {
    #[serde(default)]
    pub cpr: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub postal_code: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub relatives: Vec<Relative>,
}

pub(crate) fn parse_email(e: &mut ValidationErrors, raw: Option<&str>) -> Option<String> {
    let v = optional_text(e, "email", "E-mail", raw, 254)?;
    let ok = v.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty() && d.contains('.') && !d.starts_with('.') && !v.contains(' ')
    });
    if !ok {
        e.add(
            "email",
            "E-mailadressen ser ikke gyldig ud (fx navn@eksempel.dk).",
        );
    }
    Some(v)
}

fn parse_phone(e: &mut ValidationErrors, field: &'static str, raw: Option<&str>) -> Option<String> {
    let v = optional_text(e, field, "Telefonnummer", raw, 20)?;
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-'));
    if !allowed || !(8..=15).contains(&digits) {
        e.add(
            field,
            "Telefonnummeret skal have 8–15 cifre (fx 12 34 56 78 eller +45 12345678).",
        );
    }
    Some(v)
}

impl CitizenData {
    pub fn parse(input: &CitizenInput) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let cpr = match Cpr::parse(&input.cpr) {
            Ok(c) => Some(c),
            Err(err) => {
                e.add("cpr", err.to_string());
                None
            }
        };
        let given_name = required_text(&mut e, "given_name", "Fornavn", &input.given_name, 100);
        let family_name =
            required_text(&mut e, "family_name", "Efternavn", &input.family_name, 100);
        let address = optional_text(&mut e, "address", "Adresse", input.address.as_deref(), 200);
        let postal_code = optional_text(
            &mut e,
            "postal_code",
            "Postnummer",
            input.postal_code.as_deref(),
            4,
        );
        if let Some(pc) = &postal_code
            && (pc.len() != 4 || !pc.chars().all(|c| c.is_ascii_digit()))
        {
            e.add("postal_code", "Postnummeret skal være 4 cifre.");
        }
        let city = optional_text(&mut e, "city", "By", input.city.as_deref(), 100);
        let phone = parse_phone(&mut e, "phone", input.phone.as_deref());
        let email = parse_email(&mut e, input.email.as_deref());
        if input.relatives.len() > 20 {
            e.add("relatives", "Der kan højst registreres 20 pårørende.");
        }
        let mut relatives = Vec::new();
        for r in input.relatives.iter().take(20) {
            let name = required_text(&mut e, "relatives", "Den pårørendes navn", &r.name, 200);
            let relation = required_text(
                &mut e,
                "relatives",
                "Relationen til borgeren",
                &r.relation,
                100,
            );
            let phone = parse_phone(&mut e, "relatives", r.phone.as_deref());
            relatives.push(Relative {
                name,
                relation,
                phone,
            });
        }
        match cpr {
            Some(cpr) if e.is_empty() => Ok(CitizenData {
                cpr,
                given_name,
                family_name,
                address,
                postal_code,
                city,
                phone,
                email,
                relatives,
            }),
            _ => Err(e),
        }
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CitizenInput {
        CitizenInput {
            cpr: "070761-4285".into(),
            given_name: " Karen ".into(),
            family_name: "Sørensen".into(),
            postal_code: Some("8900".into()),
            phone: Some("+45 12 34 56 78".into()),
            relatives: vec![Relative {
                name: "Mette Sørensen".into(),
                relation: "datter".into(),
                phone: None,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn valid_input_is_trimmed() {
        let c = CitizenData::parse(&input()).unwrap();
        assert_eq!(c.given_name, "Karen");
        assert_eq!(c.full_name(), "Karen Sørensen");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut i = input();
        i.cpr = "310461-4285".into();
        i.family_name = "".into();
        i.postal_code = Some("89".into());
        i.email = Some("ikke en mail".into());
        let e = CitizenData::parse(&i).unwrap_err();
        for f in ["cpr", "family_name", "postal_code", "email"] {
            assert!(e.for_field(f).is_some(), "missing error for {f}");
        }
    }

    #[test]
    fn search_key_folds_case_and_space() {
        assert_eq!(search_key("  Søren   ØSTERGAARD "), "søren østergaard");
    }

    #[test]
    fn age_counts_birthday() {
        let c = CitizenData::parse(&input()).unwrap();
        let citizen = Citizen {
            id: CitizenId::new(),
            cpr: c.cpr,
            given_name: c.given_name,
            family_name: c.family_name,
            address: None,
            postal_code: None,
            city: None,
            phone: None,
            email: None,
            relatives: vec![],
        };
        let d =
            |y, m, dd| Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), dd).unwrap();
        assert_eq!(citizen.age_on(d(2026, 7, 6)), 64);
        assert_eq!(citizen.age_on(d(2026, 7, 7)), 65);
    }
}
