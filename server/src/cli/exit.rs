//! How a command ended, as its exit code: the same whether the terminal did the work itself or asked a tengu
//! server (`--server`), so a CI job can branch on it.

use tengu_core::CoreError;
use tengu_core::domain::DeploymentState;

use crate::boot::BootError;

/// Listed in `tengu deploy --help` and the README.
pub const EXIT_CODES: &str = "Exit codes: 0 succeeded; 1 failed (ECS could not run it, the circuit breaker \
rolled it back, or it timed out); 2 rolled back or aborted; 3 refused (the verification gate, an approval said no, \
a role or token scope missing, nothing to abort); 4 environment busy (another deployment is in progress); 5 tengu, \
its database, GitHub or AWS unreachable; 64 a bad command line or configuration.";

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

impl Ending {
    pub fn code(self) -> u8 {
        match self {
            Ending::Succeeded => 0,
            Ending::Failed => 1,
            Ending::Undone => 2,
            Ending::Refused => 3,
            Ending::Busy => 4,
            Ending::Unreachable => 5,
            Ending::Usage => 64,
        }
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
    fn every_ending_has_its_own_code_and_the_help_lists_each() {
        let all = [
            Ending::Succeeded,
            Ending::Failed,
            Ending::Undone,
            Ending::Refused,
            Ending::Busy,
            Ending::Unreachable,
            Ending::Usage,
        ];
        let codes: std::collections::BTreeSet<u8> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for code in codes {
            assert!(EXIT_CODES.contains(&format!("{code} ")), "{code} is not listed");
        }
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
