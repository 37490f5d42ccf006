//! Tværs domain: the types and rules of one shared plan per citizen.
//!
//! Everything here is pure: no IO, no async, no clock. Values that carry a rule
//! (a [`Cpr`], a [`citizen::PersonName`]) can only be built by a fallible
//! constructor, so an invalid value cannot exist past the edge of the system.

pub mod access;
pub mod actor;
pub mod audit;
pub mod calendar;
pub mod case;
pub mod citizen;
pub mod cpr;
pub mod ids;
pub mod journal;
pub mod measure;
pub mod meeting;
pub mod org;
pub mod plan;
pub mod scale;
pub mod search;
pub mod staff;
pub mod stats;
pub mod terminology;
pub mod validation;

pub use actor::Actor;
pub use cpr::{Cpr, CprError};
pub use validation::{FieldError, ValidationErrors};
