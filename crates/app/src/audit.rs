//! Group commit of read audits.
//!
//! Every read of citizen data appends an audit event and waits until it is
//! durable before the data is returned. Committing each event on its own costs
//! one fsync per request; here one writer task takes whatever events are
//! waiting, commits them in one transaction and then answers every waiter. No
//! event is acknowledged before it is committed, and none waits for a timer:
//! under light load a batch is one event; under heavy load batches grow.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tvaers_domain::audit::NewAuditEvent;
use tvaers_store::{AuditAppend, DecidedAudit, Store};

use crate::{AppError, AppResult};

type Job = (AuditAppend, oneshot::Sender<Result<Option<usize>, String>>);

const MAX_BATCH: usize = 512;

#[derive(Clone)]
pub struct AuditSink {
    tx: mpsc::Sender<Job>,
}

impl AuditSink {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Job>(8192);
        tokio::spawn(async move {
            let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
            while let Some(first) = rx.recv().await {
                batch.push(first);
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let appends: Vec<AuditAppend> = batch.iter().map(|(e, _)| e.clone()).collect();
                let result = store
                    .append_audit_batch(&appends)
                    .await
                    .map_err(|e| e.to_string());
                if let Err(e) = &result {
                    tracing::error!(error = %e, n = appends.len(), "audit batch failed");
                }
                for (i, (_, reply)) in batch.drain(..).enumerate() {
                    let _ = reply.send(match &result {
                        Ok(verdicts) => Ok(verdicts.get(i).copied().flatten()),
                        Err(e) => Err(e.clone()),
                    });
                }
            }
        });
        AuditSink { tx }
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
            waiting.push(self.enqueue(AuditAppend::Event(event)).await?);
        }
        for done in waiting {
            Self::committed(done).await?;
        }
        Ok(())
    }

    /// Decides and records in one statement ([`DecidedAudit`]); returns the
    /// index of the verdict recorded, once it is committed.
    pub async fn append_decided(&self, decided: DecidedAudit) -> AppResult<usize> {
        let done = self.enqueue(AuditAppend::Decided(decided)).await?;
        Self::committed(done)
            .await?
            .ok_or_else(|| AppError::Internal("decided audit event without a verdict".into()))
    }

    async fn enqueue(
        &self,
        append: AuditAppend,
    ) -> AppResult<oneshot::Receiver<Result<Option<usize>, String>>> {
        let (reply, done) = oneshot::channel();
        self.tx
            .send((append, reply))
            .await
            .map_err(|_| AppError::Internal("audit writer stopped".into()))?;
        Ok(done)
    }

    async fn committed(
        done: oneshot::Receiver<Result<Option<usize>, String>>,
    ) -> AppResult<Option<usize>> {
        match done.await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(AppError::Unavailable(e)),
            Err(_) => Err(AppError::Internal("audit writer stopped".into())),
        }
    }
}
