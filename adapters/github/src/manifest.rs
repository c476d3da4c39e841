//! tengu's GitHub App made from a manifest: the manifest a person posts to GitHub (the permissions and events from
//! `permissions`, the addresses from tengu's public URL), and the exchange of the code GitHub hands back for the
//! App's id and credentials (`POST /app-manifests/{code}/conversions`, which needs no credentials of its own).

use async_trait::async_trait;
use serde_json::{Map, Value, json};
use tengu_core::ports::{AppRegistrar, CodeHostError, RegisteredApp};

use super::permissions::{APP_EVENTS, APP_PERMISSIONS};

/// Where tengu answers GitHub, all under its public URL.
pub const SETUP_CALLBACK_PATH: &str = "/setup/callback";
pub const WEBHOOK_PATH: &str = "/webhooks/github";
pub const SIGN_IN_CALLBACK_PATH: &str = "/auth/github/callback";

/// The App manifest for a tengu reached at `public_url`, named `name` (GitHub lets the person change it).
pub fn app_manifest(public_url: &str, name: &str) -> Value {
    let root = public_url.trim_end_matches('/');
    let permissions: Map<String, Value> =
        APP_PERMISSIONS.iter().map(|p| (p.key.to_owned(), Value::from(p.access.as_str()))).collect();
    json!({
        "name": name,
        "url": root,
        "description": "tengu: deploy PRs, verified deploys to ECS and review environments",
        "hook_attributes": { "url": format!("{root}{WEBHOOK_PATH}"), "active": true },
        "redirect_url": format!("{root}{SETUP_CALLBACK_PATH}"),
        "callback_urls": [format!("{root}{SIGN_IN_CALLBACK_PATH}")],
        "setup_url": format!("{root}/"),
        "public": false,
        "request_oauth_on_install": false,
        "default_permissions": permissions,
        "default_events": APP_EVENTS,
    })
}

/// Where a person posts the manifest: their own account's new-App page, or an organization's.
pub fn new_app_address(web_url: &str, organization: Option<&str>, state: &str) -> String {
    let web = web_url.trim_end_matches('/');
    match organization.map(str::trim).filter(|org| !org.is_empty()) {
        Some(org) => format!("{web}/organizations/{org}/settings/apps/new?state={state}"),
        None => format!("{web}/settings/apps/new?state={state}"),
    }
}

/// The README's permission table, read from the manifest itself (in the order of `APP_PERMISSIONS`), so the
/// table says what the App is made with.
pub fn manifest_permission_table(manifest: &Value) -> String {
    let mut rows = vec!["| permission | access | what for |".to_owned(), "|---|---|---|".to_owned()];
    for permission in &APP_PERMISSIONS {
        if let Some(access) = manifest["default_permissions"][permission.key].as_str() {
            let (label, of, key, why) =
                (permission.label, permission.of.to_lowercase(), permission.key, permission.why);
            rows.push(format!("| {label} ({of}, `{key}`) | {access} | {why} |"));
        }
    }
    rows.join("\n")
}

/// Exchanges manifest codes on GitHub's REST API (`https://api.github.com`, or an Enterprise server's `/api/v3`).
pub struct ManifestRegistrar {
    api_url: String,
    client: reqwest::Client,
}

impl ManifestRegistrar {
    pub fn new(api_url: &str) -> Result<Self, CodeHostError> {
        let client = reqwest::Client::builder()
            .user_agent("tengu")
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| CodeHostError::Unavailable(e.to_string()))?;
        Ok(Self { api_url: api_url.trim_end_matches('/').to_owned(), client })
    }
}

#[async_trait]
impl AppRegistrar for ManifestRegistrar {
    async fn register(&self, code: &str) -> Result<RegisteredApp, CodeHostError> {
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(CodeHostError::Rejected("the code GitHub sent back is not one GitHub makes".into()));
        }
        let url = format!("{}/app-manifests/{code}/conversions", self.api_url);
        let response = self
            .client
            .post(&url)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .send()
            .await
            .map_err(|e| CodeHostError::Unavailable(format!("GitHub could not be asked to make the App: {e}")))?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(|e| CodeHostError::Unavailable(e.to_string()))?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match status {
            200 | 201 => registered(&body),
            404 | 422 => Err(CodeHostError::Rejected(format!(
                "GitHub no longer knows this code (it is answered once, within an hour): {}",
                body["message"].as_str().unwrap_or("no message")
            ))),
            _ => Err(CodeHostError::Unavailable(format!(
                "GitHub answered {status}: {}",
                body["message"].as_str().unwrap_or("no message")
            ))),
        }
    }
}

/// The App from GitHub's answer, when every credential is in it.
fn registered(body: &Value) -> Result<RegisteredApp, CodeHostError> {
    let text = |key: &str| body[key].as_str().filter(|v| !v.is_empty()).map(str::to_owned);
    let missing = |key: &str| CodeHostError::Rejected(format!("GitHub's answer has no {key}"));
    Ok(RegisteredApp {
        id: body["id"].as_u64().ok_or_else(|| missing("id"))?,
        slug: text("slug").ok_or_else(|| missing("slug"))?,
        html_url: text("html_url").ok_or_else(|| missing("html_url"))?,
        owner: body["owner"]["login"].as_str().unwrap_or_default().to_owned(),
        client_id: text("client_id").ok_or_else(|| missing("client_id"))?,
        client_secret: text("client_secret").ok_or_else(|| missing("client_secret"))?,
        webhook_secret: text("webhook_secret").ok_or_else(|| missing("webhook_secret"))?,
        private_key_pem: text("pem").ok_or_else(|| missing("pem"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_asks_for_what_tengu_uses_at_its_own_addresses() {
        let manifest = app_manifest("https://tengu.acme.example/", "tengu (acme)");
        assert_eq!(manifest["hook_attributes"]["url"], "https://tengu.acme.example/webhooks/github");
        assert_eq!(manifest["redirect_url"], "https://tengu.acme.example/setup/callback");
        assert_eq!(manifest["callback_urls"][0], "https://tengu.acme.example/auth/github/callback");
        assert_eq!(manifest["default_permissions"]["pull_requests"], "write");
        assert_eq!(manifest["default_permissions"]["members"], "read");
        assert_eq!(manifest["default_permissions"].as_object().map(|p| p.len()), Some(APP_PERMISSIONS.len()));
        assert_eq!(manifest["default_events"], json!(["pull_request", "push"]));
        assert_eq!(manifest["public"], false);
    }

    #[test]
    fn an_organization_owns_the_app_when_one_is_named() {
        let org = new_app_address("https://github.com/", Some("acme"), "s1");
        assert_eq!(org, "https://github.com/organizations/acme/settings/apps/new?state=s1");
        let own = new_app_address("https://ghe.acme.test", Some(" "), "s2");
        assert_eq!(own, "https://ghe.acme.test/settings/apps/new?state=s2");
    }
}
