//! The citizen portal (`/borger`): the citizen — or a relative acting within
//! the citizen's consent — reads the plan in plain Danish, sees goals with
//! their charts, meetings and agreed action goals, writes their own wishes and
//! self-assessments, and sees who looked at their data.
//!
//! Identity comes two ways. [`CitizenIdentity`] checks a username and a
//! secret: the demo and tests log in with a password. MitID goes through the
//! municipality's OpenID Connect broker ([`crate::oidc::ExternalIdentity`],
//! built as [`crate::oidc::OidcIdentity`], on when `--oidc-issuer` is given):
//! the browser is sent to the broker and comes back with a code, the ID
//! token's CPR number finds the citizen, and the citizen's own portal account
//! is used (made on the first MitID login). Everything after login — the
//! session, its cookie and timeouts — is the same for both.

use std::net::IpAddr;

use time::OffsetDateTime;
use tvaers_domain::ValidationErrors;
use tvaers_domain::access::{ConsentScope, PortalAccount};
use tvaers_domain::audit::{AuditAction, AuditEvent, AuditOutcome, NewAuditEvent};
use tvaers_domain::citizen::Citizen;
use tvaers_domain::ids::CitizenId;
use tvaers_domain::measure::Measurement;
use tvaers_domain::meeting::{ActionGoal, Meeting, MeetingStatus, Owner, Task, TaskStatus};
use tvaers_domain::plan::{Plan, PlanStatus, Wishes, WishesAuthor};
use tvaers_store::{AuditFilter, OidcLogin, PortalSession, StoreError};

use crate::auth::{hash_password, new_secret, token_hash, verify_password};
use crate::measurements::{GoalProgress, MeasurementInput};
use crate::oidc::OidcError;
use crate::{App, AppError, AppResult};

/// Proves who a citizen is. The password provider is used in the demo and in
/// tests; production plugs in MitID via OpenID Connect behind this trait.
#[async_trait::async_trait]
pub trait CitizenIdentity: Send + Sync {
    /// The portal account of a verified person, or `BadCredentials`.
    async fn verify(&self, app: &App, username: &str, secret: &str) -> AppResult<PortalAccount>;
}

/// Username and password, checked against the argon2id hash.
pub struct PasswordIdentity;

#[async_trait::async_trait]
impl CitizenIdentity for PasswordIdentity {
    async fn verify(&self, app: &App, username: &str, password: &str) -> AppResult<PortalAccount> {
        let found = app.store.get_portal_account_by_username(username).await?;
        let (account, hash) = match found {
            Some((a, h)) => (Some(a), h),
            None => (None, None),
        };
        let ok = verify_password(password, hash).await;
        match account {
            Some(a) if ok && a.active => Ok(a),
            _ => Err(AppError::BadCredentials),
        }
    }
}

/// How long a started MitID login may take before its callback is refused.
pub const SIGN_ON_TTL: time::Duration = time::Duration::minutes(10);

/// What the broker sent back to `/borger/oidc/callback`.
#[derive(Debug, Clone, Default)]
pub struct SignOnCallback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set when the citizen cancelled or the broker refused.
    pub error: Option<String>,
}

/// A logged-in citizen (or relative) on the portal.
#[derive(Debug, Clone)]
pub struct PortalUser {
    pub account: PortalAccount,
    pub citizen: Citizen,
    pub session: PortalSession,
}

impl PortalUser {
    /// Who acted, for the plan's history and the audit trail.
    pub fn author_name(&self) -> String {
        match &self.account.relative_name {
            Some(r) => format!("{r} (pårørende til {})", self.citizen.full_name()),
            None => self.citizen.full_name(),
        }
    }

    fn purpose(&self) -> &'static str {
        if self.account.relative_name.is_some() {
            "pårørende med borgerens samtykke"
        } else {
            "borgerens egen adgang"
        }
    }
}

/// The audit event of a portal account's creation: no staff member acts, and
/// the citizen's access log (staff decisions) does not list it; the leaders'
/// and the DPO's audit view does.
pub fn account_created(a: &PortalAccount, purpose: &str) -> NewAuditEvent {
    NewAuditEvent {
        actor_id: None,
        actor_profession: None,
        actor_unit_id: None,
        purpose: Some(purpose.to_string()),
        action: AuditAction::Create,
        resource_type: "portal_account",
        resource_id: Some(a.id),
        citizen_id: Some(a.citizen_id),
        outcome: AuditOutcome::Allowed,
        detail: a.relative_name.as_ref().map(|r| format!("pårørende: {r}")),
    }
}

/// What the portal's front page shows.
#[derive(Debug, Clone)]
pub struct PortalOverview {
    pub plan: Option<Plan>,
    pub goals: Vec<GoalProgress>,
    pub upcoming: Vec<Meeting>,
    /// Action goals agreed at the latest held meeting.
    pub action_goals: Vec<ActionGoal>,
    /// Tasks the citizen owns.
    pub my_tasks: Vec<Task>,
}

impl App {
    /// Logs in to the portal; returns the session secret for the cookie.
    pub async fn portal_login(
        &self,
        identity: &dyn CitizenIdentity,
        username: &str,
        secret: &str,
        ip: Option<IpAddr>,
    ) -> AppResult<(String, PortalUser)> {
        let username = username.trim().to_lowercase();
        if username.is_empty() || secret.is_empty() || secret.len() > 1024 {
            return Err(AppError::BadCredentials);
        }
        let key = format!("borger:{username}");
        self.throttle.check(&key, ip)?;
        self.check_lockout(&key).await?;
        let account = match identity.verify(self, &username, secret).await {
            Ok(a) => a,
            Err(AppError::BadCredentials) => return Err(self.login_failed(&key).await),
            Err(e) => return Err(e),
        };
        self.store.clear_login_failures(&key).await?;
        self.open_portal_session(account, "password", None).await
    }

    /// The session part of every portal login, after the person is verified:
    /// a new session (a new secret at every login), then the same checks as
    /// every later request (a relative needs the citizen's consent).
    /// `id_token`: the broker's, kept for its logout (MitID logins).
    async fn open_portal_session(
        &self,
        account: PortalAccount,
        method: &'static str,
        id_token: Option<String>,
    ) -> AppResult<(String, PortalUser)> {
        let now = OffsetDateTime::now_utc();
        let token = new_secret();
        let session = PortalSession {
            token_hash: token_hash(&token),
            account_id: account.id,
            csrf_token: new_secret(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + self.settings.session_absolute,
            id_token,
        };
        self.store.create_portal_session(&session).await?;
        let account_id = account.id;
        let user = self.portal_user(account, session).await?;
        tracing::info!(%account_id, method, "portal login");
        Ok((token, user))
    }

    /// Starts a MitID login: remembers a fresh state, nonce and PKCE verifier
    /// under a new random key, and returns the key (for the browser's
    /// short-lived cookie) and the broker's URL to send the browser to.
    /// Counted against the per-address login limit.
    pub async fn portal_sign_on_begin(&self, ip: Option<IpAddr>) -> AppResult<(String, String)> {
        let provider = self.portal_sign_on.as_ref().ok_or(AppError::NotFound)?;
        self.throttle.check_ip(ip)?;
        let request = provider.begin().await?;
        let key = new_secret();
        let now = OffsetDateTime::now_utc();
        self.store
            .create_oidc_login(&OidcLogin {
                key_hash: token_hash(&key),
                state: request.state,
                nonce: request.nonce,
                pkce_verifier: request.pkce_verifier,
                created_at: now,
                expires_at: now + SIGN_ON_TTL,
            })
            .await?;
        Ok((key, request.url))
    }

    /// Finishes a MitID login: the browser's key must find a pending login
    /// (taken at once: one use, whatever happens next) that is not expired and
    /// whose state matches; the provider verifies the person and names their
    /// CPR number; the citizen with that number logs in with their own portal
    /// account, made now if they have none. The password lockout does not
    /// apply: it guards the password, and MitID did not use it.
    pub async fn portal_sign_on_finish(
        &self,
        key: Option<&str>,
        callback: &SignOnCallback,
    ) -> AppResult<(String, PortalUser)> {
        let provider = self.portal_sign_on.as_ref().ok_or(AppError::NotFound)?;
        let pending = match key.filter(|k| !k.is_empty() && k.len() <= 128) {
            Some(k) => self.store.take_oidc_login(&token_hash(k)).await?,
            None => None,
        };
        if let Some(e) = &callback.error {
            // The broker's error code, for the log only (it is untrusted text).
            let code: String = e
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(64)
                .collect();
            return Err(OidcError::Provider(code).into());
        }
        let pending =
            pending.ok_or_else(|| OidcError::State("no pending login for this browser".into()))?;
        if pending.expires_at <= OffsetDateTime::now_utc() {
            return Err(OidcError::State("the login expired".into()).into());
        }
        let state = callback.state.as_deref().unwrap_or_default();
        // Compared as hashes, so the time taken says nothing about the state.
        if state.is_empty() || token_hash(state) != token_hash(&pending.state) {
            return Err(OidcError::State("state does not match".into()).into());
        }
        let code = callback
            .code
            .as_deref()
            .filter(|c| !c.is_empty() && c.len() <= 4096)
            .ok_or_else(|| OidcError::Provider("no code".into()))?;
        let signed_on = provider
            .finish(code, &pending.nonce, &pending.pkce_verifier)
            .await?;
        let citizen = self
            .store
            .find_citizen_by_cpr(&signed_on.cpr)
            .await?
            .ok_or(OidcError::NoCitizen)?;
        let account = self.citizen_own_account(citizen.id).await?;
        if !account.active {
            return Err(AppError::Forbidden(
                "Din adgang til borgerportalen er lukket. Kontakt kommunen.".into(),
            ));
        }
        self.open_portal_session(account, "mitid", Some(signed_on.id_token))
            .await
    }

    /// The citizen's own portal account (not a relative's); the first MitID
    /// login makes one without a password (`mitid-<citizen id>`).
    async fn citizen_own_account(&self, citizen_id: CitizenId) -> AppResult<PortalAccount> {
        if let Some(a) = self.store.get_citizen_portal_account(citizen_id).await? {
            return Ok(a);
        }
        let account = PortalAccount {
            id: uuid::Uuid::now_v7(),
            citizen_id,
            username: format!("mitid-{}", citizen_id.0),
            relative_name: None,
            active: true,
        };
        let audit = account_created(&account, "borgerens første MitID-login");
        match self
            .store
            .create_portal_account(&account, None, &audit)
            .await
        {
            Ok(()) => Ok(account),
            // Two first logins at once: the other one made it.
            Err(StoreError::Conflict(_)) => self
                .store
                .get_citizen_portal_account(citizen_id)
                .await?
                .ok_or_else(|| AppError::Internal("portal account name taken".into())),
            Err(e) => Err(e.into()),
        }
    }

    /// The portal user behind a session cookie; expired or idle → unauthenticated.
    pub async fn portal_authenticate(&self, token: &str) -> AppResult<PortalUser> {
        let hash = token_hash(token);
        let session = self
            .store
            .get_portal_session(&hash)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let now = OffsetDateTime::now_utc();
        if session.expires_at <= now || session.last_seen_at + self.settings.session_idle <= now {
            self.store.delete_portal_session(&hash).await?;
            return Err(AppError::Unauthenticated);
        }
        if now - session.last_seen_at > time::Duration::minutes(1) {
            self.store.touch_portal_session(&hash, now).await?;
        }
        let account = self
            .store
            .get_portal_account(session.account_id)
            .await?
            .filter(|a| a.active)
            .ok_or(AppError::Unauthenticated)?;
        self.portal_user(account, session).await
    }

    async fn portal_user(
        &self,
        account: PortalAccount,
        session: PortalSession,
    ) -> AppResult<PortalUser> {
        let citizen = self
            .store
            .get_citizen(account.citizen_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if account.relative_name.is_some() {
            // A relative acts only while the citizen's consent for relatives is in force.
            let today = crate::meetings::to_local(OffsetDateTime::now_utc()).date();
            let consented = self.store.list_consents(citizen.id).await?.iter().any(|c| {
                c.scope == ConsentScope::Relative
                    && c.organisation_id.is_none()
                    && c.is_active(today)
            });
            if !consented {
                return Err(AppError::Forbidden(
                    "Borgeren har ikke givet samtykke til, at pårørende ser planen. Kontakt borgerens tovholder.".into(),
                ));
            }
        }
        Ok(PortalUser {
            account,
            citizen,
            session,
        })
    }

    /// Ends the portal session. For a MitID login, also the form that ends the
    /// broker's session (its single sign-on would otherwise let the next
    /// person at a shared computer in without MitID): the browser posts it.
    pub async fn portal_logout(
        &self,
        user: &PortalUser,
    ) -> AppResult<Option<crate::oidc::BrokerLogout>> {
        self.store
            .delete_portal_session(&user.session.token_hash)
            .await?;
        Ok(match (&self.portal_sign_on, &user.session.id_token) {
            (Some(provider), Some(id_token)) => provider.logout(id_token).await,
            _ => None,
        })
    }

    fn portal_event(
        &self,
        user: &PortalUser,
        action: AuditAction,
        resource_type: &'static str,
    ) -> NewAuditEvent {
        NewAuditEvent {
            actor_id: None,
            actor_profession: None,
            actor_unit_id: None,
            purpose: Some(user.purpose().to_string()),
            action,
            resource_type,
            resource_id: None,
            citizen_id: Some(user.citizen.id),
            outcome: AuditOutcome::Allowed,
            detail: user
                .account
                .relative_name
                .as_ref()
                .map(|r| format!("pårørende: {r}")),
        }
    }

    /// The portal's front page.
    pub async fn portal_overview(&self, user: &PortalUser) -> AppResult<PortalOverview> {
        let cid = user.citizen.id;
        let plan = self.store.active_plan(cid).await?;
        let all = self.store.list_measurements(cid).await?;
        let goals = plan
            .as_ref()
            .map(|p| {
                p.content
                    .goals
                    .iter()
                    .map(|g| GoalProgress::of(p, g, &all))
                    .collect()
            })
            .unwrap_or_default();
        let meetings = self.store.list_meetings(cid).await?;
        let upcoming = meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Planned)
            .cloned()
            .collect();
        let last_held = meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Held)
            .max_by_key(|m| m.starts_at);
        let action_goals = match last_held {
            Some(m) => self.store.list_action_goals(m.id).await?,
            None => Vec::new(),
        };
        let my_tasks = self
            .store
            .list_tasks(cid)
            .await?
            .into_iter()
            .filter(|t| t.owner == Owner::Citizen && t.status == TaskStatus::Open)
            .collect();
        self.record(&self.portal_event(user, AuditAction::Read, "plan"))
            .await?;
        Ok(PortalOverview {
            plan,
            goals,
            upcoming,
            action_goals,
            my_tasks,
        })
    }

    /// The citizen writes their wishes in their own words (a new plan version).
    pub async fn portal_set_wishes(&self, user: &PortalUser, text: &str) -> AppResult<Plan> {
        let text = text.trim();
        if text.chars().count() > 4000 {
            return Err(
                ValidationErrors::single("text", "Teksten må højst være 4000 tegn.").into(),
            );
        }
        let plan = self
            .store
            .active_plan(user.citizen.id)
            .await?
            .ok_or_else(|| {
                AppError::Conflict(
                    "Du har ingen aktiv plan endnu. Din tovholder opretter den sammen med dig."
                        .into(),
                )
            })?;
        let mut content = plan.content.clone();
        content.wishes = (!text.is_empty()).then(|| Wishes {
            text: text.to_string(),
            author: WishesAuthor::Citizen,
        });
        if content == plan.content {
            return Ok(plan);
        }
        let version = plan.version;
        let mut ev = self.portal_event(user, AuditAction::Update, "plan");
        ev.resource_id = Some(plan.id.0);
        self.save_version(
            (None, user.author_name()),
            plan,
            (
                content,
                PlanStatus::Active,
                "Borgeren skrev sine ønsker og drømme".into(),
            ),
            version,
            ev,
        )
        .await
    }

    /// The citizen's own assessment (FSIII performance/meaning or satisfaction).
    pub async fn portal_self_assessment(
        &self,
        user: &PortalUser,
        input: &MeasurementInput,
    ) -> AppResult<Measurement> {
        if !matches!(input.kind.trim(), "self_assessment" | "satisfaction") {
            return Err(ValidationErrors::single(
                "kind",
                "Vælg din egen vurdering eller din tilfredshed.",
            )
            .into());
        }
        // The measurement rules are the staff's; the citizen is the assessor.
        let m = self.build_measurement(user.citizen.id, input, None).await?;
        let mut ev = self.portal_event(user, AuditAction::Create, "measurement");
        ev.resource_id = Some(m.id.0);
        self.store.add_measurement(&m, &ev).await?;
        Ok(m)
    }

    /// Who looked at the citizen's data: staff decisions on it, newest first.
    pub async fn portal_access_log(
        &self,
        user: &PortalUser,
        page: i64,
    ) -> AppResult<Vec<AuditEvent>> {
        let f = AuditFilter {
            citizen_id: Some(user.citizen.id),
            limit: 100,
            offset: (page.max(1) - 1) * 100,
            ..Default::default()
        };
        Ok(self
            .store
            .list_audit(&f)
            .await?
            .into_iter()
            .filter(|e| e.actor_id.is_some())
            .collect())
    }

    /// Messages between the citizen and their team (digital contact), newest
    /// first. Third-party information is never shown to the citizen.
    pub async fn portal_messages(
        &self,
        user: &PortalUser,
    ) -> AppResult<Vec<tvaers_domain::journal::JournalEntry>> {
        use tvaers_domain::journal::{EntryKind, Sensitivity};
        let filter = tvaers_store::JournalFilter {
            kind: Some(EntryKind::DigitalContact),
            ..Default::default()
        };
        let entries = self
            .store
            .journal_timeline(
                user.citizen.id,
                &filter,
                &[
                    Sensitivity::Normal,
                    Sensitivity::Health,
                    Sensitivity::Social,
                ],
                tvaers_store::Page::new(100, 0),
            )
            .await?;
        self.record(&self.portal_event(user, AuditAction::Read, "message"))
            .await?;
        Ok(entries
            .into_iter()
            .filter(|e| e.message.is_some())
            .collect())
    }

    /// The citizen (or a relative) writes to their tovholder; the message is a
    /// journal entry of kind digital contact.
    pub async fn portal_send_message(
        &self,
        user: &PortalUser,
        text: &str,
    ) -> AppResult<tvaers_domain::journal::JournalEntry> {
        let plan = self
            .store
            .active_plan(user.citizen.id)
            .await?
            .ok_or_else(|| {
                AppError::Conflict(
                    "Du har ingen tovholder endnu. Kontakt kommunen på telefon.".into(),
                )
            })?;
        if text.trim().is_empty() {
            return Err(ValidationErrors::single("text", "Skriv en besked.").into());
        }
        let text = match &user.account.relative_name {
            Some(r) => format!("(Skrevet af pårørende {r})\n{}", text.trim()),
            None => text.trim().to_string(),
        };
        self.receive_citizen_message(
            user.citizen.id,
            crate::journal::Recipient::Staff {
                staff_id: plan.content.coordinator,
            },
            &text,
        )
        .await
    }

    /// Creates a portal login (administrators; in the demo at start-up).
    pub async fn create_portal_account(
        &self,
        citizen_id: CitizenId,
        username: &str,
        password: &str,
        relative_name: Option<&str>,
    ) -> AppResult<PortalAccount> {
        tvaers_domain::staff::check_password(password)?;
        let a = PortalAccount {
            id: uuid::Uuid::now_v7(),
            citizen_id,
            username: username.trim().to_lowercase(),
            relative_name: relative_name.map(str::to_string),
            active: true,
        };
        let hash = hash_password(password).await?;
        self.store
            .create_portal_account(
                &a,
                Some(&hash),
                &account_created(&a, "oprettet af kommunen"),
            )
            .await
            .map_err(|e| match e {
                tvaers_store::StoreError::Conflict(_) => {
                    AppError::Conflict("Brugernavnet er optaget.".into())
                }
                other => other.into(),
            })?;
        Ok(a)
    }
}
