//! Code lists from KL's terminology, embedded with their source noted in the
//! data file. Today: the FSIII functional-ability areas (funktionsevnetilstande,
//! J1–J5) and their sub-areas, which goals and functional levels are coded with.

use std::sync::OnceLock;

const FSIII_FUNCTIONAL: &str = include_str!("../data/fsiii-functional-areas.tsv");

/// An FSIII main area with its sub-areas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaGroup {
    pub code: &'static str,
    pub display: &'static str,
    pub sub_areas: Vec<(&'static str, &'static str)>,
}

/// FSIII functional-ability areas in code order (J1 Egenomsorg … J5 Samfundsliv).
pub fn fsiii_areas() -> &'static [AreaGroup] {
    static AREAS: OnceLock<Vec<AreaGroup>> = OnceLock::new();
    AREAS.get_or_init(|| {
        let mut groups: Vec<AreaGroup> = Vec::new();
        for line in FSIII_FUNCTIONAL.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let mut parts = line.split('\t');
            let (Some(code), Some(display), Some(parent)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if parent == "J" {
                groups.push(AreaGroup {
                    code,
                    display,
                    sub_areas: Vec::new(),
                });
            } else if let Some(g) = groups.iter_mut().find(|g| g.code == parent) {
                g.sub_areas.push((code, display));
            }
        }
        groups
    })
}

/// The Danish name of an FSIII area or sub-area code.
pub fn fsiii_display(code: &str) -> Option<&'static str> {
    fsiii_areas().iter().find_map(|g| {
        if g.code == code {
            Some(g.display)
        } else {
            g.sub_areas
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, d)| *d)
        }
    })
}

/// The main area a code belongs to (J3.8 → J3).
pub fn fsiii_main_area(code: &str) -> Option<&'static AreaGroup> {
    let main = code.split('.').next()?;
    fsiii_areas().iter().find(|g| g.code == main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_main_areas_with_sub_areas() {
        let a = fsiii_areas();
        let codes: Vec<_> = a.iter().map(|g| g.code).collect();
        assert_eq!(codes, ["J1", "J2", "J3", "J4", "J5"]);
        assert_eq!(a[0].display, "Egenomsorg");
        assert_eq!(a[2].sub_areas.len(), 9);
        assert_eq!(fsiii_display("J3.8"), Some("Gå"));
        assert_eq!(fsiii_display("J4"), Some("Mentale funktioner"));
        assert_eq!(
            fsiii_main_area("J1.6").map(|g| g.display),
            Some("Egenomsorg")
        );
        assert_eq!(fsiii_display("X1"), None);
    }
}
