//! The state shared by both sandbox servers and the request pipeline every handler goes
//! through: count, authenticate, maybe inject a fault, apply, count the outcome, maybe delay or
//! withhold the answer.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::sync::watch;

use super::faults::{Damage, FaultEngine, Injected};
use super::fulfil::FulfilState;
use super::mirakl::MiraklState;
use super::{SandboxConfig, SandboxStats};

/// How long a `hang_after_apply` fault withholds the answer (unless the sandbox shuts down).
const HANG_FOR: Duration = Duration::from_secs(3600);

/// Everything behind both servers.
pub(crate) struct SandboxState {
    /// Expected `Authorization` value on the Mirakl side.
    pub mirakl_api_key: String,
    /// Expected `X-API-KEY` value on the Fulfil side.
    pub fulfil_api_key: String,
    /// OR11's safety delta on `start_update_date`.
    pub update_safety_delta: Duration,
    /// Mirakl data.
    pub mirakl: MiraklState,
    /// Fulfil data.
    pub fulfil: FulfilState,
    /// Counters.
    pub stats: SandboxStats,
    /// Fault configuration and its RNG.
    pub faults: FaultEngine,
    /// Whether a scripted day played on the sandbox is over (`jlm sandbox`).
    pub script_done: bool,
}

impl SandboxState {
    /// Fresh state for `config`; `mirakl_url` is the Mirakl server's base URL (for the
    /// absolute URLs it hands out).
    pub fn new(config: &SandboxConfig, mirakl_url: &str) -> Self {
        SandboxState {
            mirakl_api_key: config.mirakl_api_key.clone(),
            fulfil_api_key: config.fulfil_api_key.clone(),
            update_safety_delta: config.update_safety_delta,
            mirakl: MiraklState::new(config, mirakl_url),
            fulfil: FulfilState::new(config.fulfil_channel_id),
            stats: SandboxStats::default(),
            faults: FaultEngine::new(config.faults.clone()),
            script_done: false,
        }
    }

    /// Brings time-driven state up to `now`: processes the STO01 imports whose processing
    /// time is over. Runs before every request and every public read or write.
    pub fn settle(&mut self, now: Instant) {
        self.mirakl.settle(now);
    }
}

/// Locks the state, recovering from a poisoned lock (the state stays usable).
pub(crate) fn lock(state: &Mutex<SandboxState>) -> MutexGuard<'_, SandboxState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Handler context (axum state) shared by both routers.
#[derive(Clone)]
pub(crate) struct Ctx {
    /// The shared state.
    pub state: Arc<Mutex<SandboxState>>,
    /// Becomes `true` when the sandbox shuts down.
    pub shutdown: watch::Receiver<bool>,
}

/// Which API a request belongs to: decides the auth header and the error body shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// Mirakl seller API: raw key in `Authorization`, errors `{"status","message","code"}`.
    Mirakl,
    /// Fulfil API: key in `X-API-KEY`, errors `{"type":"UserError",...}` and friends.
    Fulfil,
}

impl Api {
    /// Whether `headers` carry this API's key exactly.
    fn authorized(self, state: &SandboxState, headers: &HeaderMap) -> bool {
        let (name, expected) = match self {
            Api::Mirakl => (header::AUTHORIZATION.as_str(), &state.mirakl_api_key),
            Api::Fulfil => ("x-api-key", &state.fulfil_api_key),
        };
        headers
            .get(name)
            .is_some_and(|value| value.as_bytes() == expected.as_bytes())
    }

    /// The 401 answer.
    fn unauthorized(self) -> Response {
        let body = match self {
            Api::Mirakl => json!({"status": 401, "message": "Unauthorized"}),
            Api::Fulfil => json!({
                "code": 401,
                "name": "Unauthorized",
                "description": "The API key is missing or invalid."
            }),
        };
        (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response()
    }
}

/// Runs one request through the pipeline.
///
/// `apply` runs under the state lock (it must not block) and returns the response; it is not
/// called when the request is unauthorised or a 429/5xx fault is injected. A 429 from `apply`
/// is the sandbox's own rate limit and is counted in `rate_limited`, other 4xx in `rejected`.
pub(crate) async fn handle<F>(
    ctx: &Ctx,
    api: Api,
    op: &str,
    headers: &HeaderMap,
    apply: F,
) -> Response
where
    F: FnOnce(&mut SandboxState) -> Response,
{
    let (response, delay, hang, damage) = {
        let mut state = lock(&ctx.state);
        state.settle(Instant::now());
        *state.stats.requests.entry(op.to_string()).or_insert(0) += 1;
        if !api.authorized(&state, headers) {
            state.stats.reject(op);
            return api.unauthorized();
        }
        let decision = state.faults.decide();
        if let Some(injected) = decision.reject {
            state.stats.faults_injected += 1;
            let kind = match injected {
                Injected::TooManyRequests { .. } => "429",
                Injected::ServerError { .. } => "5xx",
            };
            *state.stats.faults_by_kind.entry(kind.into()).or_insert(0) += 1;
            tracing::debug!(op, ?injected, "sandbox fault injected");
            return fault_response(api, injected);
        }
        let response = apply(&mut state);
        let status = response.status();
        let damage = if status.is_success() {
            state.faults.damage(op)
        } else {
            None
        };
        if let Some(damage) = damage {
            state.stats.faults_injected += 1;
            let kind = match damage {
                Damage::Truncated => "truncated",
                Damage::Reset => "reset",
            };
            *state.stats.faults_by_kind.entry(kind.into()).or_insert(0) += 1;
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            // The sandbox's own rate limit (injected 429s returned above).
            *state.stats.rate_limited.entry(op.to_string()).or_insert(0) += 1;
        } else if status.is_client_error() {
            state.stats.reject(op);
        }
        let hang = status.is_success() && state.faults.take_hang(op);
        if decision.delay.is_some() {
            state.stats.faults_injected += 1;
            *state.stats.faults_by_kind.entry("slow".into()).or_insert(0) += 1;
        }
        if hang {
            state.stats.faults_injected += 1;
            *state.stats.faults_by_kind.entry("hang".into()).or_insert(0) += 1;
            tracing::debug!(op, "sandbox applied the request and withholds the answer");
        }
        (response, decision.delay, hang, damage)
    };
    if hang {
        let mut shutdown = ctx.shutdown.clone();
        let released = async move {
            while !*shutdown.borrow_and_update() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
        };
        tokio::select! {
            () = tokio::time::sleep(HANG_FOR) => {}
            () = released => {}
        }
    }
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match damage {
        Some(damage) => damaged(response, damage).await,
        None => response,
    }
}

/// `response` with its body cut in half, or cut by a connection reset.
async fn damaged(response: Response, damage: Damage) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = match damage {
        Damage::Truncated => axum::body::Body::from(half),
        Damage::Reset => {
            let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "sandbox fault: connection reset",
                )),
            ];
            axum::body::Body::from_stream(futures_util::stream::iter(chunks))
        }
    };
    Response::from_parts(parts, body)
}

/// The answer for an injected 429 or 5xx, shaped like the API's own.
fn fault_response(api: Api, injected: Injected) -> Response {
    match injected {
        Injected::TooManyRequests { retry_after_secs } => {
            let body = match api {
                Api::Mirakl => json!({"status": 429, "message": "Too many requests"}),
                Api::Fulfil => json!({
                    "code": 429,
                    "name": "Too Many Requests",
                    "description":
                        "This user has exceeded an allotted request count. Try again later."
                }),
            };
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                axum::Json(body),
            )
                .into_response()
        }
        Injected::ServerError { status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            match api {
                Api::Mirakl => (
                    status,
                    axum::Json(json!({"status": status.as_u16(), "message": "Internal error"})),
                )
                    .into_response(),
                // Fulfil answers 5xx in plain text.
                Api::Fulfil => (status, "Internal Server Error").into_response(),
            }
        }
    }
}
