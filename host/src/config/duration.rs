//! Durations in configuration: `"60s"`, `"500ms"`, `"5m"`, `"1h 30m"`, `"2d"` (humantime's
//! grammar), or a bare number of seconds.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A configured interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigDuration(pub Duration);

impl ConfigDuration {
    /// Parses `"60s"`, `"500ms"`, `"5m"`, `"1h"`, `"2d"` or a bare number of seconds; a value
    /// too large for a duration is an error, never a wrapped-around one.
    pub fn parse(text: &str) -> Result<ConfigDuration, String> {
        let text = text.trim();
        if let Ok(seconds) = text.parse::<u64>() {
            return Ok(ConfigDuration(Duration::from_secs(seconds)));
        }
        humantime::parse_duration(text)
            .map(ConfigDuration)
            .map_err(|e| format!("not a duration ({e}): write one like 60s, 500ms, 5m, 1h or 2d"))
    }
}

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Seconds(s) => Ok(ConfigDuration(Duration::from_secs(s))),
            Raw::Text(t) => ConfigDuration::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Duration, String> {
        ConfigDuration::parse(text).map(|d| d.0)
    }

    #[test]
    fn parses_units() {
        assert_eq!(parsed("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parsed("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parsed("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parsed("1h 30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parsed("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parsed("45"), Ok(Duration::from_secs(45)));
        assert!(parsed("soon").is_err());
        assert!(parsed("5 fortnights").is_err());
    }

    #[test]
    fn a_duration_too_large_is_an_error_not_a_wrapped_one() {
        let error = parsed("999999999999999999d").expect_err("overflow");
        assert!(error.contains("not a duration"), "{error}");
    }
}
