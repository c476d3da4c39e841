//! AWS errors as sentences a person can act on. Unreachable or throttled (after the SDK's retries) is
//! `Unavailable`, so a deployment waits to be resumed; a refusal is `Rejected`, so it ends with ECS's reason.

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use tengu_core::domain::{ClusterName, ServiceName};
use tengu_core::ports::OrchestratorError;

pub(super) fn service_not_found(cluster: &ClusterName, service: &ServiceName) -> OrchestratorError {
    OrchestratorError::ServiceNotFound { cluster: cluster.to_string(), service: service.to_string() }
}

/// An error from a call about a cluster (and perhaps one service of it).
pub(super) fn ecs<E>(
    error: SdkError<E, HttpResponse>,
    cluster: &ClusterName,
    service: Option<&ServiceName>,
) -> OrchestratorError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match service_code(&error).as_deref() {
        Some("ServiceNotFoundException" | "ServiceNotActiveException") if service.is_some() => {
            service_not_found(cluster, service.expect("checked above"))
        }
        Some("ClusterNotFoundException") => {
            OrchestratorError::Rejected(format!("cluster {cluster} not found in this AWS account and region"))
        }
        _ => classify(error),
    }
}

/// An error from describing or registering a task definition.
pub(super) fn task_definition<E>(error: SdkError<E, HttpResponse>) -> OrchestratorError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    classify(error)
}

fn service_code<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> Option<String> {
    match error {
        SdkError::ServiceError(service) => service.err().code().map(str::to_owned),
        _ => None,
    }
}

pub(super) fn classify<E>(error: SdkError<E, HttpResponse>) -> OrchestratorError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let SdkError::ServiceError(service) = &error {
        let status = service.raw().status().as_u16();
        let code = service.err().code().unwrap_or("an unnamed error");
        let message = service.err().message().unwrap_or("no message").to_owned();
        // AWS (or a proxy in front of it) failing is not a refusal of this request: try again later.
        if status >= 500 || status == 429 {
            return OrchestratorError::Unavailable(format!("AWS answered {status} ({code}): {message}"));
        }
        return match code {
            "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => {
                OrchestratorError::Rejected(format!("AWS denied tengu's role this call: {message}"))
            }
            "UnrecognizedClientException" | "InvalidClientTokenId" | "ExpiredTokenException" => {
                OrchestratorError::Rejected(format!("AWS did not accept tengu's credentials: {message}"))
            }
            "ThrottlingException" | "ServerException" | "ServiceUnavailableException" | "RequestLimitExceeded" => {
                OrchestratorError::Unavailable(format!("AWS is busy ({code}) after several tries: {message}"))
            }
            _ if message == "no message" => OrchestratorError::Rejected(format!("AWS refused the request ({code})")),
            _ => OrchestratorError::Rejected(message),
        };
    }
    let detail = DisplayErrorContext(&error).to_string();
    // No provider in the chain had credentials: a setup problem, not a moment's trouble (an IMDS or STS timeout
    // is one, and is retried as unavailable).
    if detail.contains("the credential provider was not enabled") {
        return OrchestratorError::Rejected(
            "no AWS credentials were found: give tengu a role, AWS_PROFILE or AWS_ACCESS_KEY_ID".to_owned(),
        );
    }
    match error {
        SdkError::TimeoutError(_) => OrchestratorError::Unavailable("AWS did not answer in time".to_owned()),
        SdkError::ConstructionFailure(_) if !detail.contains("credential") => {
            OrchestratorError::Rejected(format!("the AWS request was invalid: {detail}"))
        }
        _ => OrchestratorError::Unavailable(format!("AWS could not be reached: {detail}")),
    }
}
