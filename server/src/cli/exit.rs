//! How a command ended, as its exit code: the same whether the terminal did the work itself or asked a tengu
//! server (`--server`), so a CI job can branch on it.

use tengu_core::CoreError;
use tengu_core::domain::DeploymentState;

use crate::boot::BootError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Succeeded,
    Failed,
    Undone,
    Refused,
    Busy,
    Unreachable,
    Usage,
}

/// The one table of exit codes: the code, and what it means as `--help`, the README and CI scripts say it.
pub const EXIT_TABLE: [(Ending, u8, &str); 7] = [
    (Ending::Succeeded, 0, "succeeded: the new tasks run and ECS reported the rollout COMPLETED"),
    (
        Ending::Failed,
        1,
        "failed and left as it is: ECS could not run it (its circuit breaker tripped), the image is not in the \
         registry, or it timed out, and tengu did not roll back (auto_rollback off, or nothing earlier to go back to)",
    ),
    (
        Ending::Undone,
        2,
        "rolled back or aborted: after a failure or a timeout tengu put back what ran before (auto_rollback, the \
         default: a circuit-breaker rollback ends here), or someone aborted it; never a success",
    ),
    (
        Ending::Refused,
        3,
        "refused: the verification gate, an approval said no, a role or token scope missing, an image whose commit \
         is unknown, nothing to abort; for diff, something would stop the deploy",
    ),
    (Ending::Busy, 4, "environment busy: another deployment is in progress"),
    (Ending::Unreachable, 5, "tengu, its database, GitHub or AWS unreachable (deploy from a laptop in the local mode)"),
    (Ending::Usage, 64, "a bad command line or configuration"),
];

/// `tengu deploy --help`'s list, from the table.
pub fn exit_codes_help() -> String {
    let lines: Vec<String> = EXIT_TABLE.iter().map(|(_, code, meaning)| format!("  {code:>2}  {meaning}")).collect();
    format!("Exit codes (the same with --server):\n{}", lines.join("\n"))
}

/// The README's table rows, from the table.
pub fn exit_codes_markdown() -> String {
    let mut rows = vec!["| code | meaning |".to_owned(), "|---|---|".to_owned()];
    rows.extend(EXIT_TABLE.iter().map(|(_, code, meaning)| format!("| {code} | {meaning} |")));
    rows.join("\n")
}

impl Ending {
    pub fn code(self) -> u8 {
        EXIT_TABLE.iter().find(|(ending, _, _)| *ending == self).map_or(1, |(_, code, _)| *code)
    }

    /// How a finished deployment ended.
    pub fn of_state(state: DeploymentState) -> Self {
        match state {
            DeploymentState::Succeeded => Ending::Succeeded,
            DeploymentState::RolledBack | DeploymentState::Aborted => Ending::Undone,
            DeploymentState::Rejected => Ending::Refused,
            _ => Ending::Failed,
        }
    }

    /// The `state` the API reports (`succeeded`, `rolled_back`, ...).
    pub fn of_state_name(state: &str) -> Self {
        DeploymentState::parse(state).map_or(Ending::Failed, Ending::of_state)
    }

    pub fn of_error(error: &CoreError) -> Self {
        match error {
            CoreError::Busy(_) => Ending::Busy,
            CoreError::Invalid(_) => Ending::Usage,
            CoreError::Denied(_) | CoreError::NotFound(_) | CoreError::Refused(_) | CoreError::Body(_) => {
                Ending::Refused
            }
            _ => Ending::Unreachable,
        }
    }

    /// The `code` of an API error answer.
    pub fn of_api_code(code: &str) -> Self {
        match code {
            "busy" => Ending::Busy,
            "invalid" => Ending::Usage,
            "unauthenticated" | "denied" | "not_found" | "refused" => Ending::Refused,
            _ => Ending::Unreachable,
        }
    }
}

/// A command that did not succeed: how it ended and the sentence to print.
#[derive(Debug)]
pub struct CliError {
    pub ending: Ending,
    pub sentence: String,
}

impl CliError {
    pub fn new(ending: Ending, sentence: impl Into<String>) -> Self {
        Self { ending, sentence: sentence.into() }
    }
}

impl From<CoreError> for CliError {
    fn from(error: CoreError) -> Self {
        Self::new(Ending::of_error(&error), error.user_message())
    }
}

impl From<BootError> for CliError {
    fn from(error: BootError) -> Self {
        let ending = match &error {
            BootError::Database { .. } | BootError::Github(_) => Ending::Unreachable,
            _ => Ending::Usage,
        };
        Self::new(ending, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ending_has_its_own_code_and_the_help_and_readme_list_each() {
        let codes: std::collections::BTreeSet<u8> = EXIT_TABLE.iter().map(|(_, code, _)| *code).collect();
        let endings: std::collections::BTreeSet<String> =
            EXIT_TABLE.iter().map(|(ending, _, _)| format!("{ending:?}")).collect();
        assert_eq!((codes.len(), endings.len()), (7, 7), "one row per ending, each its own code");
        for (ending, code, meaning) in EXIT_TABLE {
            assert_eq!(ending.code(), code);
            assert!(exit_codes_help().contains(meaning), "{code} is in --help");
        }
        let readme = include_str!("../../../README.md");
        assert!(readme.contains(&exit_codes_markdown()), "the README's table is the table:\n{}", exit_codes_markdown());
    }

    #[test]
    fn a_failure_tengu_rolled_back_and_one_it_left_end_as_the_table_says() {
        assert_eq!(Ending::of_state(DeploymentState::RolledBack).code(), 2);
        assert_eq!(Ending::of_state(DeploymentState::Aborted).code(), 2);
        assert_eq!(Ending::of_state(DeploymentState::Failed).code(), 1);
        assert_eq!(Ending::of_state(DeploymentState::Rejected).code(), 3);
    }

    #[test]
    fn the_api_and_the_database_say_the_same_ending() {
        for state in [
            DeploymentState::Succeeded,
            DeploymentState::Failed,
            DeploymentState::RolledBack,
            DeploymentState::Aborted,
            DeploymentState::Rejected,
        ] {
            assert_eq!(Ending::of_state(state), Ending::of_state_name(state.as_str()), "{state:?}");
        }
        assert_eq!(Ending::of_error(&CoreError::Busy("x".into())), Ending::of_api_code("busy"));
        assert_eq!(Ending::of_error(&CoreError::Refused("x".into())), Ending::of_api_code("refused"));
    }
}
