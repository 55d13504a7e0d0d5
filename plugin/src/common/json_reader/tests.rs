//! Tests of the JSON reader.

use super::*;

/// Skips a whole document; the error, if any.
fn skip(text: &str) -> Result<(), JsonError> {
    let mut r = Reader::new(text);
    r.skip()?;
    r.end()
}

#[test]
fn skips_what_serde_json_accepts_and_rejects_what_it_rejects() {
    let cases = [
        r#"{"a":[1,-2.5e-3,true,false,null,{"b":{}},[]],"c":"x\"y\\u00e9\ud83d\ude00"}"#,
        " [ 0 , 1E+2 , \"\" ] ",
        "\"a long string with no escapes that spans several eight-byte words\"",
        "{\"k\":\"é – ü ✓\"}",
        "{",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "[01]",
        "[1.]",
        "[.5]",
        "[1e]",
        "[-]",
        "[tru]",
        "[nul]",
        "\"a\tb\"",
        "\"\\x\"",
        "\"\\u12G4\"",
        "[1] [2]",
        "{1:2}",
        "[}",
        "{]",
        "",
        "\"unterminated",
    ];
    for text in cases {
        let ours = skip(text).is_ok();
        let serde = serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
        assert_eq!(ours, serde, "{text:?}");
    }
}

#[test]
fn agrees_with_serde_json_on_generated_and_damaged_documents() {
    let mut rng = fastrand::Rng::with_seed(0x94d0_49bb_1331_11eb);
    /// Tokens documents are made of, valid and not.
    const PIECES: [&str; 32] = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\"k\"",
        "\"é✓\"",
        "\"a\\\"b\"",
        "\"\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\x\"",
        "\\",
        "0",
        "-1",
        "12.5",
        "1e3",
        "-0.0E-2",
        "01",
        "1.",
        ".5",
        "true",
        "false",
        "null",
        "nul",
        " ",
        "\n",
        "\t",
        "\u{1}",
        "x",
    ];
    let mut accepted = 0;
    for round in 0..30_000 {
        let text: String = if round % 2 == 0 {
            // A random sequence of pieces: mostly not JSON.
            (0..rng.usize(..12))
                .map(|_| PIECES[rng.usize(..PIECES.len())])
                .collect()
        } else {
            // A valid document with one piece inserted or one byte removed.
            let mut text = String::from(
                r#"{"a":[1,-2.5e-3,true,null,{"b":"x\"\u00e9"}],"c":{"d":[],"e":"é"}}"#,
            );
            let at = rng.usize(..text.len());
            if text.is_char_boundary(at) {
                if rng.usize(..2) == 0 {
                    text.insert_str(at, PIECES[rng.usize(..PIECES.len())]);
                } else if text.is_char_boundary(at + 1) {
                    text.remove(at);
                }
            }
            text
        };
        let ours = skip(&text).is_ok();
        let serde = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
        assert_eq!(ours, serde, "{text:?}");
        accepted += usize::from(ours);
        // A string that both accept reads to the same text.
        if let Ok(serde_json::Value::String(expected)) = serde_json::from_str(&text) {
            let mut r = Reader::new(&text);
            assert_eq!(r.string().map(|s| s.into_owned()), Ok(expected), "{text:?}");
        }
    }
    // Both verdicts are well represented.
    assert!((3_000..27_000).contains(&accepted), "{accepted} accepted");
}

#[test]
fn nesting_is_bounded_without_recursion() {
    let deep = "[".repeat(100_000);
    let err = skip(&deep).unwrap_err();
    assert!(err.syntax && err.message.contains("nesting"), "{err:?}");
    let ok = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert!(skip(&ok).is_ok());
}

#[test]
fn strings_are_borrowed_unless_escaped() {
    let mut r = Reader::new(r#"["plain", "a\"b\u00e9\ud83d\ude00\n"]"#);
    let items = r.vec(Reader::string).unwrap();
    assert!(matches!(items[0], Cow::Borrowed("plain")));
    assert_eq!(items[1], "a\"bé😀\n");
    let mut lone = Reader::new(r#""\ud83d""#);
    assert!(lone.string().unwrap_err().syntax);
}

#[test]
fn numbers_are_exact_decimals() {
    let read = |text: &str| Reader::new(text).decimal();
    let d = |mantissa: i128, scale: u32| Ok(Decimal { mantissa, scale });
    assert_eq!(read("45.0"), d(45, 0));
    assert_eq!(read("45.50"), d(455, 1));
    assert_eq!(read("-0.83"), d(-83, 2));
    assert_eq!(read("1.5e2"), d(150, 0));
    assert_eq!(read("125E-2"), d(125, 2));
    assert_eq!(read("0.1"), d(1, 1));
    assert_eq!(read("45.000000000000000000000"), d(45, 0));
    assert_eq!(read("0.0"), d(0, 0));
    assert!(!read("1234567890.1234567890").unwrap_err().syntax);
    assert!(!read("1e999").unwrap_err().syntax);
    assert!(!read("\"4.5\"").unwrap_err().syntax);
    assert_eq!(Reader::new("-42").integer(), Ok(-42));
    assert!(!Reader::new("2.0").integer().unwrap_err().syntax);
    assert!(
        !Reader::new("99999999999999999999")
            .integer()
            .unwrap_err()
            .syntax
    );
}

#[test]
fn errors_name_the_path_and_the_kind() {
    let text = r#"{"lines":[{"q":1},{"q":"two"}]}"#;
    let mut r = Reader::new(text);
    let err = r
        .object(|r, key| match key {
            "lines" => r
                .array(|r, _| r.object(|r, _| r.integer().map(drop)))
                .map(drop),
            _ => r.skip(),
        })
        .unwrap_err();
    assert!(!err.syntax);
    assert_eq!(err.path, "lines[1].q");
    assert_eq!(err.message, "expected an integer, found a string");

    let mut r = Reader::new("[1, 2");
    let err = r.vec(Reader::integer).unwrap_err();
    assert!(err.syntax, "{err:?}");
}
