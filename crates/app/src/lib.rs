//! Tværs use cases.
//!
//! Every use case takes an [`Actor`], asks the [`policy`], reads or writes through
//! the [`Store`] and leaves an audit record — the only path to citizen data.

pub mod access;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod citizens;
pub mod demo;
pub mod error;
pub mod journal;
pub mod measurements;
pub mod meetings;
pub mod oidc;
pub mod org;
pub mod plans;
pub mod policy;
pub mod portal;
pub mod stats;

use std::sync::Arc;

use tvaers_domain::Actor;
use tvaers_domain::audit::{AuditAction, AuditOutcome, NewAuditEvent};
use tvaers_store::Store;

pub use error::{AppError, AppResult};
use policy::{Action, Decision, Denial, Resource};

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A browser session ends after this long without a request.
    pub session_idle: time::Duration,
    /// …and after this long in any case.
    pub session_absolute: time::Duration,
    /// API tokens live this long.
    pub api_token_ttl: time::Duration,
    /// Failed-login throttling: attempts per minute per account and per address.
    pub login_attempts_per_minute_account: u32,
    pub login_attempts_per_minute_ip: u32,
    /// Statistics hide counts from 1 to this minus one (small-cell suppression).
    pub stats_min_cell: i64,
    /// Consecutive wrong passwords before an account is locked, and for how long.
    pub lockout_after: i64,
    pub lockout_for: time::Duration,
    /// Off only to measure what the policy and the audit trail cost (`bench/run`);
    /// never in service. The binary refuses it without an explicit opt-in.
    pub access_checks: bool,
    /// A search across journals lists the reader's citizens (and restricts
    /// the full-text index to them) up to this many; beyond it the policy is
    /// applied per row inside the query. Both give the same hits (tested).
    pub listed_scope_max: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_idle: time::Duration::minutes(30),
            session_absolute: time::Duration::hours(10),
            api_token_ttl: time::Duration::hours(10),
            login_attempts_per_minute_account: 10,
            login_attempts_per_minute_ip: 60,
            stats_min_cell: 5,
            lockout_after: 5,
            lockout_for: time::Duration::minutes(15),
            access_checks: true,
            listed_scope_max: 500,
        }
    }
}

/// The application: use cases over one store.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    settings: Settings,
    throttle: Arc<auth::LoginThrottle>,
    audit: audit::AuditSink,
    stats_cache: Arc<stats::StatsCache>,
    /// MitID for the citizen portal, when configured (`App::with_portal_sign_on`).
    portal_sign_on: Option<Arc<dyn oidc::ExternalIdentity>>,
    /// Units, staff and scales for display, see [`App::directory`].
    directory: Arc<std::sync::Mutex<Option<org::CachedDirectory>>>,
}

impl App {
    /// Must be called inside a tokio runtime: it starts the audit writer.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let throttle = Arc::new(auth::LoginThrottle::new(&settings));
        let audit = audit::AuditSink::start(store.clone());
        App {
            store,
            settings,
            throttle,
            audit,
            stats_cache: Arc::default(),
            portal_sign_on: None,
            directory: Arc::default(),
        }
    }

    /// Lets citizens log in to the portal with MitID through this provider
    /// (the password login stays).
    pub fn with_portal_sign_on(mut self, provider: Arc<dyn oidc::ExternalIdentity>) -> Self {
        self.portal_sign_on = Some(provider);
        self
    }

    /// Whether the portal offers «Log ind med MitID».
    pub fn portal_sign_on_enabled(&self) -> bool {
        self.portal_sign_on.is_some()
    }

    /// The store, for health checks and operator commands (migrate, demo).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Asks the policy. A denial is audited here and answered as `Forbidden`, or
    /// as `NotFound` for a single citizen so the answer does not reveal that the
    /// citizen exists. An allowance returns the audit event the caller must
    /// record with its read ([`App::record`]) or inside its write transaction.
    pub(crate) async fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        resource: Resource,
        resource_type: &'static str,
        resource_id: Option<uuid::Uuid>,
    ) -> AppResult<NewAuditEvent> {
        self.authorize_with_facts(actor, action, resource, resource_type, resource_id)
            .await
            .map(|(event, _)| event)
    }

    /// [`App::authorize`], also returning the facts the decision was made on,
    /// so a use case that needs them (the journal's readable classes) does not
    /// load them a second time.
    pub(crate) async fn authorize_with_facts(
        &self,
        actor: &Actor,
        action: Action,
        resource: Resource,
        resource_type: &'static str,
        resource_id: Option<uuid::Uuid>,
    ) -> AppResult<(NewAuditEvent, policy::Facts)> {
        if !self.settings.access_checks {
            let event = decision_event(actor, action, resource, resource_type, resource_id);
            // Without checks everything is readable, as the benchmark switch intends.
            let all = policy::Facts {
                on_care_team: true,
                unit_case: true,
                consent_general: true,
                consent_health: true,
                municipal: true,
                ..policy::Facts::default()
            };
            return Ok((event, all));
        }
        let facts = match resource.citizen() {
            Some(c) => {
                self.store
                    .access_facts(
                        actor.staff_id,
                        actor.organisation_id,
                        c,
                        time::OffsetDateTime::now_utc(),
                    )
                    .await?
            }
            None => policy::Facts::default(),
        };
        match decide(actor, action, resource, resource_type, resource_id, &facts) {
            (event, Ok(())) => Ok((event, facts)),
            (event, Err(denial)) => {
                if resource.is_citizen_data() {
                    self.audit.append(event).await?;
                }
                Err(self.refusal(denial, resource).await)
            }
        }
    }

    /// An allowed read that depends on the facts it was decided on (the
    /// journal's readable classes): the facts, and the commit of its audit
    /// events — the decision's and one per resource in `also` — that the
    /// caller awaits, beside its read, before any data leaves. On the audit
    /// writer thread where there is one (facts, decision and events in one
    /// hand-off, the facts told before the commit), else [`App::authorize_with_facts`]
    /// and [`App::record_all`]. A denial is audited and answered as by
    /// [`App::authorize`].
    pub(crate) async fn decide_read_with_facts(
        &self,
        actor: &Actor,
        resource: Resource,
        resource_type: &'static str,
        resource_id: Option<uuid::Uuid>,
        also: &[(&'static str, Option<uuid::Uuid>)],
    ) -> AppResult<ReadDecision> {
        if self.settings.access_checks {
            let (early, told) = tokio::sync::oneshot::channel();
            let mut question =
                audit::Question::new(actor, Action::Read, resource, resource_type, resource_id);
            question.also = also.to_vec();
            question.early = Some(early);
            let decided = self.audit.decide(question).await?;
            let Ok(early) = told.await else {
                // The writer failed before deciding (its facts): its answer says why.
                let _ = decided.wait().await?;
                return Err(AppError::Internal("the audit writer did not decide".into()));
            };
            if let Err(denial) = early.verdict {
                // Answered once the denial's event is durable.
                let _ = decided.wait().await?;
                return Err(self.refusal(denial, resource).await);
            }
            return Ok(ReadDecision {
                facts: early.facts,
                version: early.version,
                commit: Commit::Decided(decided),
            });
        }
        let (ev, facts) = self
            .authorize_with_facts(actor, Action::Read, resource, resource_type, resource_id)
            .await?;
        let mut events: Vec<NewAuditEvent> = audit::also_read(&ev, also).collect();
        events.push(ev);
        Ok(ReadDecision {
            facts,
            version: None,
            commit: Commit::Events(events),
        })
    }

    /// How a denial is answered: staff who may search the register already
    /// know the citizen exists, so they are told why and may break the glass;
    /// otherwise a single citizen is "not found", so the answer does not tell
    /// whether the citizen exists.
    async fn refusal(&self, denial: Denial, resource: Resource) -> AppError {
        refusal(self.store.as_ref(), denial, resource).await
    }

    /// [`App::ensure_citizen`] after a read or write of the citizen's data
    /// was allowed: the policy allows one only on a relationship (care team,
    /// open case, intake; a break-glass grant for reads), each a row that
    /// references the citizen, so the decision already proved they exist and
    /// a missing citizen was answered "not found" by the refusal. Without
    /// checks (the benchmark switch) nothing was decided, so the store is asked.
    pub(crate) async fn ensure_citizen_allowed(
        &self,
        id: tvaers_domain::ids::CitizenId,
    ) -> AppResult<()> {
        if self.settings.access_checks {
            return Ok(());
        }
        self.ensure_citizen(id).await
    }

    pub(crate) async fn ensure_citizen(&self, id: tvaers_domain::ids::CitizenId) -> AppResult<()> {
        self.store
            .get_citizen(id)
            .await?
            .ok_or(AppError::NotFound)
            .map(|_| ())
    }

    /// Records an allowed read before its data is returned.
    /// Refuses a login while its key is locked; counts a failure and reports a
    /// lock it causes. The key names no existing account, so a wrong username
    /// and a wrong password are treated alike.
    pub(crate) async fn check_lockout(&self, key: &str) -> AppResult<()> {
        match self
            .store
            .login_locked_until(key, time::OffsetDateTime::now_utc())
            .await?
        {
            Some(_) => Err(AppError::LockedOut),
            None => Ok(()),
        }
    }

    pub(crate) async fn login_failed(&self, key: &str) -> AppError {
        match self
            .store
            .record_login_failure(
                key,
                time::OffsetDateTime::now_utc(),
                self.settings.lockout_after,
                self.settings.lockout_for,
            )
            .await
        {
            Ok(Some(_)) => {
                tracing::warn!(key, "login locked after repeated failures");
                AppError::LockedOut
            }
            Ok(None) => AppError::BadCredentials,
            Err(e) => e.into(),
        }
    }

    /// An audited read of one citizen's data whose loading does not depend on
    /// the decision: the policy's facts and the audit commit run while `load`
    /// reads, instead of before and after it, and go on while the caller
    /// turns the data into its answer (renders a page, [`Audited::then`]).
    /// The guarantee is the one of authorize → read → [`App::record`]: the
    /// caller gets nothing out ([`Audited::release`]) unless the policy
    /// allowed the read and its audit event is durable. A denial wins over
    /// whatever the load found, so no error of the load tells a caller more
    /// than the policy's answer would. The decision and the commit run on the
    /// audit writer thread where there is one ([`audit::AuditSink::decide`]),
    /// otherwise as their own task, so a caller that goes away does not cut
    /// them short.
    pub(crate) async fn read_audited<T, F>(
        &self,
        actor: &Actor,
        resource: Resource,
        resource_type: &'static str,
        resource_id: Option<uuid::Uuid>,
        load: impl FnOnce(Option<i64>) -> F,
    ) -> Audited<T>
    where
        F: std::future::Future<Output = AppResult<T>>,
    {
        if self.settings.access_checks {
            let mut question =
                audit::Question::new(actor, Action::Read, resource, resource_type, resource_id);
            if self.audit.reads_versions() {
                // The load waits for the citizen's version, read with the facts
                // (one round trip less), and runs while the events commit.
                let (early, told) = tokio::sync::oneshot::channel();
                question.early = Some(early);
                let decided = self.audit.decide(question).await;
                let data = match told.await {
                    Ok(audit::Early {
                        verdict: Ok(()),
                        version,
                        ..
                    }) => load(version).await,
                    // Denied: nothing to load; the denial is the answer.
                    Ok(audit::Early {
                        verdict: Err(_), ..
                    }) => Err(AppError::NotFound),
                    // Not decided: the writer's answer says why.
                    Err(_) => load(None).await,
                };
                return Audited {
                    data,
                    audit: AuditWait::Decided {
                        decided,
                        store: self.store.clone(),
                        resource,
                    },
                };
            }
            // Queued before the load starts, so the writer decides and commits meanwhile.
            let decided = self.audit.decide(question).await;
            return Audited {
                data: load(None).await,
                audit: AuditWait::Decided {
                    decided,
                    store: self.store.clone(),
                    resource,
                },
            };
        }
        let (app, actor) = (self.clone(), actor.clone());
        let audit = tokio::spawn(async move {
            let event = app
                .authorize(&actor, Action::Read, resource, resource_type, resource_id)
                .await?;
            app.record(&event).await
        });
        Audited {
            data: load(None).await,
            audit: AuditWait::Task(audit),
        }
    }

    pub(crate) async fn record(&self, event: &NewAuditEvent) -> AppResult<()> {
        self.record_all(vec![event.clone()]).await
    }

    /// Records several allowed reads in one group commit.
    pub(crate) async fn record_all(&self, events: Vec<NewAuditEvent>) -> AppResult<()> {
        if !self.settings.access_checks {
            return Ok(());
        }
        self.audit.append_all(events).await
    }
}

/// Data read beside its access decision and audit commit
/// ([`App::read_audited`]). It can be turned into an answer with
/// [`Audited::then`], but leaves only through [`Audited::release`], once the
/// policy allowed the read and its audit event is durable; a denial wins over
/// the data and over any error of loading it.
#[must_use = "the data is released only after the audit"]
pub struct Audited<T> {
    data: AppResult<T>,
    audit: AuditWait,
}

/// The decision and audit commit an [`Audited`] waits for.
enum AuditWait {
    /// Decided and committed by the audit writer thread ([`audit::AuditSink::decide`]).
    Decided {
        decided: AppResult<audit::Decided>,
        store: Arc<dyn Store>,
        resource: Resource,
    },
    /// [`App::authorize`] and [`App::record`] in a task of their own.
    Task(tokio::task::JoinHandle<AppResult<()>>),
}

impl AuditWait {
    async fn wait(self) -> AppResult<()> {
        match self {
            AuditWait::Decided {
                decided,
                store,
                resource,
            } => match decided?.wait().await? {
                Ok(()) => Ok(()),
                Err(denial) => Err(refusal(store.as_ref(), denial, resource).await),
            },
            AuditWait::Task(task) => match task.await {
                Ok(result) => result,
                Err(e) => Err(AppError::Internal(format!("audit task failed: {e}"))),
            },
        }
    }
}

impl<T> Audited<T> {
    /// Prepares the answer from the data while the audit is still committing.
    pub async fn then<U, F>(self, prepare: impl FnOnce(T) -> F) -> Audited<U>
    where
        F: std::future::Future<Output = AppResult<U>>,
    {
        let data = match self.data {
            Ok(d) => prepare(d).await,
            Err(e) => Err(e),
        };
        Audited {
            data,
            audit: self.audit,
        }
    }

    /// The data (or the answer prepared from it), once the read is allowed and audited.
    pub async fn release(self) -> AppResult<T> {
        self.audit.wait().await?;
        self.data
    }
}

/// An allowed read's decision ([`App::decide_read_with_facts`]).
pub(crate) struct ReadDecision {
    pub facts: policy::Facts,
    /// The citizen's version, read with the facts ([`audit::Early::version`]).
    pub version: Option<i64>,
    pub commit: Commit,
}

/// The audit commit of an allowed read ([`App::decide_read_with_facts`]).
pub(crate) enum Commit {
    /// Decided and being committed by the audit writer thread.
    Decided(audit::Decided),
    /// Decided here; committed by [`App::record_all`].
    Events(Vec<NewAuditEvent>),
}

impl Commit {
    /// Returns once the read's events are durable.
    pub(crate) async fn wait(self, app: &App) -> AppResult<()> {
        match self {
            // Allowed already: the writer told so before committing.
            Commit::Decided(decided) => match decided.wait().await? {
                Ok(()) => Ok(()),
                Err(_) => Err(AppError::Internal(
                    "the audit writer changed its decision".into(),
                )),
            },
            Commit::Events(events) => app.record_all(events).await,
        }
    }
}

/// See [`App::refusal`].
async fn refusal(store: &dyn Store, denial: Denial, resource: Resource) -> AppError {
    match (denial, resource.citizen()) {
        (Denial::NoRelationship, Some(c)) => match store.get_citizen(c).await {
            Ok(Some(_)) => AppError::NoRelationship(c),
            Ok(None) => AppError::NotFound,
            Err(e) => e.into(),
        },
        (_, Some(_)) => AppError::NotFound,
        (d, None) => AppError::Forbidden(d.reason().to_string()),
    }
}

/// The policy's decision on `facts` and its audit event: allowed with its
/// purpose, or denied with the reason (recorded only for citizen data).
pub(crate) fn decide(
    actor: &Actor,
    action: Action,
    resource: Resource,
    resource_type: &'static str,
    resource_id: Option<uuid::Uuid>,
    facts: &policy::Facts,
) -> (NewAuditEvent, Result<(), Denial>) {
    let mut event = decision_event(actor, action, resource, resource_type, resource_id);
    match policy::allowed(actor, action, resource, facts) {
        Decision::Allow(purpose) => {
            event.purpose = Some(purpose.to_string());
            (event, Ok(()))
        }
        Decision::Deny(denial) => {
            event.outcome = AuditOutcome::Denied;
            event.detail = Some(denial.reason().to_string());
            (event, Err(denial))
        }
    }
}

/// The audit event of a decision, allowed until the decision says otherwise.
fn decision_event(
    actor: &Actor,
    action: Action,
    resource: Resource,
    resource_type: &'static str,
    resource_id: Option<uuid::Uuid>,
) -> NewAuditEvent {
    NewAuditEvent {
        actor_id: Some(actor.staff_id),
        actor_profession: Some(actor.profession),
        actor_unit_id: actor.unit_ids.first().copied(),
        purpose: None,
        action: audit_action(action),
        resource_type,
        resource_id,
        citizen_id: resource.citizen(),
        outcome: AuditOutcome::Allowed,
        detail: None,
    }
}

fn audit_action(a: Action) -> AuditAction {
    match a {
        Action::Read => AuditAction::Read,
        Action::Create => AuditAction::Create,
        Action::Update => AuditAction::Update,
        Action::Search => AuditAction::Search,
        Action::RevealCpr => AuditAction::RevealCpr,
    }
}
