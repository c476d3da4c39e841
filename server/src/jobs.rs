//! Background work that runs beside the web server. With several instances on one database, each periodic job
//! runs on one of them at a time: the one holding its lease (`job <name>`, held for its period and 15 s more,
//! renewed at every run; another instance takes over once the holder stops renewing).

use std::future::Future;
use std::time::Duration;

use tengu_core::Tengu;

/// How often the reminder job looks for deploy PRs that are due; the policy's interval decides who is reminded.
const REMINDER_TICK: Duration = Duration::from_secs(60);
const PRUNE_TICK: Duration = Duration::from_secs(3600);
/// How often locks past their end are taken away (they stop holding at their end whatever this says).
const LOCK_TICK: Duration = Duration::from_secs(30);
/// How often the App's delivery log is read for deliveries no tengu stored (at start, then this often).
const RECOVERY_TICK: Duration = Duration::from_secs(300);

/// How long past its period a job's lease holds: the holder renews it at every run, so another instance takes
/// the job over this long after the holder stopped.
const LEASE_MARGIN: Duration = Duration::from_secs(15);

/// Runs `work` every `period` on the instance that holds the job's lease.
fn spawn_leased<F, Fut>(tengu: Tengu, job: &'static str, period: Duration, work: F)
where
    F: Fn(Tengu) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let lease = format!("job {job}");
        let hold = chrono::Duration::from_std(period + LEASE_MARGIN).unwrap_or(chrono::Duration::hours(2));
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match tengu.hold_lease(&lease, hold).await {
                Ok(true) => {
                    tracing::debug!(job, instance = tengu.instance(), "job ran");
                    work(tengu.clone()).await
                }
                Ok(false) => tracing::debug!(job, "another instance runs this job now"),
                Err(error) => tracing::warn!(%error, job, "the job's lease could not be read; trying at the next tick"),
            }
        }
    });
}

/// Picks up every deployment a stop, a crash or a dead instance left unfinished (each step was recorded before
/// its side effect, so picking up where it stood repeats nothing harmful): at start, then every `every`.
pub fn spawn_resume_deployments(tengu: Tengu, every: Duration) {
    spawn_leased(tengu, "resume deployments", every, |tengu| async move {
        match tengu.sweep_unfinished_deployments().await {
            Ok(0) => {}
            Ok(started) => tracing::info!(started, "drivers started for unfinished deployments"),
            Err(error) => tracing::warn!(%error, "unfinished deployments could not be read; trying in a minute"),
        }
    });
}

/// Keeps every environment's services as ECS describes them, for the overview's health: at start, then every
/// `every`.
pub fn spawn_health_checks(tengu: Tengu, every: Duration) {
    spawn_leased(tengu, "health checks", every, |tengu| async move {
        if let Err(error) = tengu.check_health().await {
            tracing::warn!(%error, "no environment's health could be read; trying again at the next tick");
        }
    });
}

/// Reminds authors who owe a tick (each reminder is also claimed in the database, so none is sent twice).
pub fn spawn_reminders(tengu: Tengu) {
    spawn_leased(tengu, "reminders", REMINDER_TICK, |tengu| async move {
        match tengu.send_due_reminders().await {
            Ok(sent) if !sent.is_empty() => tracing::info!(count = sent.len(), "reminders sent"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "reminders could not be sent; trying again at the next tick"),
        }
    });
}

/// How often the weekly summary looks whether a Monday's is due.
const WEEKLY_SUMMARY_TICK: Duration = Duration::from_secs(600);

/// Posts last week's insights to each environment's channel on Monday morning (when `[slack] weekly_summary`).
pub fn spawn_weekly_summary(tengu: Tengu) {
    if !tengu.settings().weekly_summary {
        return;
    }
    spawn_leased(tengu, "weekly summary", WEEKLY_SUMMARY_TICK, |tengu| async move {
        match tengu.send_weekly_summaries().await {
            Ok(posted) if !posted.is_empty() => tracing::info!(?posted, "weekly summaries posted"),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "the weekly summaries could not be posted; trying again at the next tick")
            }
        }
    });
}

/// Brings each environment's insights' days up to date once at start (the first time, over its whole history), so
/// the first look at `/insights` after an upgrade does not wait for it; from then on deployments keep them.
pub fn spawn_insights_kept(tengu: Tengu) {
    tokio::spawn(async move {
        for env in tengu.settings().environments.clone() {
            let started = std::time::Instant::now();
            match tengu.keep_insights(&env.name).await {
                Ok(()) => {
                    tracing::debug!(env = %env.name, took_ms = started.elapsed().as_millis(), "insights' days kept")
                }
                Err(error) => {
                    tracing::warn!(env = %env.name, %error, "the insights' days could not be kept; the page will")
                }
            }
        }
    });
}

/// Ends the locks whose time is up, each in the audit log and the team channel.
pub fn spawn_lock_expiry(tengu: Tengu) {
    spawn_leased(tengu, "lock expiry", LOCK_TICK, |tengu| async move {
        match tengu.end_expired_locks().await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "locks past their end taken away"),
            Err(error) => tracing::warn!(%error, "ended locks could not be taken away; trying again at the next tick"),
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
    let every = review_tick(&tengu);
    spawn_leased(tengu, "review reconciler", every, |tengu| async move {
        match tengu.reconcile_review_envs().await {
            Ok(report) => {
                for change in &report.changes {
                    tracing::info!(%change, "review environment");
                }
                if !report.strangers.is_empty() {
                    tracing::warn!(tasks = ?report.strangers, "tasks started by tengu that no review environment holds");
                }
            }
            Err(error) => tracing::warn!(%error, "review environments not reconciled; trying again at the next tick"),
        }
    });
}

/// Deletes handled webhook deliveries older than the retention period, every hour.
pub fn spawn_delivery_pruning(tengu: Tengu, retention: chrono::Duration) {
    spawn_leased(tengu, "delivery pruning", PRUNE_TICK, move |tengu| async move {
        match tengu.prune_deliveries(retention).await {
            Ok(0) => {}
            Ok(gone) => tracing::info!(gone, "handled webhook deliveries past their retention deleted"),
            Err(error) => tracing::warn!(%error, "old webhook deliveries could not be deleted"),
        }
    });
}

/// Asks GitHub again for the deliveries it sent while no tengu listened (the App's delivery log against the
/// stored deliveries): at start, then every five minutes, on one instance. Without an App there is no log to read.
pub fn spawn_delivery_recovery(tengu: Tengu) {
    spawn_leased(tengu, "delivery recovery", RECOVERY_TICK, |tengu| async move {
        match tengu.recover_missed_deliveries().await {
            Ok(recovery) if recovery.redelivered.is_empty() => {
                tracing::debug!(read = recovery.read, "no delivery was missed")
            }
            Ok(recovery) => tracing::warn!(
                read = recovery.read,
                asked = recovery.redelivered.len(),
                "deliveries tengu never stored were asked for again"
            ),
            Err(error) => tracing::warn!(%error, "GitHub's delivery log could not be read; trying at the next tick"),
        }
    });
}

/// Works off webhook deliveries (those a crash left unfinished included), retrying failed ones with backoff. It
/// runs on every instance: each delivery is claimed in the database, so instances share them and none is
/// handled twice at once.
pub fn spawn_delivery_worker(tengu: Tengu) {
    tokio::spawn(async move { tengu.run_delivery_worker().await });
}
