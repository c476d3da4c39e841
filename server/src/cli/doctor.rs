//! `tengu doctor`: the configuration checked against reality, a line per check with its fix (the core's
//! `doctor`), and the database and the configuration themselves before it. Ends with 0 only when all pass.

use super::exit::{CliError, Ending};
use crate::boot;
use crate::config::Config;

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
    let found = tengu.doctor().await;
    store.close().await;
    for finding in &found {
        println!("{}", finding.line());
    }
    let failed = found.iter().filter(|finding| !finding.passed).count();
    println!("{} checks, {failed} failed", found.len());
    Ok(if failed == 0 { Ending::Succeeded } else { Ending::Failed })
}
