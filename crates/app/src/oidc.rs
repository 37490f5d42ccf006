//! MitID for the citizen portal through an OpenID Connect broker (NemLog-in or
//! a commercial broker).
//!
//! The flow is the authorization code flow with PKCE (S256), `state` and
//! `nonce`. The provider is found by discovery from its issuer URL (fetched
//! lazily, kept for an hour, fetched again at once when an ID token names a
//! key we do not have — the provider rotated its keys). The ID token's
//! signature is checked against the provider's JWKS, and its issuer, audience,
//! expiry and nonce by the `openidconnect` crate; only asymmetric signature
//! algorithms are accepted. The client authenticates with its id and secret
//! (`client_secret_basic`). The person is the CPR number in a configurable
//! claim; nothing else from the token is used. The token itself is kept with
//! the portal session until the citizen logs out: the logout posts it from the
//! browser to the broker's `end_session_endpoint` as `id_token_hint` (OpenID
//! Connect RP-Initiated Logout 1.0, whose brokers must take POST as well as
//! GET; posted, the token — which holds the CPR number — stays out of URLs and
//! the browser's history), so the broker's own session — the single sign-on a
//! shared computer would otherwise keep open — ends too.
//!
//! The crate is `openidconnect` (with `oauth2` beneath it): the maintained,
//! widely used Rust implementation of the relying-party side, typed so that a
//! token cannot be used before it is verified, with PKCE, nonce and JWKS
//! handling we would otherwise write and get wrong ourselves.
//!
//! [`ExternalIdentity`] is the interface the portal uses; [`OidcIdentity`] is
//! the implementation. The browser side (cookie, callback) is in the web
//! layer; the pending logins are kept in the store (`oidc_logins`), so several
//! servers on one PostgreSQL can finish each other's logins.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreResponseType,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, Client,
    ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndSessionUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse, reqwest,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tvaers_domain::Cpr;

/// The claim NemLog-in (OIOSAML 3 / OIDC) uses for the CPR number. Brokers
/// differ (`cprNumberIdentifier`, `ssn`, …): `--oidc-cpr-claim` sets it.
pub const DEFAULT_CPR_CLAIM: &str = "https://data.gov.dk/model/core/eid/cprNumber";

/// How long discovered provider metadata and keys are used before fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// A signature that fails may mean rotated keys; fetch them again at most this often.
const REFRESH_AT_MOST_EVERY: Duration = Duration::from_secs(60);

/// What the municipality registered with its broker.
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Our public callback, e.g. `https://kommune.dk/borger/oidc/callback`.
    pub redirect_url: String,
    /// Where the broker sends the browser after its logout, registered with
    /// it like the callback; `None`: the portal's login page at the callback's
    /// origin (`https://kommune.dk/borger/login`).
    pub post_logout_url: Option<String>,
    /// The ID-token claim that holds the CPR number.
    pub cpr_claim: String,
    /// Scopes besides `openid` the broker needs to release the CPR number.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .field("post_logout_url", &self.post_logout_url)
            .field("cpr_claim", &self.cpr_claim)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// Why a MitID login did not go through. The message is Danish and shown to
/// the citizen; the detail is for the log (never a CPR number or a token).
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The broker could not be reached or described itself wrongly.
    #[error("Log ind med MitID er ikke tilgængeligt lige nu. Prøv igen om lidt.")]
    Unavailable(String),
    /// The broker sent the citizen back with an error (cancelled, refused).
    #[error("Log ind med MitID blev afbrudt eller afvist, så du er ikke logget ind. Prøv igen.")]
    Provider(String),
    /// Unknown, expired or already used login (state), or no login cookie.
    #[error("Dit login er udløbet eller allerede brugt. Start forfra med «Log ind med MitID».")]
    State(String),
    /// The broker refused to exchange the code, or answered nonsense.
    #[error("Log ind med MitID kunne ikke gennemføres, så du er ikke logget ind. Prøv igen.")]
    TokenExchange(String),
    /// The ID token failed a check: signature, issuer, audience, expiry, nonce.
    #[error("Svaret fra MitID kunne ikke bekræftes, så du er ikke logget ind. Prøv igen.")]
    IdToken(String),
    /// The ID token has no CPR number, or not a valid one.
    #[error(
        "MitID sendte ikke et gyldigt CPR-nummer, så du er ikke logget ind. Kontakt kommunen, hvis det bliver ved."
    )]
    Cpr(&'static str),
    /// A real person, but the municipality has no citizen record for them.
    #[error(
        "Kommunen har ingen plan for dig i Tværs. Har du spørgsmål, er du velkommen til at kontakte kommunen."
    )]
    NoCitizen,
}

impl OidcError {
    /// What goes in the log: the variant and its detail (no personal data).
    pub fn log_detail(&self) -> String {
        match self {
            OidcError::Unavailable(d) => format!("unavailable: {d}"),
            OidcError::Provider(d) => format!("provider error: {d}"),
            OidcError::State(d) => format!("state: {d}"),
            OidcError::TokenExchange(d) => format!("token exchange: {d}"),
            OidcError::IdToken(d) => format!("id token: {d}"),
            OidcError::Cpr(d) => format!("cpr claim: {d}"),
            OidcError::NoCitizen => "no citizen with that CPR number".into(),
        }
    }
}

/// A person the broker vouched for: their CPR number, and the ID token that
/// said so, kept for the broker's logout (`id_token_hint`).
pub struct SignedOn {
    pub cpr: Cpr,
    pub id_token: String,
}

impl std::fmt::Debug for SignedOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignedOn { .. }")
    }
}

/// Where to send the browser, and what to keep until it comes back.
pub struct SignOnRequest {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// A login at an outside identity provider that sends the browser away and
/// back (MitID through an OpenID Connect broker). The password login is
/// [`crate::portal::CitizenIdentity`]; both end in the same portal session.
#[async_trait::async_trait]
pub trait ExternalIdentity: Send + Sync {
    /// Starts a login: a fresh state, nonce and PKCE verifier, and the URL.
    async fn begin(&self) -> Result<SignOnRequest, OidcError>;
    /// Finishes it: exchanges the code (with the verifier), verifies the ID
    /// token (with the nonce) and returns the person's CPR number.
    async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<SignedOn, OidcError>;
    /// What the browser posts to end the broker's session of the login that
    /// gave `id_token`; `None` when the broker offers no logout (or cannot be
    /// reached now: our own session is ended all the same).
    async fn logout(&self, id_token: &str) -> Option<BrokerLogout>;
}

/// A form for the browser to post to the broker's logout endpoint.
pub struct BrokerLogout {
    /// The endpoint (the form's action).
    pub action: String,
    /// Its origin, which the page's `form-action` policy must allow.
    pub origin: String,
    /// The form's fields, in order.
    pub fields: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for BrokerLogout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerLogout")
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}

/// The ID token's claims beyond the standard ones, by name. `Debug` shows
/// the names only: the values hold the CPR number.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for ExtraClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.claims.keys()).finish()
    }
}

impl AdditionalClaims for ExtraClaims {}

type Tokens = StandardTokenResponse<
    IdTokenFields<
        ExtraClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type BrokerClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Signatures we accept on ID tokens: public-key ones only (never `none`,
/// never an HMAC keyed with our own client secret).
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

struct Discovered {
    at: Instant,
    client: Arc<BrokerClient>,
    end_session: Option<EndSessionUrl>,
}

/// MitID through an OpenID Connect broker.
pub struct OidcIdentity {
    config: OidcConfig,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    post_logout: PostLogoutRedirectUrl,
    http: reqwest::Client,
    discovered: Mutex<Option<Discovered>>,
}

impl OidcIdentity {
    /// Checks the configuration; contacts nobody (discovery happens on first use).
    pub fn new(config: OidcConfig) -> Result<Self, OidcError> {
        let issuer = IssuerUrl::new(config.issuer.trim().to_string())
            .map_err(|e| OidcError::Unavailable(format!("issuer URL: {e}")))?;
        let redirect = RedirectUrl::new(config.redirect_url.trim().to_string())
            .map_err(|e| OidcError::Unavailable(format!("redirect URL: {e}")))?;
        let post_logout = match config.post_logout_url.as_deref().map(str::trim) {
            Some(u) if !u.is_empty() => u.to_string(),
            _ => {
                let mut login = redirect.url().clone();
                login.set_path("/borger/login");
                login.set_query(None);
                login.set_fragment(None);
                login.to_string()
            }
        };
        let post_logout = PostLogoutRedirectUrl::new(post_logout)
            .map_err(|e| OidcError::Unavailable(format!("post-logout URL: {e}")))?;
        if config.client_id.is_empty() || config.client_secret.is_empty() {
            return Err(OidcError::Unavailable(
                "client id and client secret are required".into(),
            ));
        }
        if config.cpr_claim.trim().is_empty() {
            return Err(OidcError::Unavailable("the CPR claim name is empty".into()));
        }
        let http = reqwest::Client::builder()
            // Following redirects from the broker's endpoints invites SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| OidcError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(OidcIdentity {
            config,
            issuer,
            redirect,
            post_logout,
            http,
            discovered: Mutex::new(None),
        })
    }

    /// Fetches the provider's metadata and keys now (at start-up, to say early
    /// when the broker is misconfigured); a failure is retried on first use.
    pub async fn discover(&self) -> Result<(), OidcError> {
        self.client(true).await.map(|_| ())
    }

    /// The client from the cached discovery; fetched again after the TTL, or
    /// when `refresh` is asked and the cache is older than a minute.
    async fn client(&self, refresh: bool) -> Result<Arc<BrokerClient>, OidcError> {
        self.discovered(refresh).await.map(|(client, _)| client)
    }

    /// The client and the broker's logout endpoint, as [`Self::client`].
    async fn discovered(
        &self,
        refresh: bool,
    ) -> Result<(Arc<BrokerClient>, Option<EndSessionUrl>), OidcError> {
        let mut cached = self.discovered.lock().await;
        if let Some(d) = cached.as_ref() {
            let age = d.at.elapsed();
            if age < METADATA_TTL && !(refresh && age >= REFRESH_AT_MOST_EVERY) {
                return Ok((d.client.clone(), d.end_session.clone()));
            }
        }
        let metadata = ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| OidcError::Unavailable(format!("discovery: {}", error_chain(&e))))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client: BrokerClient = Client::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect.clone());
        let client = Arc::new(client);
        *cached = Some(Discovered {
            at: Instant::now(),
            client: client.clone(),
            end_session: end_session.clone(),
        });
        Ok((client, end_session))
    }

    fn cpr_of(&self, claims: &ExtraClaims) -> Result<Cpr, OidcError> {
        match claims.claims.get(self.config.cpr_claim.trim()) {
            None | Some(serde_json::Value::Null) => Err(OidcError::Cpr("claim missing")),
            // A number would have lost its leading zero: refuse rather than guess.
            Some(serde_json::Value::String(s)) => {
                Cpr::parse(s).map_err(|_| OidcError::Cpr("not a valid CPR number"))
            }
            Some(_) => Err(OidcError::Cpr("claim is not a string")),
        }
    }
}

/// An error and its causes on one line (the crate's errors nest).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[async_trait::async_trait]
impl ExternalIdentity for OidcIdentity {
    async fn begin(&self) -> Result<SignOnRequest, OidcError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.config.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(SignOnRequest {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<SignedOn, OidcError> {
        let client = self.client(false).await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Unavailable(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::TokenExchange(error_chain(&e)))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OidcError::TokenExchange("no ID token in the answer".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        let verify = |client: &BrokerClient| {
            let verifier = client.id_token_verifier().set_allowed_algs(ALLOWED_ALGS);
            id_token
                .claims(&verifier, &nonce)
                .map(|c| c.additional_claims().clone())
        };
        let claims = match verify(&client) {
            Ok(c) => c,
            // Perhaps the broker rotated its keys since discovery: fetch them
            // again (at most once a minute) and check once more.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.client(true).await?;
                verify(&fresh).map_err(|e| OidcError::IdToken(error_chain(&e)))?
            }
            Err(e) => return Err(OidcError::IdToken(error_chain(&e))),
        };
        Ok(SignedOn {
            cpr: self.cpr_of(&claims)?,
            id_token: id_token.to_string(),
        })
    }

    async fn logout(&self, id_token: &str) -> Option<BrokerLogout> {
        let end_session = match self.discovered(false).await {
            Ok((_, end_session)) => end_session?,
            Err(e) => {
                tracing::warn!(error = %e.log_detail(), "broker logout skipped");
                return None;
            }
        };
        Some(broker_logout(
            &end_session,
            id_token,
            &self.config.client_id,
            &self.post_logout,
        ))
    }
}

/// The logout form: the ID token as hint, our client id, where to come back,
/// and Danish for the broker's pages.
fn broker_logout(
    end_session: &EndSessionUrl,
    id_token: &str,
    client_id: &str,
    post_logout: &PostLogoutRedirectUrl,
) -> BrokerLogout {
    BrokerLogout {
        action: end_session.url().to_string(),
        origin: end_session.url().origin().ascii_serialization(),
        fields: vec![
            ("id_token_hint", id_token.to_string()),
            ("client_id", client_id.to_string()),
            ("post_logout_redirect_uri", post_logout.url().to_string()),
            ("ui_locales", "da".to_string()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(claim: &str) -> OidcIdentity {
        OidcIdentity::new(OidcConfig {
            issuer: "https://broker.example".into(),
            client_id: "tvaers".into(),
            client_secret: "hemmelig".into(),
            redirect_url: "https://kommune.example/borger/oidc/callback".into(),
            post_logout_url: None,
            cpr_claim: claim.into(),
            scopes: vec![],
        })
        .unwrap()
    }

    fn claims(v: serde_json::Value) -> ExtraClaims {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_cpr_comes_from_the_configured_claim() {
        let id = identity("dk:gov:cpr");
        let c = claims(serde_json::json!({"dk:gov:cpr": "0707614285", "name": "X"}));
        assert_eq!(id.cpr_of(&c).unwrap().digits(), "0707614285");
        let hyphen = claims(serde_json::json!({"dk:gov:cpr": "070761-4285"}));
        assert!(id.cpr_of(&hyphen).is_ok());
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"cpr": "0707614285"}),
            serde_json::json!({"dk:gov:cpr": null}),
            serde_json::json!({"dk:gov:cpr": 707614285}),
            serde_json::json!({"dk:gov:cpr": "1313614285"}),
            serde_json::json!({"dk:gov:cpr": "abc"}),
        ] {
            assert!(
                matches!(id.cpr_of(&claims(bad.clone())), Err(OidcError::Cpr(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_never_shows_claim_values() {
        let c = claims(serde_json::json!({"dk:gov:cpr": "0707614285"}));
        let shown = format!("{c:?}");
        assert!(shown.contains("dk:gov:cpr") && !shown.contains("0707614285"));
    }

    #[test]
    fn the_logout_form_posts_the_token_to_the_brokers_endpoint() {
        let end = EndSessionUrl::new("https://broker.example:8443/oidc/logout?x=1".into()).unwrap();
        let back =
            PostLogoutRedirectUrl::new("https://kommune.example/borger/login".into()).unwrap();
        let form = broker_logout(&end, "a.b.c", "tvaers", &back);
        assert_eq!(form.action, "https://broker.example:8443/oidc/logout?x=1");
        assert_eq!(form.origin, "https://broker.example:8443");
        let names: Vec<&str> = form.fields.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "id_token_hint",
                "client_id",
                "post_logout_redirect_uri",
                "ui_locales"
            ]
        );
        assert_eq!(form.fields[0].1, "a.b.c");
        assert_eq!(form.fields[2].1, "https://kommune.example/borger/login");
        assert!(
            !format!("{form:?}").contains("a.b.c"),
            "Debug hides the token"
        );
        // Without a configured URL, the login page at the callback's origin.
        let id = identity("cpr");
        assert_eq!(
            id.post_logout.url().as_str(),
            "https://kommune.example/borger/login"
        );
    }

    #[test]
    fn configuration_is_checked() {
        let mut c = OidcConfig {
            issuer: "not a url".into(),
            client_id: "a".into(),
            client_secret: "b".into(),
            redirect_url: "https://kommune.example/borger/oidc/callback".into(),
            post_logout_url: None,
            cpr_claim: DEFAULT_CPR_CLAIM.into(),
            scopes: vec![],
        };
        assert!(OidcIdentity::new(c.clone()).is_err());
        c.issuer = "https://broker.example".into();
        assert!(OidcIdentity::new(c.clone()).is_ok());
        c.client_secret = String::new();
        assert!(OidcIdentity::new(c).is_err());
    }
}
