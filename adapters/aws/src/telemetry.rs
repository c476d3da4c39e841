//! Every AWS call, counted by service, operation and outcome (after the SDK's own retries) for `/metrics`.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Put on every client the adapters build.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CountCalls;

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "tengu::CountCalls"
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = cfg
            .load::<Metadata>()
            .map(|metadata| (metadata.service().to_owned(), metadata.name().to_owned()))
            .unwrap_or_else(|| ("unknown".to_owned(), "unknown".to_owned()));
        let outcome = match context.output_or_error() {
            Some(Ok(_)) => "ok",
            _ => "error",
        };
        let labels = [("service", service), ("operation", operation), ("outcome", outcome.to_owned())];
        metrics::counter!(tengu_core::telemetry::AWS_CALLS, &labels).increment(1);
        Ok(())
    }
}
