//! What several flows share: exact money, EAN and time checks, country codes, the typed
//! error and the exception record, the hand-written JSON reader and writer, the Fulfil tax line and the Fulfil calls besides creating a sale, the OR11 order
//! reader, a line's money and the Mirakl refund or cancellation item taking part of it, the Mirakl request a plan asks for, and the units John Lewis holds for orders.
//! Nothing here imports a flow.

pub mod committed;
pub mod country;
pub mod ean;
pub mod error;
pub mod exception;
pub mod fast_hash;
pub mod fulfil_request;
pub mod fulfil_tax;
pub mod json_bytes;
pub mod json_reader;
pub mod json_writer;
pub mod line_money;
pub mod mirakl_order;
pub mod mirakl_request;
pub mod money;
pub mod time;
