//! The `Store` on sqlx: SQLite (the default, one file in WAL mode) or PostgreSQL (when several tengu instances
//! share the work), picked by the URL. The SQL is written once in the subset both dialects share; the schema
//! has one migration folder per dialect.

mod audit;
mod change_feed;
mod chat;
mod checks;
mod connect;
mod deliveries;
mod deploy_prs;
mod deployments;
mod documents;
mod history;
mod insights;
mod leases;
mod locks;
mod people;
mod plans;
mod reads_on;
mod retrying;
mod review_envs;
mod rows;
mod tokens;

pub use connect::{Dialect, SqlStore};
pub use plans::Planned;
