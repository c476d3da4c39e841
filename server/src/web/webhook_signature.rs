//! GitHub signs each delivery with HMAC-SHA256 of the body under the webhook secret (`X-Hub-Signature-256`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// True when `header` (`sha256=<64 hex>`) is the signature of `body` under one of `secrets`. The comparison is in
/// constant time (`verify_slice`), so timing does not leak how much of a forged signature was right.
pub fn is_signed_by_any(secrets: &[Vec<u8>], header: Option<&str>, body: &[u8]) -> bool {
    let Some(signature) = header.and_then(|h| h.strip_prefix("sha256=")).and_then(|hex| hex::decode(hex).ok()) else {
        return false;
    };
    secrets.iter().any(|secret| {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
        mac.update(body);
        mac.verify_slice(&signature).is_ok()
    })
}

/// The header value GitHub would send (tests and the sandbox's simulated deliveries).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // GitHub's documented test vector.
    const SECRET: &[u8] = b"It's a Secret to Everybody";
    const PAYLOAD: &[u8] = b"Hello, World!";
    const SIGNATURE: &str = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn githubs_test_vector_verifies() {
        assert_eq!(sign(SECRET, PAYLOAD), SIGNATURE);
        assert!(is_signed_by_any(&[SECRET.to_vec()], Some(SIGNATURE), PAYLOAD));
    }

    #[test]
    fn anything_else_is_refused() {
        let secrets = [SECRET.to_vec()];
        assert!(!is_signed_by_any(&secrets, None, PAYLOAD));
        assert!(!is_signed_by_any(&secrets, Some("sha1=757107ea"), PAYLOAD));
        assert!(!is_signed_by_any(&secrets, Some("sha256=not-hex"), PAYLOAD));
        assert!(!is_signed_by_any(&secrets, Some(SIGNATURE), b"Hello, World?"));
        assert!(!is_signed_by_any(&[b"another secret".to_vec()], Some(SIGNATURE), PAYLOAD));
        assert!(!is_signed_by_any(&[], Some(SIGNATURE), PAYLOAD));
    }

    #[test]
    fn the_previous_secret_still_works_during_rotation() {
        let secrets = [b"new secret".to_vec(), SECRET.to_vec()];
        assert!(is_signed_by_any(&secrets, Some(SIGNATURE), PAYLOAD));
    }
}
