use async_trait::async_trait;

/// A message for the team (Slack, or the log when nothing is configured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the notification could not be sent: {0}")]
pub struct NotifierError(pub String);

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifierError>;
}

/// Writes notices to the log; what tengu uses when no Slack webhook is configured.
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifierError> {
        tracing::info!(notice = %notice.text, "notice");
        Ok(())
    }
}
