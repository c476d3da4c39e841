//! The core's integration tests, one module per subject, built into one binary (one link, not fourteen).

use tengu_testkit as support;

mod access;
mod approvals;
mod audit_story;
mod checklist_body_properties;
mod concurrent_edit;
mod delivery_recovery;
mod deploy_rollout;
mod doctor;
mod freezes;
mod house_rules;
mod insights_kept;
mod locks;
mod preflight;
mod read_models;
mod reminders;
mod review_drain;
mod review_envs;
mod review_url_properties;
mod sandbox_deploys;
mod sandbox_story;
mod verification;
mod weekly_summary;
