//! Durations in configuration: `"60s"`, `"500ms"`, `"5m"`, `"1h"`, or a bare number of seconds.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A configured interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigDuration(pub Duration);

impl ConfigDuration {
    /// Parses `"60s"`, `"500ms"`, `"5m"`, `"1h"`, `"2d"`.
    pub fn parse(text: &str) -> Result<ConfigDuration, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let n: u64 = number
            .parse()
            .map_err(|_| "not a duration: write one like 60s, 500ms, 5m, 1h or 2d".to_string())?;
        let duration = match unit.trim() {
            "ms" => Duration::from_millis(n),
            "" | "s" => Duration::from_secs(n),
            "m" | "min" => Duration::from_secs(n * 60),
            "h" => Duration::from_secs(n * 3_600),
            "d" => Duration::from_secs(n * 86_400),
            _ => {
                return Err("a duration with an unknown unit (use ms, s, m, h or d)".to_string());
            }
        };
        Ok(ConfigDuration(duration))
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

    #[test]
    fn parses_units() {
        assert_eq!(
            ConfigDuration::parse("60s").map(|d| d.0),
            Ok(Duration::from_secs(60))
        );
        assert_eq!(
            ConfigDuration::parse("250ms").map(|d| d.0),
            Ok(Duration::from_millis(250))
        );
        assert_eq!(
            ConfigDuration::parse("2m").map(|d| d.0),
            Ok(Duration::from_secs(120))
        );
        assert!(ConfigDuration::parse("soon").is_err());
        assert!(ConfigDuration::parse("5 weeks").is_err());
    }
}
