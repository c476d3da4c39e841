use std::fmt::Write;

use tengu_core::domain::{DeployPr, EnvName};

use crate::boot::{self, BootError};
use crate::config::Config;

/// `tengu release-pr <env>`: open or refresh the environment's deploy PR and print it.
pub async fn release_pr(config: &Config, env: &str, acting_as: Option<&str>) -> Result<String, BootError> {
    let env = EnvName::parse(env).map_err(|e| BootError::Input(e.to_string()))?;
    let actor = super::terminal_actor(config, acting_as)?;
    let store = boot::open_store(config).await?;
    let tengu = boot::tengu(config, store.clone()).await?;
    let pr = tengu.open_or_refresh_deploy_pr(&actor, &env).await;
    store.close().await;
    Ok(render_deploy_pr(&pr.map_err(|e| BootError::Input(e.user_message()))?))
}

/// The deploy PR as a terminal shows it: title, URL, progress, one line per source PR, then direct commits.
pub fn render_deploy_pr(pr: &DeployPr) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", pr.title);
    let _ = writeln!(out, "{}", pr.url);
    let _ = writeln!(out, "{} of {} verified", pr.verified_count(), pr.items.len());
    for item in &pr.items {
        let mark = if item.verified.is_some() { "x" } else { " " };
        let by = item.verified.as_ref().map(|v| format!("  (verified by {})", v.by)).unwrap_or_default();
        let _ = writeln!(out, "  [{mark}] {} {}  @{}{by}", item.source.number, item.source.title, item.source.author);
    }
    if !pr.direct_commits.is_empty() {
        let _ = writeln!(out, "Commits without a pull request:");
        for commit in &pr.direct_commits {
            let author = commit.author.as_ref().map(|a| format!(" (@{a})")).unwrap_or_default();
            let _ = writeln!(out, "  {} {}{author}", commit.sha.short(), commit.headline);
        }
    }
    out
}
