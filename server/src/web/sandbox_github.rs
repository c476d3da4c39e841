//! The sandbox's simulated GitHub as a visitor uses it: a tick in a deploy PR's body, a pull request opened, pushed
//! to or closed is made on the simulated GitHub, which then sends tengu the delivery GitHub would send, signed with
//! the webhook secret, to the very handler of `/webhooks/github` (which checks the signature, stores the delivery
//! durably and hands it to the worker, in order per pull request, with its retries).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use tengu_app::server_glue::SandboxGithub;
use tengu_core::domain::{Actor, Login, PrNumber, RepoSlug};
use tengu_sandbox::{Delivery, FeaturePrChange, SimulatedGithub};

use super::{AppState, webhook_signature, webhooks};

/// How long the simulated GitHub waits for tengu to apply what it sent before answering the visitor.
const HANDLED_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

pub struct SandboxGithubClient {
    state: AppState,
    github: SimulatedGithub,
}

impl SandboxGithubClient {
    pub fn new(state: AppState, github: SimulatedGithub) -> Self {
        Self { state, github }
    }

    /// The visitor, if they may change the simulated repository (GitHub's own rule: write access).
    fn acting(visitor: &Actor) -> Result<&Login, String> {
        let login = match visitor {
            Actor::Person(login) | Actor::Token { login, .. } => login,
            Actor::Terminal(_) | Actor::System => return Err("only a person acts on the sandbox's GitHub".into()),
        };
        SimulatedGithub::may_act(login).map_err(|e| e.to_string())?;
        Ok(login)
    }

    /// Sends the delivery as GitHub does (tengu answers once it is stored), then what tengu made of it.
    async fn deliver(&self, delivery: Delivery) -> Result<String, String> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let secret = self.state.web.webhook_secrets.first().ok_or("the sandbox's webhook secret is missing")?;
        let id = format!("sandbox-{}-{}", NEXT.fetch_add(1, Ordering::Relaxed), chrono::Utc::now().timestamp_micros());
        let value = |text: &str| HeaderValue::from_str(text).map_err(|e| e.to_string());
        let mut headers = HeaderMap::new();
        headers.insert("x-github-event", HeaderValue::from_static(delivery.event));
        headers.insert("x-github-delivery", value(&id)?);
        headers.insert("x-hub-signature-256", value(&webhook_signature::sign(secret, delivery.body.as_bytes()))?);
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        let answer = webhooks::receive(State(self.state.clone()), headers, Body::from(delivery.body)).await;
        let status = answer.status();
        if !status.is_success() {
            let said = axum::body::to_bytes(answer.into_body(), 64 << 10).await.unwrap_or_default();
            return Err(format!("tengu's webhook answered {status}: {}", String::from_utf8_lossy(&said)));
        }
        Ok(self.await_handled(&id).await)
    }

    /// Like GitHub's list of recent deliveries, the simulated GitHub looks for the outcome before the visitor's
    /// page comes back (tengu's worker takes a stored delivery at once; a slow one is applied a moment later).
    async fn await_handled(&self, id: &str) -> String {
        let deadline = tokio::time::Instant::now() + HANDLED_WITHIN;
        while tokio::time::Instant::now() < deadline {
            match self.state.tengu.store().delivery(id).await {
                Ok(Some(record)) if record.processed_at.is_some() => {
                    return record.outcome.unwrap_or_else(|| "handled".to_owned());
                }
                Ok(Some(record)) if record.attempts > 0 => {
                    let why = record.last_error.unwrap_or_default();
                    return format!("failed for now ({why}); tengu tries it again");
                }
                Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
                Err(error) => {
                    tracing::warn!(%error, delivery = id, "the sandbox could not look for its delivery's outcome");
                    break;
                }
            }
        }
        "received; tengu applies it in a moment".to_owned()
    }
}

/// The sandbox form's words as a change: `open` (with a title), `push` or `close` (with a number).
fn feature_pr_change(
    change: &str,
    title: Option<String>,
    number: Option<PrNumber>,
    person: &Login,
) -> Result<FeaturePrChange, String> {
    let number = || number.ok_or_else(|| "say which pull request.".to_owned());
    match change {
        "open" => {
            let title = title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
            let title = title.ok_or("give the pull request a title.")?;
            Ok(FeaturePrChange::Open { title, author: person.clone() })
        }
        "push" => Ok(FeaturePrChange::Push(number()?)),
        "close" => Ok(FeaturePrChange::Close(number()?)),
        other => Err(format!("{other:?} is not open, push or close.")),
    }
}

#[async_trait::async_trait]
impl SandboxGithub for SandboxGithubClient {
    async fn tick(
        &self,
        visitor: &Actor,
        person: &Login,
        repo: &RepoSlug,
        deploy_pr: PrNumber,
        item: PrNumber,
        verified: bool,
    ) -> Result<(), String> {
        Self::acting(visitor)?;
        let delivery = self.github.tick(person, repo, deploy_pr, item, verified).await.map_err(|e| e.to_string())?;
        self.deliver(delivery).await.map(drop)
    }

    async fn change_feature_pr(
        &self,
        visitor: &Actor,
        change: &str,
        title: Option<String>,
        number: Option<PrNumber>,
    ) -> Result<String, String> {
        let person = Self::acting(visitor)?;
        let change = feature_pr_change(change, title, number, person)?;
        let (pull, delivery) = self.github.change_feature_pr(person, &change).await.map_err(|e| e.to_string())?;
        let outcome = self.deliver(delivery).await?;
        let done = match change {
            FeaturePrChange::Open { .. } => "opened",
            FeaturePrChange::Push(_) => "pushed to",
            FeaturePrChange::Close(_) => "closed",
        };
        Ok(format!("{person} {done} {} on the sandbox's GitHub; tengu's webhook: {outcome}", pull.number))
    }

    async fn body(&self, repo: &RepoSlug, number: PrNumber) -> Result<String, String> {
        self.github.body(repo, number).await.map_err(|e| e.to_string())
    }
}

/// A webhook secret of the sandbox's own when none is configured: its simulated GitHub signs with it.
pub fn made_up_secret() -> Option<Vec<u8>> {
    let mut secret = vec![0u8; 32];
    getrandom::fill(&mut secret).ok().map(|()| secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_says_which_change() {
        let alice = Login::parse("alice").unwrap();
        assert!(
            matches!(feature_pr_change("open", Some(" Faster ".into()), None, &alice), Ok(FeaturePrChange::Open { title, .. }) if title == "Faster")
        );
        assert!(feature_pr_change("open", Some("  ".into()), None, &alice).is_err());
        assert!(feature_pr_change("push", None, None, &alice).is_err());
        let seven = PrNumber::new(7).unwrap();
        assert_eq!(feature_pr_change("close", None, Some(seven), &alice), Ok(FeaturePrChange::Close(seven)));
        assert!(feature_pr_change("merge", None, Some(seven), &alice).is_err());
    }
}
