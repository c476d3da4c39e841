//! The terminal side of tengu: each command opens the same database and calls the same core use cases as the
//! dashboard, so it works when the server (or CI) is down.

mod deploy;
mod release_pr;

pub use deploy::{What, deploy, outcome_line, progress_line};
pub use release_pr::{release_pr, render_deploy_pr};
