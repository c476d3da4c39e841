//! The `tengu` binary's parts: configuration, wiring, the web server and the CLI's commands. Domain logic
//! stays in tengu-core; this crate only translates between it and HTTP, the terminal and the environment.

// The pages' statically typed views are nested deeply, and the server is where they are turned into responses.
#![recursion_limit = "256"]

pub mod api_types;
pub mod boot;
pub mod cli;
pub mod config;
pub mod jobs;
pub mod setup;
pub mod telemetry;
pub mod web;
