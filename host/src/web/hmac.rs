//! Fulfil webhook signatures: `X-Fulfil-Hmac-SHA256`.
//!
//! Fulfil signs every webhook delivery with
//! `base64(HMAC_SHA256(key = base64_decode(secret), msg = raw request body))` and sends the
//! result in the `X-Fulfil-Hmac-SHA256` header. The secret is the base64 text shown in
//! Fulfil's UI (and returned by its API). Verification is done over the *raw* bytes, before any
//! JSON parsing, and the comparison runs in constant time.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Name of the header carrying Fulfil's signature.
pub const SIGNATURE_HEADER: &str = "X-Fulfil-Hmac-SHA256";

/// Standard-alphabet base64 that accepts the secret with or without `=` padding.
const SECRET_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The HMAC key behind a base64 secret (surrounding whitespace ignored); `None` when the
/// secret is not valid base64 or decodes to nothing (an empty key would make every signature
/// trivially forgeable by anyone who guesses it).
fn key(secret_b64: &str) -> Option<Vec<u8>> {
    SECRET_ENGINE
        .decode(secret_b64.trim())
        .ok()
        .filter(|key| !key.is_empty())
}

/// True when `secret_b64` is usable as a webhook secret: non-empty, valid base64.
pub fn secret_is_valid(secret_b64: &str) -> bool {
    key(secret_b64).is_some()
}

/// The raw HMAC-SHA256 of `body` under `key`.
fn mac(key: &[u8], body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this constructor cannot fail; fall back to an empty
    // digest (which never verifies) rather than panicking.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(body);
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

/// The header value Fulfil would send for `body` under `secret_b64`:
/// `base64(HMAC_SHA256(base64_decode(secret), body))`. Returns an empty string (which never
/// verifies) when the secret is not valid (see [`secret_is_valid`]). Used by the sandbox's
/// webhook sender and by tests.
pub fn sign(secret_b64: &str, body: &[u8]) -> String {
    match key(secret_b64) {
        Some(key) => STANDARD.encode(mac(&key, body)),
        None => String::new(),
    }
}

/// True when `header` (the `X-Fulfil-Hmac-SHA256` value, surrounding whitespace ignored) is
/// the signature of `body` under `secret_b64`. Compared in constant time. False when the header
/// is missing or the secret is not valid.
pub fn verify_fulfil_signature(secret_b64: &str, body: &[u8], header: Option<&str>) -> bool {
    let (Some(key), Some(header)) = (key(secret_b64), header) else {
        return false;
    };
    let expected = STANDARD.encode(mac(&key, body));
    expected.as_bytes().ct_eq(header.trim().as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed independently with Python's hmac/hashlib/base64:
    //   secret = base64.b64encode(b"jlm-test-webhook-secret-0123456789")
    //   base64.b64encode(hmac.new(base64.b64decode(secret), BODY, hashlib.sha256).digest())
    const SECRET: &str = "amxtLXRlc3Qtd2ViaG9vay1zZWNyZXQtMDEyMzQ1Njc4OQ==";
    const BODY: &[u8] = br#"[{"timestamp":"2019-03-19T21:34:49.296368","product_code":"SKU","warehouse_quantities":[{"warehouse_id":4,"quantity_on_hand":0,"quantity_available":0,"warehouse_code":"WAREHOUSE-EAST"}],"product_id":3697,"listing_quantities":[]}]"#;
    const BODY_SIGNATURE: &str = "+GnzEt6Euha6Wv0AMaqC1crAt/p7pGYiPOybZhfpv98=";
    const EMPTY_BODY_SIGNATURE: &str = "X6wpWq8PodHSOlP7/BkVHmrDGAbP6LwbvHuPFHy5kQo=";
    // RFC 4231 test case 2 (key "Jefe"), base64 of the published hex digest.
    const JEFE: &str = "SmVmZQ==";
    const JEFE_SIGNATURE: &str = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=";

    #[test]
    fn sign_matches_independent_vectors() {
        assert_eq!(sign(SECRET, BODY), BODY_SIGNATURE);
        assert_eq!(sign(SECRET, b""), EMPTY_BODY_SIGNATURE);
        assert_eq!(sign(JEFE, b"what do ya want for nothing?"), JEFE_SIGNATURE);
    }

    #[test]
    fn verifies_known_signature() {
        assert!(verify_fulfil_signature(SECRET, BODY, Some(BODY_SIGNATURE)));
        assert!(verify_fulfil_signature(
            SECRET,
            BODY,
            Some(&format!(" {BODY_SIGNATURE} "))
        ));
        // Padding on the secret is optional.
        assert!(verify_fulfil_signature(
            SECRET.trim_end_matches('='),
            BODY,
            Some(BODY_SIGNATURE)
        ));
    }

    #[test]
    fn rejects_wrong_or_missing_signature() {
        assert!(!verify_fulfil_signature(SECRET, BODY, None));
        assert!(!verify_fulfil_signature(SECRET, BODY, Some("")));
        assert!(!verify_fulfil_signature(
            SECRET,
            BODY,
            Some(EMPTY_BODY_SIGNATURE)
        ));
        // Truncated and case-changed signatures.
        assert!(!verify_fulfil_signature(
            SECRET,
            BODY,
            Some(&BODY_SIGNATURE[..20])
        ));
        assert!(!verify_fulfil_signature(
            SECRET,
            BODY,
            Some(&BODY_SIGNATURE.to_lowercase())
        ));
        // One changed byte in the body.
        let mut tampered = BODY.to_vec();
        tampered[20] ^= 1;
        assert!(!verify_fulfil_signature(
            SECRET,
            &tampered,
            Some(BODY_SIGNATURE)
        ));
        // Another secret.
        assert!(!verify_fulfil_signature(JEFE, BODY, Some(BODY_SIGNATURE)));
    }

    #[test]
    fn invalid_secret_never_verifies() {
        for bad in ["", "   ", "not base64!", "####"] {
            assert!(!secret_is_valid(bad), "{bad:?}");
            assert_eq!(sign(bad, BODY), "");
            assert!(!verify_fulfil_signature(bad, BODY, Some("")));
            assert!(!verify_fulfil_signature(bad, BODY, Some(BODY_SIGNATURE)));
        }
        assert!(secret_is_valid(SECRET));
    }
}
