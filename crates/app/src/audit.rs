//! Group commit of read audits.
//!
//! Every read of citizen data appends an audit event and waits until it is
//! durable before the data is returned. Committing each event on its own costs
//! one fsync per request; here one writer takes whatever events are waiting,
//! commits them in one transaction and then answers every waiter. No event is
//! acknowledged before it is committed, and none waits for a timer: under
//! light load a batch is one event; under heavy load batches grow.
//!
//! The writer also decides reads ([`AuditSink::decide`]): it loads the
//! policy's facts, asks the policy and appends the decision's event, so a
//! decided and audited read is one hand-off to the writer and back. Where the
//! store offers a connection of its own for the trail ([`Store::audit_log`],
//! SQLite), the writer is a thread on it, which saves a thread switch per
//! statement. Otherwise (PostgreSQL) it is a task that loads the facts of all
//! the reads waiting in one query ([`Store::access_facts_batch`]) and appends
//! their events in one statement: two round trips for a batch, not two per read.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tvaers_domain::actor::Actor;
use tvaers_domain::audit::NewAuditEvent;
use tvaers_store::{AuditLog, FactsAnswer, FactsAsk, Store};

use crate::policy::{Action, Denial, Resource};
use crate::{AppError, AppResult};

type Reply<T> = oneshot::Sender<Result<T, String>>;

enum Job {
    /// An event decided elsewhere.
    Append(NewAuditEvent, Reply<()>),
    /// A read to decide and, where the policy says so, audit (writer thread only).
    Decide(Box<Question>, Reply<Result<(), Denial>>),
}

/// What [`crate::decide`] needs, besides the facts the writer loads.
pub(crate) struct Question {
    pub actor: Actor,
    pub action: Action,
    pub resource: Resource,
    pub resource_type: &'static str,
    pub resource_id: Option<uuid::Uuid>,
    /// More resources the same read shows (a page of several lists): when
    /// it is allowed, each gets the decision's event too, in the same commit.
    pub also: Vec<(&'static str, Option<uuid::Uuid>)>,
    /// Told the facts and the decision as soon as they are made, before the
    /// commit, for a read that depends on them (the journal's readable
    /// classes); its data still waits for the commit ([`Decided::wait`]).
    pub early: Option<oneshot::Sender<Early>>,
}

/// The allowed `event` once more for each further resource the same read shows.
pub(crate) fn also_read<'a>(
    event: &'a NewAuditEvent,
    also: &'a [(&'static str, Option<uuid::Uuid>)],
) -> impl Iterator<Item = NewAuditEvent> + 'a {
    also.iter()
        .map(|&(resource_type, resource_id)| NewAuditEvent {
            resource_type,
            resource_id,
            ..event.clone()
        })
}

/// The facts a decision was made on, and the decision ([`Question::early`]).
pub(crate) struct Early {
    pub facts: crate::policy::Facts,
    pub verdict: Result<(), Denial>,
    /// The citizen's version, read with the facts where the writer reads it
    /// ([`AuditSink::reads_versions`]): the read's file needs no read of its own.
    pub version: Option<i64>,
}

impl Question {
    /// A question on `resource` alone, answered once committed.
    pub(crate) fn new(
        actor: &Actor,
        action: Action,
        resource: Resource,
        resource_type: &'static str,
        resource_id: Option<uuid::Uuid>,
    ) -> Self {
        Question {
            actor: actor.clone(),
            action,
            resource,
            resource_type,
            resource_id,
            also: Vec::new(),
            early: None,
        }
    }
}

const MAX_BATCH: usize = 512;

#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Job>,
    /// The writer reads each citizen's version with the facts ([`Early::version`]).
    reads_versions: bool,
}

impl AuditSink {
    /// Starts the writer: a thread on the store's audit connection when it
    /// has one, otherwise a task on the current tokio runtime.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (tx, rx) = mpsc::channel::<Job>(8192);
        let log = match store.audit_log() {
            Ok(log) => log,
            Err(e) => {
                tracing::error!(error = %e, "audit connection failed; the trail is written through the pool");
                None
            }
        };
        if let Some(log) = log {
            let started = std::thread::Builder::new()
                .name("tvaers-audit".into())
                .spawn(move || write_on_thread(log, rx));
            match started {
                Ok(_) => {
                    return AuditSink {
                        tx,
                        reads_versions: false,
                    };
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the audit thread; the trail is written through the pool");
                    let (tx, rx) = mpsc::channel::<Job>(8192);
                    tokio::spawn(write_in_task(store, rx));
                    return AuditSink {
                        tx,
                        reads_versions: true,
                    };
                }
            }
        }
        tokio::spawn(write_in_task(store, rx));
        AuditSink {
            tx,
            reads_versions: true,
        }
    }

    /// Whether [`Early::version`] is told: then a read that waits for it
    /// before loading its file saves a round trip (PostgreSQL). The writer
    /// thread does not read versions: on SQLite the file's own version read
    /// is cheap, and the read runs beside the decision instead.
    pub(crate) fn reads_versions(&self) -> bool {
        self.reads_versions
    }

    /// Returns once the event is committed.
    pub async fn append(&self, event: NewAuditEvent) -> AppResult<()> {
        self.append_all(vec![event]).await
    }

    /// Returns once every event is committed. All are queued before the first
    /// is awaited, so they share a batch instead of waiting one commit each
    /// (a search across journals reads up to a page of citizens' journals).
    pub async fn append_all(&self, events: Vec<NewAuditEvent>) -> AppResult<()> {
        let mut waiting = Vec::with_capacity(events.len());
        for event in events {
            let (reply, done) = oneshot::channel();
            self.send(Job::Append(event, reply)).await?;
            waiting.push(done);
        }
        for done in waiting {
            answer(done.await)?;
        }
        Ok(())
    }

    /// Queues a read for the writer thread to decide and audit; the answer
    /// comes once the decision's event is durable: `Ok(Ok(()))` allowed,
    /// `Ok(Err(denial))` denied (audited when it concerns citizen data).
    pub(crate) async fn decide(&self, question: Question) -> AppResult<Decided> {
        let (reply, done) = oneshot::channel();
        self.send(Job::Decide(Box::new(question), reply)).await?;
        Ok(Decided(done))
    }

    async fn send(&self, job: Job) -> AppResult<()> {
        self.tx
            .send(job)
            .await
            .map_err(|_| AppError::Internal("audit writer stopped".into()))
    }
}

/// A decision on its way from the writer thread ([`AuditSink::decide`]).
pub(crate) struct Decided(oneshot::Receiver<Result<Result<(), Denial>, String>>);

impl Decided {
    pub(crate) async fn wait(self) -> AppResult<Result<(), Denial>> {
        answer(self.0.await)
    }
}

fn answer<T>(got: Result<Result<T, String>, oneshot::error::RecvError>) -> AppResult<T> {
    match got {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(AppError::Unavailable(e)),
        Err(_) => Err(AppError::Internal("audit writer stopped".into())),
    }
}

/// How well commits are shared (`/metrics`): the requests answered and the
/// events written per commit are these counters' ratios to the commits.
fn count_batch(jobs: usize, events: usize) {
    metrics::counter!("tvaers_audit_commits_total").increment(1);
    metrics::counter!("tvaers_audit_jobs_total").increment(jobs as u64);
    metrics::counter!("tvaers_audit_events_total").increment(events as u64);
}

/// Takes the first job and whatever else is waiting, up to [`MAX_BATCH`].
fn drain_into(batch: &mut Vec<Job>, rx: &mut mpsc::Receiver<Job>) {
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

async fn write_in_task(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut events: Vec<NewAuditEvent> = Vec::with_capacity(MAX_BATCH);
    let mut verdicts: Vec<Result<Result<(), Denial>, String>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        drain_into(&mut batch, &mut rx);
        let now = time::OffsetDateTime::now_utc();
        // The facts of every question waiting, in one query.
        let facts = batch_facts(store.as_ref(), &batch, now).await;
        let mut next_facts = facts.as_ref().map(|f| f.iter());
        for job in &mut batch {
            match job {
                Job::Append(event, _) => {
                    events.push(event.clone());
                    verdicts.push(Ok(Ok(())));
                }
                Job::Decide(q, _) => {
                    let known = match (q.resource.citizen(), &mut next_facts) {
                        (None, _) => Ok((crate::policy::Facts::default(), None)),
                        (Some(_), Ok(it)) => it
                            .next()
                            .map(|a| (a.facts, Some(a.version)))
                            .ok_or_else(|| {
                                "access facts: fewer answers than questions".to_string()
                            }),
                        (Some(_), Err(e)) => Err(e.to_string()),
                    };
                    verdicts.push(known.map(|(f, v)| decide_on(q, f, v, &mut events)));
                }
            }
        }
        let result = store
            .append_audit_batch(&events)
            .await
            .map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, n = events.len(), "audit batch failed");
        }
        count_batch(batch.len(), events.len());
        answer_batch(&mut batch, &mut verdicts, &result);
        events.clear();
    }
}

/// The facts of each question in `batch` that concerns a citizen, in order.
async fn batch_facts(
    store: &dyn Store,
    batch: &[Job],
    now: time::OffsetDateTime,
) -> Result<Vec<FactsAnswer>, String> {
    let asks: Vec<FactsAsk> = batch
        .iter()
        .filter_map(|job| match job {
            Job::Decide(q, _) => q.resource.citizen().map(|citizen_id| FactsAsk {
                staff_id: q.actor.staff_id,
                organisation_id: q.actor.organisation_id,
                citizen_id,
            }),
            Job::Append(..) => None,
        })
        .collect();
    if asks.is_empty() {
        return Ok(Vec::new());
    }
    // Many reads of one citizen by one staff member ask once.
    let mut distinct: Vec<FactsAsk> = Vec::with_capacity(asks.len());
    let mut at: std::collections::HashMap<FactsAsk, usize> = Default::default();
    for ask in &asks {
        at.entry(*ask).or_insert_with(|| {
            distinct.push(*ask);
            distinct.len() - 1
        });
    }
    let facts = store
        .access_facts_batch(&distinct, now)
        .await
        .map_err(|e| e.to_string())?;
    asks.iter()
        .map(|ask| {
            at.get(ask)
                .and_then(|&i| facts.get(i))
                .copied()
                .ok_or_else(|| "access facts: an ask without an answer".to_string())
        })
        .collect()
}

/// Answers every job of a committed (or failed) batch and empties it.
fn answer_batch(
    batch: &mut Vec<Job>,
    verdicts: &mut Vec<Result<Result<(), Denial>, String>>,
    result: &Result<(), String>,
) {
    for (job, verdict) in batch.drain(..).zip(verdicts.drain(..)) {
        let answer = result.clone().and(verdict);
        match job {
            Job::Append(_, reply) => {
                let _ = reply.send(answer.map(|_| ()));
            }
            Job::Decide(_, reply) => {
                let _ = reply.send(answer);
            }
        }
    }
}

/// The writer thread: decides the batch's questions on its own connection,
/// commits every event of the batch at once, then answers.
fn write_on_thread(mut log: Box<dyn AuditLog>, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut events: Vec<NewAuditEvent> = Vec::with_capacity(MAX_BATCH);
    // Per job: its answer once the batch is committed, or an error already.
    let mut verdicts: Vec<Result<Result<(), Denial>, String>> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        drain_into(&mut batch, &mut rx);
        let now = time::OffsetDateTime::now_utc();
        for job in &mut batch {
            match job {
                Job::Append(event, _) => {
                    events.push(event.clone());
                    verdicts.push(Ok(Ok(())));
                }
                Job::Decide(q, _) => verdicts.push(decide_one(log.as_mut(), q, now, &mut events)),
            }
        }
        let result = log.append(&events).map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, n = events.len(), "audit batch failed");
        }
        count_batch(batch.len(), events.len());
        answer_batch(&mut batch, &mut verdicts, &result);
        events.clear();
    }
}

/// One question: its facts, the policy's decision, and the event to commit.
fn decide_one(
    log: &mut dyn AuditLog,
    q: &mut Question,
    now: time::OffsetDateTime,
    events: &mut Vec<NewAuditEvent>,
) -> Result<Result<(), Denial>, String> {
    let facts = match q.resource.citizen() {
        Some(c) => log
            .access_facts(q.actor.staff_id, q.actor.organisation_id, c, now)
            .map_err(|e| e.to_string())?,
        None => crate::policy::Facts::default(),
    };
    Ok(decide_on(q, facts, None, events))
}

/// The policy's decision on `q` given its facts: tells [`Question::early`],
/// and adds the events to commit to `events`.
fn decide_on(
    q: &mut Question,
    facts: crate::policy::Facts,
    version: Option<i64>,
    events: &mut Vec<NewAuditEvent>,
) -> Result<(), Denial> {
    let (event, verdict) = crate::decide(
        &q.actor,
        q.action,
        q.resource,
        q.resource_type,
        q.resource_id,
        &facts,
    );
    if let Some(early) = q.early.take() {
        let _ = early.send(Early {
            facts,
            verdict,
            version,
        });
    }
    if verdict.is_ok() {
        events.extend(also_read(&event, &q.also));
    }
    if verdict.is_ok() || q.resource.is_citizen_data() {
        events.push(event);
    }
    verdict
}
