use async_trait::async_trait;

/// A message for the team (Slack, or the log when nothing is configured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// The environment it is about: its own channel hears it, when it has one.
    pub env: Option<crate::domain::EnvName>,
}

impl Notice {
    /// For the team's channel.
    pub fn team(text: impl Into<String>) -> Self {
        Self { text: text.into(), env: None }
    }

    /// About one environment.
    pub fn about(env: &crate::domain::EnvName, text: impl Into<String>) -> Self {
        Self { text: text.into(), env: Some(env.clone()) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the notification could not be sent: {0}")]
pub struct NotifierError(pub String);

#[async_trait]
pub trait Notifier: Send + Sync {
    async fn notify(&self, notice: &Notice) -> Result<(), NotifierError>;

    /// A direct message to one chat person; false when this notifier has no way to send one.
    async fn tell(&self, _chat_user: &str, _text: &str) -> Result<bool, NotifierError> {
        Ok(false)
    }
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
