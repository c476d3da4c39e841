//! tengu's domain: the types a deploy dashboard talks in, the rules that govern them, the ports through which it
//! reaches GitHub, ECS, storage, notifications and the clock, and the use cases the web layer and the CLI drive.

pub mod access_memory;
#[cfg(feature = "aws")]
pub mod aws;
pub mod chat;
pub mod checklist_body;
pub mod display;
pub mod domain;
pub mod error;
#[cfg(feature = "github")]
pub mod github;
pub mod links;
pub mod ports;
pub mod read_models;
pub mod release_plan;
pub mod review_url;
pub mod rollout_judge;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod settings;
#[cfg(feature = "github")]
pub mod slack;
#[cfg(feature = "sql")]
pub mod sql_store;
pub mod tengu;
pub mod usecases;
pub mod views;
pub mod webhooks;

pub use error::CoreError;
pub use tengu::Tengu;
