//! Tracking-number formats, tracking-URL templates and URL encoding for dispatch.
//!
//! # The tracking-format language
//!
//! A format is one or more alternatives separated by `|`; a tracking number is valid when it
//! matches any alternative from its first to its last character. Within an alternative:
//!
//! - `A` matches one upper-case ASCII letter `A`–`Z`;
//! - `9` matches one ASCII digit `0`–`9`;
//! - `\` makes the next character literal (`\A`, `\9`, `\|`, `\\`);
//! - any other character matches itself exactly (case-sensitive).
//!
//! Whitespace around each alternative is ignored, so `"AA999999999GB | 99999999999999"` is
//! two alternatives: a Royal Mail S10 number such as `TT482019375GB`, or a 14-digit parcel
//! number. Tracking numbers are trimmed before matching and are otherwise taken as they are
//! (no case folding, inner spaces are not removed), so the number that matched is exactly the
//! number sent to John Lewis.

pub use crate::common::mirakl_request::percent_encode;

/// Longest format accepted, in characters.
const MAX_FORMAT_CHARS: usize = 1000;

/// One position of an alternative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// `A`: an upper-case ASCII letter.
    Letter,
    /// `9`: an ASCII digit.
    Digit,
    /// Any other character, matched exactly.
    Literal(char),
}

/// A parsed tracking format (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackingFormat {
    alternatives: Vec<Vec<Token>>,
}

impl TrackingFormat {
    /// Parses a format; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<TrackingFormat, String> {
        if text.chars().count() > MAX_FORMAT_CHARS {
            return Err(format!("is longer than {MAX_FORMAT_CHARS} characters"));
        }
        let mut alternatives = Vec::new();
        let mut current = String::new();
        let mut chars = text.chars();
        // Split on unescaped `|`, keeping escapes for the second pass.
        let mut raw: Vec<String> = Vec::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(next) => {
                        current.push('\\');
                        current.push(next);
                    }
                    None => return Err("ends with a lone backslash".into()),
                },
                '|' => raw.push(std::mem::take(&mut current)),
                _ => current.push(c),
            }
        }
        raw.push(current);
        for alternative in raw {
            let alternative = trim_unescaped(&alternative);
            if alternative.is_empty() {
                return Err("has an empty alternative".into());
            }
            let mut tokens = Vec::new();
            let mut chars = alternative.chars();
            while let Some(c) = chars.next() {
                tokens.push(match c {
                    '\\' => Token::Literal(chars.next().unwrap_or('\\')),
                    'A' => Token::Letter,
                    '9' => Token::Digit,
                    other => Token::Literal(other),
                });
            }
            alternatives.push(tokens);
        }
        Ok(TrackingFormat { alternatives })
    }

    /// True when `number` (already trimmed) matches one of the alternatives.
    pub fn matches(&self, number: &str) -> bool {
        self.alternatives.iter().any(|tokens| {
            number.chars().count() == tokens.len()
                && number.chars().zip(tokens).all(|(c, t)| match t {
                    Token::Letter => c.is_ascii_uppercase(),
                    Token::Digit => c.is_ascii_digit(),
                    Token::Literal(l) => c == *l,
                })
        })
    }
}

/// Trims whitespace around an alternative, keeping an escaped trailing space (`\ `).
fn trim_unescaped(alternative: &str) -> &str {
    let start = alternative.trim_start();
    let mut end = start.len();
    while end > 0 {
        let Some(last) = start[..end].chars().next_back() else {
            break;
        };
        if !last.is_whitespace() {
            break;
        }
        let before = &start[..end - last.len_utf8()];
        // An odd run of backslashes before the space escapes it.
        let slashes = before.chars().rev().take_while(|c| *c == '\\').count();
        if slashes % 2 == 1 {
            break;
        }
        end -= last.len_utf8();
    }
    &start[..end]
}

/// Placeholders a tracking-URL template may use for the tracking number: ours and Mirakl's
/// (SH21 templates use `{trackingId}`).
pub const URL_PLACEHOLDERS: [&str; 2] = ["{tracking}", "{trackingId}"];

/// The tracking URL from a template: every placeholder replaced by the percent-encoded
/// tracking number. `None` when the template needs a number and there is none.
pub fn tracking_url(template: &str, number: Option<&str>) -> Option<String> {
    let template = template.trim();
    let needs_number = URL_PLACEHOLDERS.iter().any(|p| template.contains(p));
    match (needs_number, number) {
        (false, _) => Some(template.to_string()),
        (true, None) => None,
        (true, Some(number)) => {
            let encoded = percent_encode(number);
            Some(
                URL_PLACEHOLDERS
                    .iter()
                    .fold(template.to_string(), |url, p| url.replace(p, &encoded)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn royal_mail_s10_format() {
        let f = TrackingFormat::parse("AA999999999GB").unwrap();
        assert!(f.matches("TT482019375GB"));
        assert!(!f.matches("TT48201937GB"), "one digit short");
        assert!(!f.matches("tt482019375GB"), "letters are upper case");
        assert!(!f.matches("TT482019375GBX"));
        assert!(!f.matches("TT482019375FR"), "literal suffix");
        assert!(!f.matches(""));
    }

    #[test]
    fn alternatives_and_escapes() {
        let f = TrackingFormat::parse(" AA999999999GB | 99999999999999 ").unwrap();
        assert!(f.matches("15501234567890"));
        assert!(f.matches("AB123456789GB"));
        assert!(!f.matches("1550123456789"));
        let f = TrackingFormat::parse(r"\A-999|X\|9").unwrap();
        assert!(f.matches("A-123"));
        assert!(!f.matches("B-123"));
        assert!(f.matches("X|7"));
        let f = TrackingFormat::parse(r"99\ ").unwrap();
        assert!(f.matches("12 "));
    }

    #[test]
    fn rejects_bad_formats() {
        for bad in ["", "AA|", "|99", "A||9", "99\\", "  "] {
            assert!(TrackingFormat::parse(bad).is_err(), "{bad:?}");
        }
        assert!(TrackingFormat::parse(&"9".repeat(1001)).is_err());
    }

    #[test]
    fn multibyte_numbers_do_not_panic() {
        let f = TrackingFormat::parse("A9").unwrap();
        assert!(!f.matches("É1"));
        assert!(!f.matches("😀"));
        let f = TrackingFormat::parse("é9").unwrap();
        assert!(f.matches("é1"));
    }

    #[test]
    fn urls() {
        assert_eq!(
            tracking_url("https://t.example/{tracking}", Some("AB 1/2")).as_deref(),
            Some("https://t.example/AB%201%2F2")
        );
        assert_eq!(
            tracking_url("https://t.example/?id={trackingId}", Some("X1")).as_deref(),
            Some("https://t.example/?id=X1")
        );
        assert_eq!(tracking_url("https://t.example/{tracking}", None), None);
        assert_eq!(
            tracking_url(" https://t.example/track ", None).as_deref(),
            Some("https://t.example/track")
        );
        assert_eq!(percent_encode("JL-20261126-0002-A"), "JL-20261126-0002-A");
        assert_eq!(percent_encode("a/b?c#d é"), "a%2Fb%3Fc%23d%20%C3%A9");
    }
}
