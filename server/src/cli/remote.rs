//! The CLI's remote mode (`--server URL` or `TENGU_SERVER`, with a token from `TENGU_TOKEN`): the running tengu
//! does the work through its API, and the terminal follows it with the same lines as the local mode. For CI,
//! which holds neither the database nor the AWS credentials.

use std::io::Write;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use tengu_core::domain::LockScope;
use tengu_core::views::EnvironmentStatus;

use super::exit::{CliError, Ending};
use crate::api_types::{
    ApiError, DeployBody, DeploymentAnswer, DifferenceAnswer, LockAnswer, LockBody, RepoLocksAnswer, RepoUnlockAnswer,
    UnlockAnswer,
};

/// How often a followed deployment is read again.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// How long the server may stay unreachable while a deployment is followed before the command gives up (the
/// deployment itself goes on: the server drives it).
const UNREACHABLE_FOR: Duration = Duration::from_secs(120);

pub struct Remote {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Remote {
    pub fn new(server: &str, token: Option<String>) -> Result<Self, CliError> {
        let base = server.trim().trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(CliError::new(Ending::Usage, format!("--server must be an http(s) URL, not {server:?}")));
        }
        let token = token.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).ok_or_else(|| {
            CliError::new(
                Ending::Usage,
                "set TENGU_TOKEN to an API token (create one on the tengu server's Tokens page) for --server",
            )
        })?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("tengu-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::new(Ending::Usage, format!("no HTTP client: {e}")))?;
        Ok(Self { base, token, http })
    }

    async fn call<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, CliError> {
        let response = request.bearer_auth(&self.token).send().await.map_err(|e| {
            CliError::new(Ending::Unreachable, format!("tengu at {} could not be reached ({e})", self.base))
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| {
            CliError::new(Ending::Unreachable, format!("tengu at {} stopped answering ({e})", self.base))
        })?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| {
                CliError::new(
                    Ending::Unreachable,
                    format!("tengu at {} answered something unexpected ({e})", self.base),
                )
            });
        }
        Err(match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => CliError::new(Ending::of_api_code(&error.code), error.error),
            Err(_) => CliError::new(Ending::Unreachable, format!("tengu at {} answered {status}", self.base)),
        })
    }

    pub async fn deploy(&self, env: &str, body: &DeployBody, key: Option<&str>) -> Result<DeploymentAnswer, CliError> {
        let mut request = self.http.post(format!("{}/api/v1/environments/{env}/deployments", self.base)).json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.call(request).await
    }

    pub async fn deployment(&self, id: i64) -> Result<DeploymentAnswer, CliError> {
        self.call(self.http.get(format!("{}/api/v1/deployments/{id}", self.base))).await
    }

    /// What the deploy `body` names would change, asked without deploying.
    pub async fn difference(&self, env: &str, body: &DeployBody) -> Result<DifferenceAnswer, CliError> {
        self.call(self.http.post(format!("{}/api/v1/environments/{env}/difference", self.base)).json(body)).await
    }

    pub async fn abort(&self, env: &str) -> Result<DeploymentAnswer, CliError> {
        self.call(self.http.post(format!("{}/api/v1/environments/{env}/abort", self.base))).await
    }

    /// Locks the environment, or each of the repository's: the locks set.
    pub async fn lock(&self, scope: &LockScope, body: &LockBody) -> Result<Vec<LockAnswer>, CliError> {
        let path = lock_path(scope);
        Ok(match scope {
            LockScope::Environment(_) => {
                vec![self.call::<LockAnswer>(self.http.put(format!("{}{path}", self.base)).json(body)).await?]
            }
            LockScope::Repository(_) => {
                self.call::<RepoLocksAnswer>(self.http.put(format!("{}{path}", self.base)).json(body)).await?.locks
            }
        })
    }

    /// Lifts the environment's lock, or each of the repository's: the locks lifted.
    pub async fn unlock(&self, scope: &LockScope) -> Result<Vec<LockAnswer>, CliError> {
        let request = || self.http.delete(format!("{}{}", self.base, lock_path(scope)));
        Ok(match scope {
            LockScope::Environment(_) => self.call::<UnlockAnswer>(request()).await?.unlocked.into_iter().collect(),
            LockScope::Repository(_) => self.call::<RepoUnlockAnswer>(request()).await?.unlocked,
        })
    }

    pub async fn status(&self, env: Option<&str>) -> Result<Vec<EnvironmentStatus>, CliError> {
        let mut request = self.http.get(format!("{}/api/v1/status", self.base));
        if let Some(env) = env {
            request = request.query(&[("env", env)]);
        }
        self.call(request).await
    }

    /// Reads the deployment until it ends, printing each new line of progress; a server that stops answering
    /// is asked again for up to two minutes.
    pub async fn follow(&self, first: DeploymentAnswer) -> Result<DeploymentAnswer, CliError> {
        let mut now = first;
        let mut shown = String::new();
        let mut unreachable_since: Option<Instant> = None;
        loop {
            let line = if now.state == "awaiting_approval" {
                super::deploy::waiting_for_approval(now.id, &now.url)
            } else if now.state == "verifying" {
                super::deploy::verifying_line(&now.checks)
            } else if now.progress.services.is_empty() {
                String::new()
            } else {
                now.progress.line()
            };
            // The last counts too, once: a finished rollout shows its full bar before the outcome.
            if !line.is_empty() && line != shown {
                eprintln!("{line}");
                let _ = std::io::stderr().flush();
                shown = line;
            }
            if now.finished {
                return Ok(now);
            }
            tokio::time::sleep(POLL_EVERY).await;
            match self.deployment(now.id).await {
                Ok(read) => {
                    now = read;
                    unreachable_since = None;
                }
                Err(error) if error.ending == Ending::Unreachable => {
                    let since = *unreachable_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > UNREACHABLE_FOR {
                        return Err(CliError::new(
                            Ending::Unreachable,
                            format!(
                                "{}; deployment {} goes on without this terminal: {}",
                                error.sentence, now.id, now.url
                            ),
                        ));
                    }
                    eprintln!("{} (asking again)", error.sentence);
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// Where the API keeps an environment's lock, or a repository's.
fn lock_path(scope: &LockScope) -> String {
    match scope {
        LockScope::Environment(env) => format!("/api/v1/environments/{env}/lock"),
        LockScope::Repository(repo) => format!("/api/v1/repos/{repo}/lock"),
    }
}
