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
use tvaers_store::Store;

use crate::{AppError, AppResult};

type Job = (NewAuditEvent, oneshot::Sender<Result<(), String>>);

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
                let events: Vec<NewAuditEvent> = batch.iter().map(|(e, _)| e.clone()).collect();
                let result = store
                    .append_audit_batch(&events)
                    .await
                    .map_err(|e| e.to_string());
                if let Err(e) = &result {
                    tracing::error!(error = %e, n = events.len(), "audit batch failed");
                }
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(result.clone());
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
            let (reply, done) = oneshot::channel();
            self.tx
                .send((event, reply))
                .await
                .map_err(|_| AppError::Internal("audit writer stopped".into()))?;
            waiting.push(done);
        }
        for done in waiting {
            match done.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(AppError::Unavailable(e)),
                Err(_) => return Err(AppError::Internal("audit writer stopped".into())),
            }
        }
        Ok(())
    }
}
