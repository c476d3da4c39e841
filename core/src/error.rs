use crate::checklist_body::BodyError;
use crate::domain::ParseError;
use crate::ports::{CodeHostError, Denied, OrchestratorError, StoreError};

/// Everything a use case can fail with. `user_message` is the sentence for people; `Display` is for the log.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Invalid(#[from] ParseError),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Refused(String),
    /// The environment is taken by another deployment that has not finished.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error(transparent)]
    CodeHost(#[from] CodeHostError),
    #[error(transparent)]
    Orchestrator(#[from] OrchestratorError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another instance drives this deployment now (it holds the driver's lease).
    #[error("deployment {0} is driven by another tengu instance")]
    DrivenElsewhere(crate::domain::DeploymentId),
}

impl CoreError {
    /// What the person who asked should read: clear, and free of internals and secrets.
    pub fn user_message(&self) -> String {
        match self {
            CoreError::Store(StoreError::NotFound(what)) => format!("{what} was not found."),
            CoreError::Store(StoreError::Conflict(why)) => why.clone(),
            CoreError::Store(_) => "tengu's database did not answer as expected; try again in a moment.".to_owned(),
            CoreError::CodeHost(CodeHostError::Unavailable(_)) => {
                "GitHub could not be reached; nothing was changed. Try again in a moment.".to_owned()
            }
            CoreError::Orchestrator(OrchestratorError::Unavailable(_)) => {
                "ECS could not be reached; nothing was changed. Try again in a moment.".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// Whether the fault is the caller's (a 4xx) rather than tengu's or a dependency's (a 5xx).
    /// Worth trying again later: ECS or the database could not be reached.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CoreError::Orchestrator(OrchestratorError::Unavailable(_))
                | CoreError::Store(StoreError::Unavailable(_) | StoreError::Busy(_))
        )
    }

    pub fn is_callers_fault(&self) -> bool {
        matches!(
            self,
            CoreError::Invalid(_)
                | CoreError::Denied(_)
                | CoreError::NotFound(_)
                | CoreError::Refused(_)
                | CoreError::Busy(_)
                | CoreError::Body(_)
        )
    }
}
