//! The ECS adapter's integration tests, one module per subject, built into one binary.

mod moto;

mod account;
mod call_counts;
mod cloudwatch_wire;
mod deploy_policy;
mod ecs_adapter;
mod ecs_adapter_wire;
mod review_tasks;
