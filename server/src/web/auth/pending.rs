//! A sign-in under way lives in its own signed cookie, not in the session: starting one writes nothing to the
//! database (an anonymous visitor leaves no row behind) and never touches a session, signed in or signed out.
//! The cookie holds the `state`, the PKCE verifier and where to go back, signed with HMAC-SHA256 under a key every
//! instance shares (kept in the database), and lasts ten minutes; a `state` is taken once per instance.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use tengu_core::ports::Store;

/// How long a sign-in may take, from the button to GitHub's callback.
pub const PENDING_SECONDS: i64 = 10 * 60;
/// The database document holding the key the cookies are signed with.
const KEY_DOCUMENT: &str = "sign_in_cookie_key";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub verifier: String,
    pub next: String,
    /// Seconds since the epoch after which it is no longer taken.
    pub until: i64,
}

/// The signing key and the states already taken.
#[derive(Default)]
pub struct PendingSignIns {
    key: tokio::sync::OnceCell<Vec<u8>>,
    taken: Mutex<Taken>,
}

/// States taken and not yet expired, oldest first, so forgetting the expired costs only what is forgotten.
#[derive(Default)]
struct Taken {
    states: HashSet<String>,
    order: VecDeque<(i64, String)>,
}

/// Beyond this many states taken within ten minutes the oldest are forgotten: a flood of callbacks costs bounded
/// memory (a forgotten state's code was spent at GitHub on its first try anyway).
const MOST_TAKEN: usize = 100_000;

impl PendingSignIns {
    /// The cookie's name: `__Secure-` on https, so only a secure origin can set it.
    pub fn cookie_name(https: bool) -> &'static str {
        if https { "__Secure-tengu_sign_in" } else { "tengu_sign_in" }
    }

    /// The shared key: read from the database, or made and stored by the first instance that needs it.
    async fn key(&self, store: &dyn Store) -> Result<&[u8], String> {
        let key = self
            .key
            .get_or_try_init(|| async {
                for _ in 0..3 {
                    if let Some(stored) = store.load_document(KEY_DOCUMENT).await.map_err(|e| e.to_string())? {
                        return hex::decode(stored.trim().trim_matches('"')).map_err(|e| e.to_string());
                    }
                    let fresh = hex::encode(super::pkce::random_token());
                    let json = serde_json::Value::String(fresh).to_string();
                    // Only if no instance stored one first; otherwise read theirs.
                    store.replace_document(KEY_DOCUMENT, 0, &json).await.map_err(|e| e.to_string())?;
                }
                Err("the sign-in key could not be stored".to_owned())
            })
            .await?;
        Ok(key)
    }

    /// The `Set-Cookie` value that carries `pending`.
    pub async fn cookie(&self, store: &dyn Store, pending: &Pending, https: bool) -> Result<String, String> {
        let key = self.key(store).await?;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(pending).map_err(|e| e.to_string())?);
        let signature = sign(key, &payload);
        Ok(format!(
            "{}={payload}.{signature}; Path=/auth/github; Max-Age={PENDING_SECONDS}; HttpOnly; SameSite=Lax{}",
            Self::cookie_name(https),
            if https { "; Secure" } else { "" }
        ))
    }

    /// The sign-in the request's cookie carries, if it is ours, unexpired, for `state`, and not taken before.
    pub async fn take(
        &self,
        store: &dyn Store,
        cookie_header: Option<&str>,
        state: &str,
        https: bool,
        now: i64,
    ) -> Option<Pending> {
        let name = Self::cookie_name(https);
        let value = cookie_header?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find_map(|(k, v)| (k == name).then_some(v))?;
        let (payload, signature) = value.split_once('.')?;
        let key = self.key(store).await.ok()?;
        let expected = hex::decode(signature).ok()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
        mac.update(payload.as_bytes());
        mac.verify_slice(&expected).ok()?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
        let pending: Pending = serde_json::from_slice(&bytes).ok()?;
        if pending.state != state || pending.until < now {
            return None;
        }
        let mut taken = self.taken.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        while let Some((until, _)) = taken.order.front()
            && (*until < now || taken.order.len() >= MOST_TAKEN)
        {
            let (_, old) = taken.order.pop_front().expect("a front");
            taken.states.remove(&old);
        }
        if !taken.states.insert(pending.state.clone()) {
            return None;
        }
        taken.order.push_back((pending.until, pending.state.clone()));
        Some(pending)
    }
}

fn sign(key: &[u8], payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_names_its_payload_and_key() {
        assert_ne!(sign(b"one key", "payload"), sign(b"another key", "payload"));
        assert_ne!(sign(b"one key", "payload"), sign(b"one key", "payload2"));
        assert_eq!(sign(b"one key", "payload").len(), 64);
    }
}
