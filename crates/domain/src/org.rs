//! Organisations (kommune, region/sygehus, privat leverandør) and their unit tree.

use serde::{Deserialize, Serialize};

use crate::ids::{OrganisationId, UnitId};
use crate::validation::{ValidationErrors, required_text};

macro_rules! coded_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$doc])*
        /// Serialised as its stable code, the same code forms and the API accept.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable code used in storage and the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Danish label for the UI.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(
    /// What kind of organisation.
    OrganisationKind {
        Municipality => ("municipality", "Kommune"),
        Region => ("region", "Region/sygehus"),
        Provider => ("provider", "Privat leverandør"),
    }
);

coded_enum!(
    /// What kind of unit in an organisation's tree.
    UnitKind {
        Center => ("center", "Center"),
        Department => ("department", "Afdeling"),
        Team => ("team", "Team"),
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: UnitId,
    pub organisation_id: OrganisationId,
    pub parent_id: Option<UnitId>,
    pub name: String,
    pub kind: UnitKind,
}

/// Validated input for a new or changed unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitData {
    pub organisation_id: OrganisationId,
    pub parent_id: Option<UnitId>,
    pub name: String,
    pub kind: UnitKind,
}

impl UnitData {
    pub fn parse(
        organisation_id: OrganisationId,
        parent_id: Option<UnitId>,
        name: &str,
        kind: &str,
    ) -> Result<Self, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let name = required_text(&mut e, "name", "Enhedens navn", name, 200);
        let kind = UnitKind::from_code(kind).unwrap_or_else(|| {
            e.add(
                "kind",
                "Vælg en gyldig enhedstype (center, afdeling eller team).",
            );
            UnitKind::Team
        });
        e.into_result(UnitData {
            organisation_id,
            parent_id,
            name,
            kind,
        })
    }
}

/// Orders units depth-first under their parents, returning `(depth, unit)` pairs
/// so a tree can be rendered from a flat list.
pub fn unit_tree(units: &[Unit]) -> Vec<(usize, &Unit)> {
    fn walk<'a>(
        units: &'a [Unit],
        parent: Option<UnitId>,
        depth: usize,
        out: &mut Vec<(usize, &'a Unit)>,
    ) {
        let mut children: Vec<&Unit> = units.iter().filter(|u| u.parent_id == parent).collect();
        children.sort_by(|a, b| a.name.cmp(&b.name));
        for c in children {
            out.push((depth, c));
            // A cycle cannot be stored (parents must exist first), but guard the depth anyway.
            if depth < 32 {
                walk(units, Some(c.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::with_capacity(units.len());
    let ids: std::collections::HashSet<UnitId> = units.iter().map(|u| u.id).collect();
    // Roots: no parent, or a parent outside this list (e.g. another organisation).
    let mut roots: Vec<&Unit> = units
        .iter()
        .filter(|u| u.parent_id.is_none_or(|p| !ids.contains(&p)))
        .collect();
    roots.sort_by(|a, b| a.name.cmp(&b.name));
    for r in roots {
        out.push((0, r));
        walk(units, Some(r.id), 1, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, parent: Option<UnitId>) -> Unit {
        Unit {
            id: UnitId::new(),
            organisation_id: OrganisationId(uuid::Uuid::nil()),
            parent_id: parent,
            name: name.into(),
            kind: UnitKind::Team,
        }
    }

    #[test]
    fn tree_orders_children_under_parents() {
        let root = unit("Sundhed", None);
        let a = unit("Sygepleje", Some(root.id));
        let b = unit("Hjemmepleje", Some(root.id));
        let c = unit("Nord", Some(b.id));
        let units = vec![c.clone(), a.clone(), root.clone(), b.clone()];
        let names: Vec<(usize, &str)> = unit_tree(&units)
            .into_iter()
            .map(|(d, u)| (d, u.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                (0, "Sundhed"),
                (1, "Hjemmepleje"),
                (2, "Nord"),
                (1, "Sygepleje")
            ]
        );
    }

    #[test]
    fn unit_requires_name_and_known_kind() {
        let err = UnitData::parse(OrganisationId::new(), None, " ", "bogus").unwrap_err();
        assert!(err.for_field("name").is_some());
        assert!(err.for_field("kind").is_some());
    }
}
