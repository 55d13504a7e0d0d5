//! The typed error for input the component cannot use at all.

use serde::Serialize;

/// Largest order document accepted, in bytes. Real OR11 orders are a few kilobytes.
pub const MAX_INPUT_BYTES: usize = 1024 * 1024;

/// Input that cannot be planned: malformed JSON, wrong types, absurd sizes. (Values outside
/// Mirakl's documented enums are not errors: the plan carries an exception instead.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanError {
    /// Stable code: `invalid_json`, `invalid_order`, `input_too_large`, `invalid_argument`.
    pub code: String,
    /// What was wrong, naming the field.
    pub message: String,
}

impl PlanError {
    /// A structurally valid document whose content is unusable.
    pub fn invalid(message: impl Into<String>) -> PlanError {
        PlanError {
            code: "invalid_order".into(),
            message: message.into(),
        }
    }

    /// A bad argument from the caller (not the marketplace document).
    pub fn argument(message: impl Into<String>) -> PlanError {
        PlanError {
            code: "invalid_argument".into(),
            message: message.into(),
        }
    }

    /// Rejects inputs over [`MAX_INPUT_BYTES`] before parsing them.
    pub fn check_size(what: &str, input: &str) -> Result<(), PlanError> {
        if input.len() > MAX_INPUT_BYTES {
            return Err(PlanError {
                code: "input_too_large".into(),
                message: format!(
                    "{what} is {} bytes; the limit is {MAX_INPUT_BYTES}",
                    input.len()
                ),
            });
        }
        Ok(())
    }

    /// Parses JSON into `T`, naming the path of the offending field on failure.
    pub fn parse_json<T: serde::de::DeserializeOwned>(
        what: &str,
        input: &str,
    ) -> Result<T, PlanError> {
        PlanError::check_size(what, input)?;
        // The fast path; only a failure pays for tracking the path to the bad field.
        if let Ok(value) = serde_json::from_str(input) {
            return Ok(value);
        }
        let mut deserializer = serde_json::Deserializer::from_str(input);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let code = if inner.is_syntax() || inner.is_eof() {
                "invalid_json"
            } else {
                "invalid_order"
            };
            let location = if path == "." {
                String::new()
            } else {
                format!(" at {path}")
            };
            PlanError {
                code: code.into(),
                message: format!("{what}{location}: {inner}"),
            }
        })
    }
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}
