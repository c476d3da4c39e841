//! `tengu lock <env> --reason … [--for 2h]` and `tengu unlock <env>`: locally over the database, or through a
//! tengu server.

use tengu_core::domain::{EnvName, LockLength, LockReason};

use super::exit::{CliError, Ending};
use super::remote::Remote;
use crate::api_types::LockBody;
use crate::boot;
use crate::config::Config;

fn usage(error: impl ToString) -> CliError {
    CliError::new(Ending::Usage, error.to_string())
}

/// Locks the environment; prints the lock's sentence.
pub async fn lock_command(
    config: &Config,
    env: &str,
    reason: &str,
    length: Option<&str>,
    acting_as: Option<&str>,
    server: Option<(String, Option<String>)>,
) -> Result<Ending, CliError> {
    let parsed_reason = LockReason::parse(reason).map_err(usage)?;
    let parsed_length = LockLength::parse_or_default(length).map_err(usage)?;
    let sentence = match server {
        Some((server, token)) => {
            let body = LockBody { reason: reason.to_owned(), length: length.map(str::to_owned) };
            Remote::new(&server, token)?.lock(env, &body).await?.sentence
        }
        None => {
            let env = EnvName::parse(env).map_err(usage)?;
            let actor = super::terminal_actor(config, acting_as)?;
            let store = boot::open_store(config).await?;
            let tengu = boot::tengu(config, store.clone()).await?;
            let locked = tengu.lock_environment(&actor, &env, parsed_reason, parsed_length).await;
            store.close().await;
            locked?.sentence()
        }
    };
    println!("{sentence}");
    Ok(Ending::Succeeded)
}

/// Lifts the environment's lock; prints what it lifted, or that none held.
pub async fn unlock_command(
    config: &Config,
    env: &str,
    acting_as: Option<&str>,
    server: Option<(String, Option<String>)>,
) -> Result<Ending, CliError> {
    let lifted = match server {
        Some((server, token)) => Remote::new(&server, token)?.unlock(env).await?.unlocked.map(|lock| lock.sentence),
        None => {
            let env = EnvName::parse(env).map_err(usage)?;
            let actor = super::terminal_actor(config, acting_as)?;
            let store = boot::open_store(config).await?;
            let tengu = boot::tengu(config, store.clone()).await?;
            let lifted = tengu.unlock_environment(&actor, &env).await;
            store.close().await;
            lifted?.map(|lock| lock.sentence())
        }
    };
    match lifted {
        Some(sentence) => println!("unlocked; it was: {sentence}"),
        None => println!("{env} was not locked"),
    }
    Ok(Ending::Succeeded)
}
