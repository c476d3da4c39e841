//! The sandbox's stand-in for GitHub's consent page: it lists the seeded people with their simulated roles,
//! and whoever the visitor picks comes back through the same callback, code and PKCE check as on GitHub.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tengu_core::domain::Login;

use super::pkce;
use super::provider::{IdentityProvider, SignInError};

/// A code is good for one exchange within a minute.
const CODE_LIFETIME: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct SandboxIdentity {
    codes: Mutex<HashMap<String, (Login, String, Instant)>>,
}

impl SandboxIdentity {
    /// What the sandbox's consent page does when a person is picked: a one-time code bound to the challenge.
    pub fn issue(&self, login: Login, challenge: &str) -> String {
        let code = pkce::random_token();
        let mut codes = self.codes.lock().expect("sandbox codes");
        codes.retain(|_, (_, _, at)| at.elapsed() < CODE_LIFETIME);
        codes.insert(code.clone(), (login, challenge.to_owned(), Instant::now()));
        code
    }
}

#[async_trait]
impl IdentityProvider for SandboxIdentity {
    fn authorize_url(&self, state: &str, challenge: &str) -> String {
        format!("/auth/sandbox?state={state}&code_challenge={challenge}")
    }

    async fn exchange(&self, code: &str, verifier: &str) -> Result<Login, SignInError> {
        let taken = self.codes.lock().expect("sandbox codes").remove(code);
        match taken {
            Some((login, challenge, at)) if at.elapsed() < CODE_LIFETIME && pkce::challenge(verifier) == challenge => {
                Ok(login)
            }
            _ => Err(SignInError::Refused(
                "That sign-in code is not valid (used, expired or not yours). Start again.".into(),
            )),
        }
    }
}
