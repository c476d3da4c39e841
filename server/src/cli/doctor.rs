//! `tengu doctor`: the configuration checked against reality, a line per check with its fix (the core's
//! `doctor`), and the database and the configuration themselves before it. Ends with 0 only when all pass.

use super::exit::{CliError, Ending};
use crate::boot;
use crate::config::Config;
use tengu_core::usecases::Finding;

pub async fn doctor_command(config: &Config) -> Result<Ending, CliError> {
    let store = match boot::open_store(config).await {
        Ok(store) => store,
        Err(error) => {
            println!(
                "✗ database: {error} — fix: check database_url (TENGU_DATABASE_URL) and that tengu's user may \
                 create tables there"
            );
            return Ok(Ending::Failed);
        }
    };
    let tengu = match boot::tengu(config, store.clone()).await {
        Ok(tengu) => tengu,
        Err(error) => {
            println!(
                "✗ configuration: {error} — fix: the sentence names the setting (tengu.toml or its TENGU_* variable)"
            );
            store.close().await;
            return Ok(Ending::Failed);
        }
    };
    let mut found = tengu.doctor().await;
    store.close().await;
    found.extend(slack_finding(config).await);
    for finding in &found {
        println!("{}", finding.line());
    }
    let failed = found.iter().filter(|finding| !finding.passed).count();
    println!("{} checks, {failed} failed", found.len());
    Ok(if failed == 0 { Ending::Succeeded } else { Ending::Failed })
}

/// With a Slack bot token, whether Slack takes it (`auth.test`); nothing to ask without one.
async fn slack_finding(config: &Config) -> Option<Finding> {
    let token = config.slack_bot_token()?;
    let api = config.slack.api_url.as_deref().unwrap_or(tengu_slack::SlackWeb::SLACK_API);
    let answer = match tengu_slack::SlackWeb::new(api, token) {
        Ok(web) => web.identity().await,
        Err(error) => Err(error),
    };
    Some(match answer {
        Ok(who) => Finding::passed("Slack", format!("the bot token signs in as {who}")),
        Err(error) => Finding::failed(
            "Slack",
            error.0,
            "check [slack] bot_token (TENGU_SLACK_BOT_TOKEN): the Bot User OAuth Token of the installed app",
        ),
    })
}
