//! Field-level validation errors, collected so a form can show every problem at once.

use serde::Serialize;

/// One problem with one field. `message` is Danish and shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// All problems found with one input. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error, utoipa::ToSchema)]
#[error("{}", self.summary())]
pub struct ValidationErrors {
    pub fields: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &'static str, message: impl Into<String>) -> Self {
        let mut v = Self::new();
        v.add(field, message);
        v
    }

    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.fields.push(FieldError {
            field,
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The message for a field, if any (used by forms).
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.as_str())
    }

    pub fn summary(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.message.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `Ok(value)` when no problem was collected.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Trims a required text field; records a Danish error when it is empty or too long.
pub fn required_text(
    errors: &mut ValidationErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max_chars: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, format!("{label} skal udfyldes."));
    } else if v.chars().count() > max_chars {
        errors.add(field, format!("{label} må højst være {max_chars} tegn."));
    }
    v.to_string()
}

/// Trims an optional text field; empty becomes `None`.
pub fn optional_text(
    errors: &mut ValidationErrors,
    field: &'static str,
    label: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max_chars {
        errors.add(field, format!("{label} må højst være {max_chars} tegn."));
    }
    Some(v.to_string())
}
