//! The exceptions flow: what a person must act on, and when it is settled.
//!
//! [`catalogue`] lists every code the connector raises once, with its team, severity and what
//! to do (the README handbook is checked against it). [`facts`] answers what the host
//! observed (a rejection, an outage, a re-read) with the exceptions it raises, the open ones
//! it settles, and whether the work waits for a person.

pub mod catalogue;
pub mod facts;
