//! The chat side of tengu (Slack's `/tengu` command): what people type, parsed into commands that go through the
//! same use cases, roles and gate as the dashboard's buttons.

mod command;
mod message;
mod person;

pub use command::{ChatCommand, HELP, Shipment};
pub use message::{ChatAction, ChatButton, ChatMessage};
pub use person::{ChatPerson, ChatRequest};
