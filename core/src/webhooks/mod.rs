//! GitHub webhooks as tengu understands them: the events it acts on, parsed from GitHub's payloads, and the
//! use case that applies them.

mod event;
mod handle;

pub use event::{GithubEvent, PrAction, PullRequestEvent, WebhookParseError, is_used, parse_event};
