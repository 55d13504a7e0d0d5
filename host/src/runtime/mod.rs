//! The wasmtime runtime that runs the component: one `Engine`, one `Linker`, one pre-linked
//! component built at start-up; a `Session` (a `Store` with one instance) per job batch.
//!
//! A trap poisons a store, so a session that trapped is dropped and the caller gets a typed
//! [`PluginFault`]; memory is capped per store and every call has an epoch deadline, so a
//! runaway component cannot stall the host. Jobs call the component through a [`Plugin`],
//! which runs every call on tokio's blocking pool, never on an async worker.

mod cache;
mod convert;
mod dispatch;
mod exceptions;
mod fault;
mod inventory;
mod orders;
mod plugin;
mod rereads;
mod returns;
mod version;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub use fault::{FaultKind, MemoryCapExceeded, PLUGIN_FAULT, PluginFault};
pub use orders::OrderInput;
pub use plugin::Plugin;

/// The bindings generated from `wit/`, seen by this module only: the rest of the host works
/// with `crate::domain`, converted in `convert`.
mod bindings {
    wasmtime::component::bindgen!({ path: "../wit", world: "connector" });
}
use bindings::{Connector, ConnectorPre};

/// The component built from `plugin/` by the build script.
pub const EMBEDDED_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/jlm_component.wasm"));

/// Epoch ticks per second (the ticker thread's rate).
const TICKS_PER_SECOND: u64 = 100;
/// Memory one store may use, unless configured otherwise.
pub const DEFAULT_MEMORY_LIMIT: usize = 512 << 20;
/// Instances one store may hold.
const STORE_INSTANCES: usize = 16;
/// Concurrent instances the pooling allocator reserves room for.
const POOL_INSTANCES: u32 = 32;

/// What one component call may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of memory one store (one instance) may grow to.
    pub memory: usize,
    /// Deadline of every call, replacing each export's own (2 s per order, 20 s per stock
    /// plan, …); `None` keeps those.
    pub deadline: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: DEFAULT_MEMORY_LIMIT,
            deadline: None,
        }
    }
}

/// State of one store: WASI context (std's imports only) and limits.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: fault::MemoryCap,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// The engine and the pre-linked component, shared by every job.
pub struct Runtime {
    engine: Engine,
    pre: ConnectorPre<HostState>,
    limits: Limits,
    ticker_stop: Arc<AtomicBool>,
}

impl Runtime {
    /// Loads the embedded component.
    pub fn embedded() -> anyhow::Result<Runtime> {
        Runtime::new(EMBEDDED_COMPONENT, default_cache_dir().as_deref())
    }

    /// Loads the component at `plugin` (a `.wasm` implementing the `jlm:connector` world), or
    /// the embedded one without it, with `limits` on every call.
    pub fn load(plugin: Option<&Path>, limits: Limits) -> anyhow::Result<Runtime> {
        match plugin {
            None => {
                Runtime::with_limits(EMBEDDED_COMPONENT, default_cache_dir().as_deref(), limits)
            }
            Some(path) => {
                let wasm = std::fs::read(path)
                    .with_context(|| format!("read the component {}", path.display()))?;
                Runtime::with_limits(&wasm, default_cache_dir().as_deref(), limits)
                    .with_context(|| format!("load the component {}", path.display()))
            }
        }
    }

    /// Loads a component with the default limits; with `cache_dir`, its compiled form is
    /// cached there (owner-only), keyed by the component's hash and the engine's
    /// configuration, and verified on load.
    pub fn new(wasm: &[u8], cache_dir: Option<&Path>) -> anyhow::Result<Runtime> {
        Runtime::with_limits(wasm, cache_dir, Limits::default())
    }

    /// Loads a component (see [`Runtime::new`]) with `limits` on every call.
    pub fn with_limits(
        wasm: &[u8],
        cache_dir: Option<&Path>,
        limits: Limits,
    ) -> anyhow::Result<Runtime> {
        let engine = engine(limits.memory)?;
        let component = cache::compile(&engine, wasm, cache_dir)?;
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wt(
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker),
            "link WASI",
        )?;
        if let Some(version) = version::exported_version(&engine, &component)
            && !version::compatible(&version)
        {
            anyhow::bail!(version::refusal(&version));
        }
        let pre = wt(
            ConnectorPre::new(wt(
                linker.instantiate_pre(&component),
                "link the component",
            )?),
            "the component does not export the jlm:connector world",
        )?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        let ticker_engine = engine.weak();
        let stop = ticker_stop.clone();
        std::thread::Builder::new()
            .name("jlm-epoch".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(1000 / TICKS_PER_SECOND));
                    match ticker_engine.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .context("start the epoch ticker")?;
        let runtime = Runtime {
            engine,
            pre,
            limits,
            ticker_stop,
        };
        let claimed = runtime.session()?.api_version()?;
        if !version::compatible(&claimed) {
            anyhow::bail!(version::refusal(&claimed));
        }
        Ok(runtime)
    }

    /// The limits every call runs with.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A new session (store + instance) for one batch of records. Its calls block until the
    /// component returns: call them where blocking is allowed (see [`Plugin`]).
    pub fn session(&self) -> anyhow::Result<Session> {
        let limits = fault::MemoryCap {
            cap: self.limits.memory,
            instances: STORE_INSTANCES,
        };
        let state = HostState {
            wasi: WasiCtx::builder().build(),
            table: ResourceTable::new(),
            limits,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(u64::MAX / 2);
        let instance = wt(
            self.pre.instantiate(&mut store),
            "instantiate the component",
        )?;
        Ok(Session {
            store,
            instance,
            deadline: self.limits.deadline,
            poisoned: false,
        })
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

/// One store with one instance of the component, reused across the records of a batch.
pub struct Session {
    store: Store<HostState>,
    instance: Connector,
    /// The configured deadline replacing each export's own, if any.
    deadline: Option<Duration>,
    poisoned: bool,
}

impl Session {
    /// Runs `call` of `export` with a deadline (`deadline` unless one is configured); a trap
    /// poisons the session and becomes a [`PluginFault`] of its kind.
    fn call<T>(
        &mut self,
        export: &'static str,
        deadline: Duration,
        call: impl FnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<T>,
    ) -> Result<T, PluginFault> {
        if self.poisoned {
            return Err(PluginFault {
                export,
                record: String::new(),
                kind: FaultKind::Trap,
                detail: "this session trapped earlier; start a new one".into(),
            });
        }
        let deadline = self.deadline.unwrap_or(deadline);
        let ticks = u64::try_from(deadline.as_millis())
            .unwrap_or(u64::MAX / 2)
            .saturating_mul(TICKS_PER_SECOND)
            .div_ceil(1000)
            .clamp(1, u64::MAX / 2);
        self.store.set_epoch_deadline(ticks);
        let result = call(&self.instance, &mut self.store);
        self.store.set_epoch_deadline(u64::MAX / 2);
        result.map_err(|e| {
            self.poisoned = true;
            PluginFault::from_call(export, &e)
        })
    }

    /// True once a call trapped.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

/// Converts a wasmtime error into an `anyhow` one with context.
fn wt<T>(result: wasmtime::Result<T>, what: &str) -> anyhow::Result<T> {
    result.map_err(|e| anyhow::anyhow!("{what}: {e:#}"))
}

/// Engine: pooling allocator sized to our concurrency (falling back to on-demand where the
/// address space cannot be reserved), copy-on-write memory images, epoch interruption, no
/// component-model async (it makes every call ~3× dearer).
fn engine(memory_limit: usize) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.memory_init_cow(true);
    config.concurrency_support(false);
    let mut pooled = config.clone();
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(POOL_INSTANCES)
        .total_memories(POOL_INSTANCES)
        .total_tables(POOL_INSTANCES * 2)
        .total_core_instances(POOL_INSTANCES * 4)
        .max_memory_size(memory_limit);
    pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    match Engine::new(&pooled) {
        Ok(engine) => Ok(engine),
        Err(e) => {
            tracing::warn!("pooling allocator unavailable ({e:#}); using on-demand allocation");
            wt(Engine::new(&config), "create the wasmtime engine")
        }
    }
}

/// `$XDG_CACHE_HOME/jlm` or `~/.cache/jlm`, if either can be determined.
fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("jlm"))
}
