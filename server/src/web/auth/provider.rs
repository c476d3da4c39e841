//! Who GitHub says a person is: the OAuth web flow (authorization code with PKCE S256) against GitHub or
//! GitHub Enterprise, or the sandbox's stand-in that comes back through the same callback.

use async_trait::async_trait;
use serde::Deserialize;
use tengu_core::domain::Login;

/// Why a sign-in did not give a person; each says what happened in a sentence.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// GitHub (or the person) said no: a denied consent, an expired or reused code.
    #[error("{0}")]
    Refused(String),
    /// GitHub could not be reached or answered with an error of its own.
    #[error("{0}")]
    Unavailable(String),
}

/// The person's side of the sign-in: where to send them, and who they are once they come back with a code.
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// Where the browser goes to consent; `state` and the S256 `challenge` travel along.
    fn authorize_url(&self, state: &str, challenge: &str) -> String;
    /// Trades the code (with the verifier only this session holds) for the person's GitHub login.
    async fn exchange(&self, code: &str, verifier: &str) -> Result<Login, SignInError>;
}

/// GitHub's OAuth endpoints, with the GitHub App's (or an OAuth App's) client.
pub struct GithubOAuth {
    pub client_id: String,
    pub client_secret: String,
    /// `https://github.com`, or an Enterprise server's root.
    pub web_url: String,
    /// `https://api.github.com`, or `https://<host>/api/v3`.
    pub api_url: String,
    /// `<public_url>/auth/github/callback`.
    pub redirect_uri: String,
    pub http: reqwest::Client,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct UserAnswer {
    login: String,
}

impl GithubOAuth {
    pub fn new(client_id: String, client_secret: String, web_url: String, api_url: String, public_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(20))
            .user_agent("tengu")
            .build()
            .unwrap_or_default();
        let redirect_uri = format!("{}/auth/github/callback", public_url.trim_end_matches('/'));
        Self { client_id, client_secret, web_url, api_url, redirect_uri, http }
    }
}

fn unavailable(what: &str, error: impl std::fmt::Display) -> SignInError {
    tracing::warn!(%error, "GitHub sign-in: {what}");
    SignInError::Unavailable(format!("GitHub could not be asked {what}; try signing in again in a moment."))
}

#[async_trait]
impl IdentityProvider for GithubOAuth {
    fn authorize_url(&self, state: &str, challenge: &str) -> String {
        let query = [
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("allow_signup", "false"),
        ];
        let query: Vec<String> =
            query.iter().map(|(k, v)| format!("{k}={}", super::super::identity::encode_query(v))).collect();
        format!("{}/login/oauth/authorize?{}", self.web_url, query.join("&"))
    }

    async fn exchange(&self, code: &str, verifier: &str) -> Result<Login, SignInError> {
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", verifier),
        ];
        let response = self
            .http
            .post(format!("{}/login/oauth/access_token", self.web_url))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| unavailable("for a token", e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(unavailable("for a token", format!("it answered {status}")));
        }
        let answer: TokenAnswer = response.json().await.map_err(|e| unavailable("for a token", e))?;
        let token = match (answer.access_token, answer.error) {
            (Some(token), None) => token,
            (_, error) => {
                let why = answer.error_description.or(error).unwrap_or_else(|| "no token".to_owned());
                return Err(SignInError::Refused(format!("GitHub did not confirm the sign-in: {why}. Start again.")));
            }
        };
        let response = self
            .http
            .get(format!("{}/user", self.api_url.trim_end_matches('/')))
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .bearer_auth(&token)
            .send()
            .await
            .map_err(|e| unavailable("who you are", e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(unavailable("who you are", format!("it answered {status}")));
        }
        let user: UserAnswer = response.json().await.map_err(|e| unavailable("who you are", e))?;
        Login::parse(&user.login).map_err(|e| unavailable("who you are", e))
    }
}
