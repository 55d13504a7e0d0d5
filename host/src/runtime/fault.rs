//! What a failed component call reports: [`PluginFault`], typed by [`FaultKind`], and the
//! store limiter whose memory cap turns into [`FaultKind::Memory`].

use wasmtime::{ResourceLimiter, Trap};

/// Why a component call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The component trapped: a panic, an out-of-bounds access, any other bug.
    Trap,
    /// The call ran past its deadline and was interrupted.
    Deadline,
    /// The component tried to use more memory than a store may have.
    Memory,
}

impl FaultKind {
    /// The kind's name, as shown in messages: "trap", "deadline" or "memory".
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Trap => "trap",
            FaultKind::Deadline => "deadline",
            FaultKind::Memory => "memory",
        }
    }
}

/// A component call that failed (bug, deadline or memory cap); the session that ran it is
/// unusable and is replaced by a new instance for the next call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginFault {
    /// The export called, as in the WIT, e.g. "plan-order".
    pub export: &'static str,
    /// The record it was called for (an order id, a shipment id, "stock plan"), or empty
    /// when the caller did not say.
    pub record: String,
    /// Why it failed.
    pub kind: FaultKind,
    /// What wasmtime reported, for the maintainers.
    pub detail: String,
}

impl PluginFault {
    /// Classifies a wasmtime error raised by a call of `export`.
    pub fn from_call(export: &'static str, error: &wasmtime::Error) -> PluginFault {
        let kind = if error.is::<MemoryCapExceeded>() {
            FaultKind::Memory
        } else {
            match error.downcast_ref::<Trap>() {
                Some(Trap::Interrupt) => FaultKind::Deadline,
                Some(Trap::AllocationTooLarge) => FaultKind::Memory,
                _ => FaultKind::Trap,
            }
        };
        PluginFault {
            export,
            record: String::new(),
            kind,
            detail: format!("{error:#}"),
        }
    }

    /// The same fault, naming the record it was called for (unless one is named already).
    pub fn about(mut self, record: impl Into<String>) -> PluginFault {
        if self.record.is_empty() {
            self.record = record.into();
        }
        self
    }

    /// What happened, in plain words (without the record).
    pub fn summary(&self) -> String {
        match self.kind {
            FaultKind::Trap => format!("`{}` crashed", self.export),
            FaultKind::Deadline => format!("`{}` ran past its deadline", self.export),
            FaultKind::Memory => format!("`{}` exceeded its memory limit", self.export),
        }
    }
}

/// The code of the exception a fault raises. The host raises this one itself: a component
/// that faults cannot be trusted to describe its own fault (the catalogue lists it too).
pub const PLUGIN_FAULT: &str = "plugin_fault";

/// Longest part of wasmtime's report quoted in a `plugin_fault` message.
const FAULT_DETAIL_CHARS: usize = 600;

impl PluginFault {
    /// The `plugin_fault` exception (operations, blocking) about `subject`: the export that
    /// failed, on which record, why, then `what_next` (what happened to the work).
    pub fn exception(&self, subject: &str, what_next: &str) -> crate::store::NewException {
        let mut detail: String = self.detail.chars().take(FAULT_DETAIL_CHARS).collect();
        if detail.len() < self.detail.len() {
            detail.push('…');
        }
        let on = if self.record.is_empty() {
            String::new()
        } else {
            format!(" on {}", self.record)
        };
        let what = match self.kind {
            FaultKind::Trap => "crashed",
            FaultKind::Deadline => "ran past its deadline",
            FaultKind::Memory => "exceeded its memory limit",
        };
        crate::store::NewException {
            code: PLUGIN_FAULT.into(),
            team: "operations".into(),
            severity: "blocking".into(),
            subject: subject.into(),
            message: format!(
                "The connector's component {what}{on} (export `{}`, {}: {detail}). {what_next} If it repeats, report this message to the jlm maintainers.",
                self.export,
                self.kind.name(),
            ),
        }
    }
}

impl std::fmt::Display for PluginFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the component's {}", self.summary())?;
        if !self.record.is_empty() {
            write!(f, " on {}", self.record)?;
        }
        write!(f, " ({}: {})", self.kind.name(), self.detail)
    }
}

impl std::error::Error for PluginFault {}

/// The error the limiter raises when a store would grow past its memory cap (or could not
/// grow at all).
#[derive(Debug)]
pub struct MemoryCapExceeded {
    /// Bytes the component asked for in total; 0 when the system refused the growth.
    pub desired: usize,
    /// The cap.
    pub cap: usize,
}

impl std::fmt::Display for MemoryCapExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.desired {
            0 => write!(f, "memory could not grow (cap {} bytes)", self.cap),
            desired => write!(
                f,
                "memory would grow to {desired} bytes, over the cap of {} bytes",
                self.cap
            ),
        }
    }
}

impl std::error::Error for MemoryCapExceeded {}

/// Store limiter: memory capped at `cap` bytes (growing past it traps with
/// [`MemoryCapExceeded`]), at most `instances` instances; tables are not limited beyond
/// the engine's own bounds.
pub struct MemoryCap {
    /// Bytes a store's memories may hold.
    pub cap: usize,
    /// Instances a store may hold.
    pub instances: usize,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.cap || maximum.is_some_and(|max| desired > max) {
            return Err(MemoryCapExceeded {
                desired,
                cap: self.cap,
            }
            .into());
        }
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context(MemoryCapExceeded {
            desired: 0,
            cap: self.cap,
        }))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }

    fn instances(&self) -> usize {
        self.instances
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_classified_by_what_wasmtime_reports() {
        let kind = |e: wasmtime::Error| PluginFault::from_call("plan-order", &e).kind;
        assert_eq!(
            kind(wasmtime::Error::new(Trap::Interrupt)),
            FaultKind::Deadline
        );
        assert_eq!(
            kind(wasmtime::Error::new(Trap::UnreachableCodeReached)),
            FaultKind::Trap
        );
        let capped = wasmtime::Error::new(MemoryCapExceeded {
            desired: 1 << 30,
            cap: 1 << 20,
        })
        .context("error while executing at wasm backtrace");
        assert_eq!(kind(capped), FaultKind::Memory);
        assert_eq!(kind(wasmtime::Error::msg("anything else")), FaultKind::Trap);
    }

    #[test]
    fn a_fault_names_its_export_and_record() {
        let fault = PluginFault::from_call("plan-dispatch", &wasmtime::Error::new(Trap::Interrupt))
            .about("shipment 7")
            .about("ignored: the first record named wins");
        assert_eq!(fault.record, "shipment 7");
        let text = fault.to_string();
        assert!(
            text.starts_with(
                "the component's `plan-dispatch` ran past its deadline on shipment 7 (deadline: "
            ),
            "{text}"
        );
    }
}
