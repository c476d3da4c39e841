//! The App's own settings as GitHub has them (`GET /app`, `GET /app/hook/config`, both signed as the App),
//! compared with the permissions and events tengu needs (`permissions`), for `tengu doctor`.

use async_trait::async_trait;
use serde_json::Value;
use tengu_core::ports::{AppSetup, CodeHostError, CodeHostSetup};

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
