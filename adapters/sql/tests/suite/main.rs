//! The SQL store's integration tests, one module per subject, built into one binary.

use tengu_testkit as support;

mod change_feed;
mod query_plans;
mod sessions_story;
mod store_story;
