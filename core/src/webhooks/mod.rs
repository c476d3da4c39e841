//! GitHub webhooks as tengu understands them: the events it acts on, parsed from GitHub's payloads, and the
//! use case that applies them.

mod deliveries;
mod event;
mod handle;
mod recovery;
#[cfg(feature = "runtime")]
mod worker;

pub use deliveries::{Accepted, DeliveryRun};
pub use event::{GithubEvent, PrAction, PullRequestEvent, WebhookParseError, is_used, parse_event};
pub use recovery::{LOG_READ, RECOVERY_WINDOW_HOURS, REDELIVERIES_PER_RUN, Recovery};
