//! Hand-written: the string scan of the hand-written reader ([`crate::common::json_reader`], see why there).
//!
//! Finding the bytes a JSON string treats specially (quote, backslash, control characters),
//! eight bytes at a time: the inner loop of the reader.

/// The index of the first quote, backslash or control character at or after `from`, or
/// `bytes.len()` when there is none.
#[inline(always)]
pub fn next_special(bytes: &[u8], from: usize) -> usize {
    // Most JSON strings are short: the first word is checked before any loop (in wasm every
    // loop pays an interruption check).
    if let Some(chunk) = bytes.get(from..).and_then(<[u8]>::first_chunk::<8>) {
        let special = special_bytes(u64::from_le_bytes(*chunk));
        if special != 0 {
            return from + (special.trailing_zeros() / 8) as usize;
        }
    }
    let mut i = from;
    while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let special = special_bytes(u64::from_le_bytes(*chunk));
        if special != 0 {
            return i + (special.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if is_special(b) {
            return i;
        }
        i += 1;
    }
    i
}

/// True for a quote, a backslash or a control character.
#[inline(always)]
pub fn is_special(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// A mask with the high bit set in each byte of `word` that is special. Only the lowest set
/// byte is exact (a borrow can mark a byte above it), which is all a scan needs.
#[inline(always)]
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_special_byte_whatever_surrounds_it() {
        for (text, at) in [
            ("abcdefgh\"", 8),
            ("ab\"defgh\"", 2),
            ("abcdefg\\\"\"", 7),
            ("é\"xxxxxxxx\"", 2),
            ("\u{7f}\u{80}ÿ\"", 5),
            ("abcdefg\u{1}", 7),
            ("\u{1f}\"", 0),
            ("plain text, no specials at all", 30),
            ("", 0),
        ] {
            assert_eq!(next_special(text.as_bytes(), 0), at, "{text:?}");
        }
        // Every position of a quote in a word, after every kind of byte.
        for filler in [b'a', b' ', 0x7f, 0xc3, 0xff] {
            for at in 0..20 {
                let mut bytes = vec![filler; 24];
                bytes[at] = b'"';
                assert_eq!(next_special(&bytes, 0), at, "{filler:#x} {at}");
            }
        }
    }
}
