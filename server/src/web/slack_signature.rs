//! Slack signs every request to an app with HMAC-SHA256 of `v0:{timestamp}:{raw body}` under the app's signing
//! secret (`X-Slack-Signature: v0=<hex>`, `X-Slack-Request-Timestamp`). A request older than five minutes is
//! refused even with a good signature, so a captured one cannot be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How old a signed request may be (either way: a clock ahead of ours counts too).
pub const FRESH_FOR_SECONDS: i64 = 5 * 60;

/// Why a request was not taken as Slack's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlackRefusal {
    #[error("the request carries no X-Slack-Signature or X-Slack-Request-Timestamp")]
    Unsigned,
    #[error("the request's timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("the request is more than five minutes old (or from the future): a replay is refused")]
    Stale,
    #[error("the request's signature does not match the signing secret")]
    Forged,
}

/// Checks a request's signature at `now` (seconds since the epoch); constant-time comparison.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SlackRefusal> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else { return Err(SlackRefusal::Unsigned) };
    let sent: i64 = timestamp.trim().parse().map_err(|_| SlackRefusal::BadTimestamp)?;
    if (now - sent).abs() > FRESH_FOR_SECONDS {
        return Err(SlackRefusal::Stale);
    }
    let expected = signature.strip_prefix("v0=").and_then(|hex| hex::decode(hex).ok()).ok_or(SlackRefusal::Forged)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SlackRefusal::Forged)?;
    mac.update(b"v0:");
    mac.update(timestamp.trim().as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.verify_slice(&expected).map_err(|_| SlackRefusal::Forged)
}

/// The header value Slack would send (tests, and the sandbox's simulated chat).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Slack's worked example in "Verifying requests from Slack".
    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: i64 = 1_531_420_618;
    const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slacks_documented_example_verifies() {
        assert_eq!(sign(SECRET, TIMESTAMP, BODY), SIGNATURE);
        assert_eq!(verify(SECRET, Some("1531420618"), Some(SIGNATURE), BODY, TIMESTAMP + 10), Ok(()));
    }

    #[test]
    fn a_wrong_signature_a_replay_and_a_missing_header_are_refused() {
        let at = TIMESTAMP + 10;
        let ts = Some("1531420618");
        assert_eq!(verify(SECRET, ts, Some(SIGNATURE), b"token=changed", at), Err(SlackRefusal::Forged));
        assert_eq!(verify(b"another secret", ts, Some(SIGNATURE), BODY, at), Err(SlackRefusal::Forged));
        assert_eq!(verify(SECRET, ts, Some("v1=a2114d57"), BODY, at), Err(SlackRefusal::Forged));
        assert_eq!(verify(SECRET, ts, Some("v0=not-hex"), BODY, at), Err(SlackRefusal::Forged));
        assert_eq!(verify(SECRET, ts, Some(SIGNATURE), BODY, TIMESTAMP + 301), Err(SlackRefusal::Stale));
        assert_eq!(verify(SECRET, ts, Some(SIGNATURE), BODY, TIMESTAMP - 301), Err(SlackRefusal::Stale));
        assert_eq!(verify(SECRET, None, Some(SIGNATURE), BODY, at), Err(SlackRefusal::Unsigned));
        assert_eq!(verify(SECRET, ts, None, BODY, at), Err(SlackRefusal::Unsigned));
        assert_eq!(verify(SECRET, Some("yesterday"), Some(SIGNATURE), BODY, at), Err(SlackRefusal::BadTimestamp));
        // A replay of the exact request with a fresh timestamp header does not match its signature.
        assert_eq!(verify(SECRET, Some("1531420900"), Some(SIGNATURE), BODY, 1_531_420_900), Err(SlackRefusal::Forged));
    }
}
