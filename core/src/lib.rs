//! tengu's domain: the types a deploy dashboard talks in, the rules that govern them, the ports through which it
//! reaches GitHub, ECS, storage, notifications and the clock, and the use cases the web layer and the CLI drive.
//! The adapters behind those ports are crates of their own under `adapters/`.

pub mod access_memory;
pub mod chat;
pub mod checklist_body;
pub mod display;
pub mod domain;
pub mod error;
pub mod insights;
pub mod links;
pub mod ports;
pub mod read_models;
pub mod release_plan;
pub mod review_url;
pub mod rollout_judge;
pub mod screens;
pub mod settings;
pub mod telemetry;
pub mod tengu;
pub mod usecases;
pub mod views;
pub mod webhooks;

pub use error::CoreError;
pub use tengu::Tengu;
