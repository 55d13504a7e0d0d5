//! The wasmtime runtime that runs the component: one `Engine`, one `Linker`, one pre-linked
//! component built at start-up; a `Session` (a `Store` with one instance) per job batch.
//!
//! A trap poisons a store, so a session that trapped is dropped and the caller gets a
//! [`PluginFault`]; memory is capped per store and every call has an epoch deadline, so a
//! runaway component cannot stall the host.

mod cache;
mod dispatch;
mod inventory;
mod orders;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

pub use dispatch::dispatch_plan_to_json;
pub use inventory::stock_plan_to_json;
pub use orders::{OrderInput, action_name, plan_to_json, severity_name, team_name};

wasmtime::component::bindgen!({ path: "../wit", world: "connector" });

/// The component built from `plugin/` by the build script.
pub const EMBEDDED_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/jlm_component.wasm"));

/// Epoch ticks per second (the ticker thread's rate).
const TICKS_PER_SECOND: u64 = 100;
/// Memory one store may use.
const STORE_MEMORY_LIMIT: usize = 512 << 20;
/// Concurrent instances the pooling allocator reserves room for.
const POOL_INSTANCES: u32 = 32;

/// The component trapped (bug, resource limit or deadline); the session is unusable.
#[derive(Debug)]
pub struct PluginFault(pub String);

impl std::fmt::Display for PluginFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the component failed: {}", self.0)
    }
}

impl std::error::Error for PluginFault {}

/// State of one store: WASI context (std's imports only) and limits.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
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
    ticker_stop: Arc<AtomicBool>,
}

impl Runtime {
    /// Loads the embedded component.
    pub fn embedded() -> anyhow::Result<Runtime> {
        Runtime::new(EMBEDDED_COMPONENT, default_cache_dir().as_deref())
    }

    /// Loads a component; with `cache_dir`, its compiled form is cached there (owner-only),
    /// keyed by the component's hash and the engine's configuration, and verified on load.
    pub fn new(wasm: &[u8], cache_dir: Option<&Path>) -> anyhow::Result<Runtime> {
        let engine = engine()?;
        let component = cache::compile(&engine, wasm, cache_dir)?;
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wt(
            wasmtime_wasi::p2::add_to_linker_sync(&mut linker),
            "link WASI",
        )?;
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
        Ok(Runtime {
            engine,
            pre,
            ticker_stop,
        })
    }

    /// A new session (store + instance) for one batch of records.
    pub fn session(&self) -> anyhow::Result<Session> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(STORE_MEMORY_LIMIT)
            .instances(16)
            .trap_on_grow_failure(true)
            .build();
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
    poisoned: bool,
}

impl Session {
    /// Runs `call` with a deadline; a trap poisons the session and becomes a [`PluginFault`].
    fn call<T>(
        &mut self,
        deadline: Duration,
        call: impl FnOnce(&Connector, &mut Store<HostState>) -> wasmtime::Result<T>,
    ) -> Result<T, PluginFault> {
        if self.poisoned {
            return Err(PluginFault(
                "this session trapped earlier; start a new one".into(),
            ));
        }
        let ticks = (deadline.as_millis() as u64 * TICKS_PER_SECOND / 1000).max(1);
        self.store.set_epoch_deadline(ticks);
        let result = call(&self.instance, &mut self.store);
        self.store.set_epoch_deadline(u64::MAX / 2);
        result.map_err(|e| {
            self.poisoned = true;
            PluginFault(format!("{e:#}"))
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
fn engine() -> anyhow::Result<Engine> {
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
        .max_memory_size(STORE_MEMORY_LIMIT);
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
