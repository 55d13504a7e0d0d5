//! The host's own types for what it exchanges with the component, one file per WIT
//! interface. They mirror `wit/` field for field; `runtime` converts them to and from the
//! generated bindings, so no other part of the host names a generated type and a contract
//! change surfaces in one place.

pub mod cancellations;
pub mod dispatch;
pub mod exceptions;
pub mod inventory;
pub mod orders;
pub mod returns;
pub mod types;
