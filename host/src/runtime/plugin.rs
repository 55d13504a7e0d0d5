//! [`Plugin`]: a job's component instance, called on tokio's blocking pool.
//!
//! A component call blocks its thread for as long as the component runs (a 200,000-SKU stock
//! plan takes a while), and WASI calls the component makes — a panic message written to
//! stderr, say — block on the tokio runtime, which panics when done on an async worker. So
//! the instance lives with the calls, on a blocking thread; the async job only awaits it.

use std::sync::Arc;

use anyhow::Context;

use super::{PluginFault, Runtime, Session};

/// One job's instance of the component. A call that faults drops the instance; the next
/// call instantiates a fresh one, so the rest of a batch goes through.
pub struct Plugin {
    runtime: Arc<Runtime>,
    session: Option<Session>,
}

impl Plugin {
    /// A plugin over `runtime`; the instance is made on the first call.
    pub fn new(runtime: Arc<Runtime>) -> Plugin {
        Plugin {
            runtime,
            session: None,
        }
    }

    /// Runs `call` on a blocking thread with a live session, naming `record` (what the call
    /// is about, e.g. "order JL-1") in its fault. The outer error is the host's (the
    /// component could not be instantiated); the inner one is the component's fault.
    pub async fn call<T, F>(
        &mut self,
        record: &str,
        call: F,
    ) -> anyhow::Result<Result<T, PluginFault>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Session) -> Result<T, PluginFault> + Send + 'static,
    {
        let runtime = self.runtime.clone();
        let session = self.session.take().filter(|s| !s.is_poisoned());
        let record = record.to_string();
        let (session, result) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut session = match session {
                Some(session) => session,
                None => runtime.session()?,
            };
            let result = call(&mut session).map_err(|fault| fault.about(record));
            Ok((session, result))
        })
        .await
        .context("the component call did not complete")??;
        if !session.is_poisoned() {
            self.session = Some(session);
        }
        Ok(result)
    }
}
