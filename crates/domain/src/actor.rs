//! The actor: who is asking. Every use case takes one; nothing below the web
//! layer learns who is asking any other way.

use serde::Serialize;

use crate::ids::{OrganisationId, StaffId, UnitId};
use crate::staff::{Profession, Role, Staff};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub staff_id: StaffId,
    pub username: String,
    pub full_name: String,
    pub profession: Profession,
    pub organisation_id: OrganisationId,
    pub unit_ids: Vec<UnitId>,
}

impl Actor {
    pub fn role(&self) -> Role {
        self.profession.role()
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Role::Administrator
    }
}

impl From<&Staff> for Actor {
    fn from(s: &Staff) -> Self {
        Actor {
            staff_id: s.id,
            username: s.username.clone(),
            full_name: s.full_name.clone(),
            profession: s.profession,
            organisation_id: s.organisation_id,
            unit_ids: s.unit_ids.clone(),
        }
    }
}
