//! The GitHub adapter's integration tests, one module per subject, built into one binary.

use tengu_testkit as support;

mod delivery_retries;
mod deploy_pr_body;
mod github_adapter;
mod github_permissions;
mod review_approvals;
