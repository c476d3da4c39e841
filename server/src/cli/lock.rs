//! `tengu lock <env|owner/repo> --reason … [--for 2h]` and `tengu unlock <env|owner/repo>`: locally over the
//! database, or through a tengu server. A repository names each of its environments.

use tengu_core::domain::{LockLength, LockReason, LockScope};

use super::exit::{CliError, Ending};
use super::remote::Remote;
use crate::api_types::LockBody;
use crate::boot;
use crate::config::Config;

fn usage(error: impl ToString) -> CliError {
    CliError::new(Ending::Usage, error.to_string())
}

/// Locks the environment (or each of the repository's); prints each lock's sentence.
pub async fn lock_command(
    config: &Config,
    named: &str,
    reason: &str,
    length: Option<&str>,
    acting_as: Option<&str>,
    server: Option<(String, Option<String>)>,
) -> Result<Ending, CliError> {
    let scope = LockScope::parse(named).map_err(usage)?;
    let parsed_reason = LockReason::parse(reason).map_err(usage)?;
    let parsed_length = LockLength::parse_or_default(length).map_err(usage)?;
    let sentences = match server {
        Some((server, token)) => {
            let body = LockBody { reason: reason.to_owned(), length: length.map(str::to_owned) };
            let locks = Remote::new(&server, token)?.lock(&scope, &body).await?;
            locks.into_iter().map(|lock| lock.sentence).collect()
        }
        None => {
            let actor = super::terminal_actor(config, acting_as)?;
            let store = boot::open_store(config).await?;
            let tengu = boot::tengu(config, store.clone()).await?;
            let locked = tengu.lock_scope(&actor, &scope, parsed_reason, parsed_length).await;
            store.close().await;
            locked?.iter().map(|lock| lock.sentence()).collect::<Vec<_>>()
        }
    };
    for sentence in sentences {
        println!("{sentence}");
    }
    Ok(Ending::Succeeded)
}

/// Lifts the environment's lock (or each of the repository's); prints what it lifted, or that none held.
pub async fn unlock_command(
    config: &Config,
    named: &str,
    acting_as: Option<&str>,
    server: Option<(String, Option<String>)>,
) -> Result<Ending, CliError> {
    let scope = LockScope::parse(named).map_err(usage)?;
    let lifted = match server {
        Some((server, token)) => {
            let lifted = Remote::new(&server, token)?.unlock(&scope).await?;
            lifted.into_iter().map(|lock| lock.sentence).collect()
        }
        None => {
            let actor = super::terminal_actor(config, acting_as)?;
            let store = boot::open_store(config).await?;
            let tengu = boot::tengu(config, store.clone()).await?;
            let lifted = tengu.unlock_scope(&actor, &scope).await;
            store.close().await;
            lifted?.iter().map(|lock| lock.sentence()).collect::<Vec<_>>()
        }
    };
    if lifted.is_empty() {
        println!("{}", scope.nothing_locked());
    }
    for sentence in lifted {
        println!("unlocked; it was: {sentence}");
    }
    Ok(Ending::Succeeded)
}
