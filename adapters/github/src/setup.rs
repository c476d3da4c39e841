//! The App's own settings as GitHub has them (`GET /app`, `GET /app/hook/config`, both signed as the App),
//! compared with the permissions and events tengu needs (`permissions`), for `tengu doctor`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tengu_core::ports::{AppSetup, CodeHostError, CodeHostSetup, LoggedDelivery};

use super::auth::Signer;
use super::code_host::GithubCodeHost;
use super::permissions::{APP_EVENTS, APP_PERMISSIONS, Access};

#[async_trait]
impl CodeHostSetup for GithubCodeHost {
    async fn app_setup(&self) -> Result<Option<AppSetup>, CodeHostError> {
        let Signer::App(signer) = &self.transport.signer else { return Ok(None) };
        let about: Value = signer.app.get("/app", None::<&()>).await.map_err(setup_error)?;
        let hook: Option<Value> = match signer.app.get("/app/hook/config", None::<&()>).await {
            Ok(config) => Some(config),
            Err(octocrab::Error::GitHub { source, .. }) if source.status_code.as_u16() == 404 => None,
            Err(error) => return Err(setup_error(error)),
        };
        Ok(Some(compare(&about, hook.as_ref())))
    }

    /// Pages of 100 of `GET /app/hook/deliveries` (newest first, linked by a cursor) until `since` or `max`.
    async fn logged_deliveries(&self, since: DateTime<Utc>, max: usize) -> Result<Vec<LoggedDelivery>, CodeHostError> {
        let Signer::App(signer) = &self.transport.signer else { return Ok(Vec::new()) };
        let mut found = Vec::new();
        let mut next = Some("/app/hook/deliveries?per_page=100".to_owned());
        while let Some(page) = next.take() {
            let response = signer.app._get(page.as_str()).await.map_err(setup_error)?;
            let status = response.status();
            let link = response.headers().get("link").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let text = signer.app.body_to_string(response).await.map_err(setup_error)?;
            if !status.is_success() {
                return Err(status_error(status.as_u16(), &text));
            }
            let entries: Vec<Value> = serde_json::from_str(&text)
                .map_err(|e| CodeHostError::Rejected(format!("GitHub's delivery log could not be read: {e}")))?;
            let mut older = false;
            for entry in entries.iter().filter_map(logged) {
                older |= entry.delivered_at < since;
                if entry.delivered_at >= since && found.len() < max {
                    found.push(entry);
                }
            }
            if !older && found.len() < max && !entries.is_empty() {
                next = link.as_deref().and_then(next_page);
            }
        }
        Ok(found)
    }

    async fn redeliver(&self, logged: &LoggedDelivery) -> Result<(), CodeHostError> {
        let Signer::App(signer) = &self.transport.signer else { return Ok(()) };
        let path = format!("/app/hook/deliveries/{}/attempts", logged.id);
        let response = signer.app._post(path.as_str(), None::<&()>).await.map_err(setup_error)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = signer.app.body_to_string(response).await.unwrap_or_default();
        Err(status_error(status.as_u16(), &text))
    }
}

/// One log entry, when it reads as one.
fn logged(entry: &Value) -> Option<LoggedDelivery> {
    Some(LoggedDelivery {
        id: entry["id"].as_u64()?,
        guid: entry["guid"].as_str()?.to_owned(),
        event: entry["event"].as_str().unwrap_or("unknown").to_owned(),
        delivered_at: entry["delivered_at"].as_str()?.parse().ok()?,
        redelivery: entry["redelivery"].as_bool().unwrap_or(false),
        status_code: entry["status_code"].as_u64().and_then(|c| u16::try_from(c).ok()).unwrap_or(0),
    })
}

/// The path of the `rel="next"` page of a `Link` header.
fn next_page(link: &str) -> Option<String> {
    link.split(',').find(|part| part.contains("rel=\"next\"")).and_then(|part| {
        let url = part.split(';').next()?.trim().trim_start_matches('<').trim_end_matches('>');
        let path = url.split("://").nth(1).map_or(url, |rest| rest.find('/').map_or(rest, |at| &rest[at..]));
        Some(path.to_owned())
    })
}

fn status_error(status: u16, text: &str) -> CodeHostError {
    let message = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("status {status}"));
    match status {
        401 => CodeHostError::BadCredentials,
        403 | 404 => CodeHostError::MissingPermission(format!("GitHub refused the App's delivery log: {message}")),
        _ => CodeHostError::Unavailable(format!("GitHub answered {status}: {message}")),
    }
}

/// What the App has, against what tengu needs.
pub(super) fn compare(about: &Value, hook: Option<&Value>) -> AppSetup {
    let granted = |key: &str| about["permissions"][key].as_str().map(str::to_owned);
    let missing_permissions = APP_PERMISSIONS
        .iter()
        .filter_map(|needed| {
            let has = granted(needed.key);
            let enough =
                matches!((needed.access, has.as_deref()), (_, Some("admin" | "write")) | (Access::Read, Some("read")));
            (!enough).then(|| match has {
                Some(has) => format!("{}: {} (it has {has})", needed.label, needed.access.as_str()),
                None => format!("{}: {}", needed.label, needed.access.as_str()),
            })
        })
        .collect();
    let events: Vec<&str> = about["events"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let missing_events = APP_EVENTS.iter().filter(|event| !events.contains(event)).map(|e| (*e).to_owned()).collect();
    let webhook_url = hook.and_then(|h| h["url"].as_str()).filter(|url| !url.is_empty()).map(str::to_owned);
    let webhook_secret_set = hook.is_some_and(|h| h["secret"].as_str().is_some_and(|s| !s.is_empty()));
    let name = about["name"].as_str().or(about["slug"].as_str()).unwrap_or("the App").to_owned();
    AppSetup { name, missing_permissions, missing_events, webhook_url, webhook_secret_set }
}

fn setup_error(error: octocrab::Error) -> CodeHostError {
    match error {
        octocrab::Error::GitHub { source, .. } => match source.status_code.as_u16() {
            401 => CodeHostError::BadCredentials,
            403 | 404 => {
                CodeHostError::MissingPermission(format!("GitHub refused the App's own settings: {}", source.message))
            }
            _ => CodeHostError::Unavailable(format!("GitHub answered {}: {}", source.status_code, source.message)),
        },
        other => CodeHostError::Unavailable(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_of_the_log_is_named_by_its_link() {
        let link = r#"<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_12>; rel="next""#;
        assert_eq!(next_page(link).as_deref(), Some("/app/hook/deliveries?per_page=100&cursor=v1_12"));
        assert_eq!(next_page(r#"<https://api.github.com/x?cursor=1>; rel="prev""#), None);
    }

    #[test]
    fn an_app_with_too_little_says_which_permission_and_event_it_lacks() {
        let about = serde_json::json!({
            "slug": "tengu-acme", "name": "tengu (acme)",
            "permissions": {"pull_requests": "read", "issues": "write", "statuses": "write", "deployments": "write",
                            "contents": "write", "metadata": "read"},
            "events": ["pull_request"],
        });
        let hook = serde_json::json!({"url": "https://tengu.acme.example/webhooks/github", "content_type": "json",
                                      "insecure_ssl": "0", "secret": "********"});
        let setup = compare(&about, Some(&hook));
        assert_eq!(setup.name, "tengu (acme)");
        assert_eq!(setup.missing_permissions, ["Pull requests: write (it has read)", "Members: read"]);
        assert_eq!(setup.missing_events, ["push"]);
        assert_eq!(setup.webhook_url.as_deref(), Some("https://tengu.acme.example/webhooks/github"));
        assert!(setup.webhook_secret_set);
        let unsigned = compare(&about, Some(&serde_json::json!({"url": "https://x.test/webhooks/github"})));
        assert!(!unsigned.webhook_secret_set);
        assert_eq!(compare(&about, None).webhook_url, None);
    }
}
