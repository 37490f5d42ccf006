use tvaers_domain::ValidationErrors;
use tvaers_store::StoreError;

/// What a use case can answer besides success. The web layer maps each to a
/// status code and a Danish message; `Internal` details are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Validation(#[from] ValidationErrors),
    /// Not found — and, where the difference would reveal that a citizen
    /// exists, also what a denied request looks like.
    #[error("Det findes ikke, eller du har ikke adgang til det.")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    /// A professional without a relationship to the citizen (may break the glass).
    #[error(
        "Du arbejder ikke med borgeren. Du kan bryde glasset med en begrundelse, som din leder ser."
    )]
    NoRelationship(tvaers_domain::ids::CitizenId),
    #[error("{0}")]
    Conflict(String),
    /// Someone else saved the plan since this change started from `expected`.
    #[error(
        "Planen er ændret af en anden, siden du åbnede den (version {expected} → {current}). Se ændringerne, og prøv igen."
    )]
    StaleVersion {
        expected: i64,
        current: i64,
        /// What the other person changed, in Danish.
        changes: Vec<String>,
    },
    #[error("Forkert brugernavn eller adgangskode.")]
    BadCredentials,
    #[error("For mange loginforsøg. Vent et øjeblik, og prøv igen.")]
    Throttled,
    /// Too many wrong passwords in a row: the account is locked for a while.
    #[error(
        "Kontoen er midlertidigt låst efter for mange forkerte adgangskoder. Prøv igen om et kvarter, eller kontakt en administrator."
    )]
    LockedOut,
    /// A MitID (OpenID Connect) login that did not go through; the message
    /// says why in Danish, the detail is for the log.
    #[error(transparent)]
    Oidc(#[from] crate::oidc::OidcError),
    #[error("Du skal logge ind.")]
    Unauthenticated,
    #[error("Databasen svarer ikke lige nu. Prøv igen om lidt.")]
    Unavailable(String),
    #[error("Der opstod en intern fejl. Fejlen er logget.")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Unavailable(m) => AppError::Unavailable(m),
            // A conflict or dangling reference that reached the store unchecked is
            // still the caller's input; name it without exposing internals.
            StoreError::Conflict(_) => {
                AppError::Conflict("Der findes allerede en post med de samme oplysninger.".into())
            }
            StoreError::ForeignKey(_) => AppError::Validation(ValidationErrors::single(
                "reference",
                "En af de valgte henvisninger findes ikke længere.",
            )),
            StoreError::Stale => AppError::Conflict(
                "Data er ændret af en anden i mellemtiden. Genindlæs, og prøv igen.".into(),
            ),
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
