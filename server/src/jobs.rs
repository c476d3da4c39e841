//! Background work that runs beside the web server.

use std::time::Duration;

use tengu_core::Tengu;

/// How often the reminder job looks for deploy PRs that are due; the policy's interval decides who is reminded.
const REMINDER_TICK: Duration = Duration::from_secs(60);

/// Follows every deployment a stop or a crash left unfinished to its end (each step was recorded before its side
/// effect, so picking up where it stood repeats nothing harmful).
pub fn spawn_resume_deployments(tengu: Tengu) {
    tokio::spawn(async move {
        match tengu.resume_unfinished_deployments().await {
            Ok(done) if !done.is_empty() => tracing::info!(count = done.len(), "resumed unfinished deployments"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "an unfinished deployment could not be resumed"),
        }
    });
}

/// Reminds authors who owe a tick. Safe with several instances: each reminder is claimed in the database first.
pub fn spawn_reminders(tengu: Tengu) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REMINDER_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match tengu.send_due_reminders().await {
                Ok(sent) if !sent.is_empty() => tracing::info!(count = sent.len(), "reminders sent"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "reminders could not be sent; trying again at the next tick"),
            }
        }
    });
}

/// How often review environments are brought in line with ECS (the sandbox's tasks come up in seconds).
fn review_tick(tengu: &Tengu) -> Duration {
    if tengu.settings().sandbox { Duration::from_secs(2) } else { Duration::from_secs(15) }
}

/// Review environments: starting ones become running or failed, replacements take over, idle ones stop, the cap
/// holds, and tasks nobody holds are reported in the log.
pub fn spawn_review_reconciler(tengu: Tengu) {
    if tengu.settings().review.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(review_tick(&tengu));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match tengu.reconcile_review_envs().await {
                Ok(report) => {
                    for change in &report.changes {
                        tracing::info!(%change, "review environment");
                    }
                    if !report.strangers.is_empty() {
                        tracing::warn!(tasks = ?report.strangers, "tasks started by tengu that no review environment holds");
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "review environments not reconciled; trying again at the next tick")
                }
            }
        }
    });
}

/// Deletes handled webhook deliveries older than the retention period, every hour.
pub fn spawn_delivery_pruning(tengu: Tengu, retention: chrono::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match tengu.prune_deliveries(retention).await {
                Ok(0) => {}
                Ok(gone) => tracing::info!(gone, "handled webhook deliveries past their retention deleted"),
                Err(error) => tracing::warn!(%error, "old webhook deliveries could not be deleted"),
            }
        }
    });
}
