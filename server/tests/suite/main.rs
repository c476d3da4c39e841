//! The server's integration tests, one module per subject, built into one binary: each test binary links the
//! whole server, and twenty-one of them took longer to compile and link than to run (see `.ci/run`'s timings).

mod support;

mod access;
mod api_v1;
mod app_setup;
mod ci_examples;
mod cli;
mod cli_on_github;
mod cli_remote;
mod door_holes;
mod doors;
mod freezes;
mod fuzz_webhooks;
mod http;
mod insights_page;
mod live_pages;
mod metrics;
mod oauth;
mod page_cache;
mod processes;
mod review_page;
mod rollback_search;
mod sandbox_chat;
mod sandbox_github;
mod setup_process;
mod slack_commands;
mod slack_threads;
mod slow_clients;
mod static_files;
mod verification_pages;
mod webhooks;
