//! Cases (sager): a citizen's case in one area, with a legal basis, a
//! responsible unit and a case worker. Caseload = open cases per worker.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ids::{CaseId, CitizenId, StaffId, UnitId};
use crate::org::coded_enum;
use crate::validation::{ValidationErrors, optional_text, required_text};

coded_enum!(
    /// Area of a case (sagsområde).
    CaseArea {
        HomeCare => ("hjemmepleje", "Hjemmepleje"),
        Rehabilitation => ("genoptraening", "Genoptræning og rehabilitering"),
        Nursing => ("sygepleje", "Sygepleje"),
        ChildrenFamily => ("boern_familie", "Børn og familie"),
        AdultDisability => ("voksen_handicap", "Voksen handicap"),
        Psychiatry => ("socialpsykiatri", "Socialpsykiatri"),
        Employment => ("beskaeftigelse", "Beskæftigelse"),
        Hospital => ("sygehus", "Sygehus"),
    }
);

impl CaseArea {
    /// Typical legal basis offered as a default in forms.
    pub fn default_legal_basis(self) -> &'static str {
        match self {
            CaseArea::HomeCare => "Serviceloven § 83",
            CaseArea::Rehabilitation => "Serviceloven § 83 a / Sundhedsloven § 140",
            CaseArea::Nursing => "Sundhedsloven § 138",
            CaseArea::ChildrenFamily => "Barnets lov § 20",
            CaseArea::AdultDisability => "Serviceloven § 85",
            CaseArea::Psychiatry => "Serviceloven § 85",
            CaseArea::Employment => "Lov om en aktiv beskæftigelsesindsats",
            CaseArea::Hospital => "Sundhedsloven",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Case {
    pub id: CaseId,
    pub citizen_id: CitizenId,
    pub area: CaseArea,
    pub title: String,
    pub legal_basis: String,
    pub responsible_unit_id: super::ids::UnitId,
    pub case_worker_id: Option<StaffId>,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
}

impl Case {
    pub fn is_open(&self) -> bool {
        self.closed_on.is_none()
    }
}

/// Raw case input from a form or JSON.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
// Missing keys become empty values, so they get the same Danish field errors as empty ones.
pub struct CaseInput {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub responsible_unit_id: String,
    #[serde(default)]
    pub case_worker_id: Option<String>,
    /// `YYYY-MM-DD`
    #[serde(default)]
    pub opened_on: String,
    /// `YYYY-MM-DD`; empty or absent while open.
    #[serde(default)]
    pub closed_on: Option<String>,
}

/// Validated case data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseData {
    pub area: CaseArea,
    pub title: String,
    pub legal_basis: String,
    pub responsible_unit_id: UnitId,
    pub case_worker_id: Option<StaffId>,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
}

/// Parses `YYYY-MM-DD`, recording a Danish error on failure.
pub fn parse_date(
    e: &mut ValidationErrors,
    field: &'static str,
    label: &str,
    raw: &str,
) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(raw.trim(), &fmt) {
        Ok(d) => Some(d),
        Err(_) => {
            e.add(
                field,
                format!("{label} skal være en gyldig dato (ÅÅÅÅ-MM-DD)."),
            );
            None
        }
    }
}

impl CaseData {
    pub fn parse(input: &CaseInput) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let area = CaseArea::from_code(input.area.trim());
        if area.is_none() {
            e.add("area", "Vælg et sagsområde fra listen.");
        }
        let title = optional_text(&mut e, "title", "Sagens titel", Some(&input.title), 200)
            .or_else(|| area.map(|a| a.label().to_string()))
            .unwrap_or_default();
        let legal_basis = if input.legal_basis.trim().is_empty() {
            area.map(|a| a.default_legal_basis().to_string())
                .unwrap_or_default()
        } else {
            required_text(
                &mut e,
                "legal_basis",
                "Lovgrundlag",
                &input.legal_basis,
                300,
            )
        };
        let unit = input
            .responsible_unit_id
            .trim()
            .parse::<uuid::Uuid>()
            .ok()
            .map(UnitId);
        if unit.is_none() {
            e.add("responsible_unit_id", "Vælg den ansvarlige enhed.");
        }
        let case_worker_id = match input.case_worker_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match s.parse::<uuid::Uuid>() {
                Ok(u) => Some(StaffId(u)),
                Err(_) => {
                    e.add("case_worker_id", "Vælg en sagsbehandler fra listen.");
                    None
                }
            },
        };
        let opened_on = parse_date(&mut e, "opened_on", "Startdato", &input.opened_on);
        let closed_on = match input.closed_on.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => parse_date(&mut e, "closed_on", "Slutdato", s),
        };
        if let (Some(o), Some(c)) = (opened_on, closed_on)
            && c < o
        {
            e.add("closed_on", "Slutdatoen kan ikke ligge før startdatoen.");
        }
        match (area, unit, opened_on) {
            (Some(area), Some(responsible_unit_id), Some(opened_on)) if e.is_empty() => {
                Ok(CaseData {
                    area,
                    title,
                    legal_basis,
                    responsible_unit_id,
                    case_worker_id,
                    opened_on,
                    closed_on,
                })
            }
            _ => Err(e),
        }
    }
}

/// Caseload: open cases per worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Caseload {
    pub staff_id: StaffId,
    pub full_name: String,
    pub open_cases: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CaseInput {
        CaseInput {
            area: "hjemmepleje".into(),
            responsible_unit_id: UnitId::new().to_string(),
            opened_on: "2026-01-15".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_title_and_legal_basis_from_area() {
        let c = CaseData::parse(&input()).unwrap();
        assert_eq!(c.title, "Hjemmepleje");
        assert_eq!(c.legal_basis, "Serviceloven § 83");
        assert!(c.closed_on.is_none());
    }

    #[test]
    fn closing_before_opening_is_refused() {
        let mut i = input();
        i.closed_on = Some("2026-01-01".into());
        let e = CaseData::parse(&i).unwrap_err();
        assert!(e.for_field("closed_on").is_some());
    }

    #[test]
    fn bad_dates_and_area_are_named() {
        let mut i = input();
        i.area = "x".into();
        i.opened_on = "15-01-2026".into();
        i.responsible_unit_id = "nope".into();
        let e = CaseData::parse(&i).unwrap_err();
        for f in ["area", "opened_on", "responsible_unit_id"] {
            assert!(e.for_field(f).is_some(), "{f}");
        }
    }
}
