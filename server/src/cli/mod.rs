//! The terminal side of tengu: each command opens the same database and calls the same core use cases as the
//! dashboard, so it works when the server (or CI) is down.

mod control;
mod deploy;
mod doctor;
mod exit;
mod health;
mod lock;
mod release_pr;
mod remote;

pub use control::{abort_command, diff_command, status_command};
pub use deploy::{Overrides, Remotely, What, deploy, deploy_command};
pub use doctor::doctor_command;
pub use exit::{CliError, EXIT_TABLE, Ending, exit_codes_help, exit_codes_markdown};
pub use health::health_check;
pub use lock::{lock_command, unlock_command};
pub use release_pr::{release_pr, render_deploy_pr};

use tengu_core::domain::{Actor, Login};

use crate::boot::BootError;
use crate::config::Config;

/// Who runs the command: the terminal's user (`terminal:<user>@<host>`), trusted as tengu is, since it holds the
/// database and the AWS credentials itself. `--as` names a seeded person, and only in the sandbox.
pub fn terminal_actor(config: &Config, acting_as: Option<&str>) -> Result<Actor, BootError> {
    match acting_as {
        Some(_) if !config.is_sandbox() => {
            Err(BootError::Input("--as is for the sandbox only; outside it the terminal's user is recorded".to_owned()))
        }
        Some(login) => Ok(Actor::Person(Login::parse(login).map_err(|e| BootError::Input(e.to_string()))?)),
        None => Ok(Actor::Terminal(format!("{}@{}", user(), host()))),
    }
}

fn user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".to_owned())
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
