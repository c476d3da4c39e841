//! The sandbox: a named simulation of GitHub and ECS that tengu runs when no credentials are configured, so a
//! newcomer sees a living dashboard at once. Its world is kept as one document in the store, so a restart
//! keeps whatever the visitor did. Nothing here talks to the network.

pub mod chat;
mod checks;
mod deliveries;
mod ecs;
mod github;
mod seed;
mod tasks;
mod visitor;
mod world;

use std::sync::Arc;

use tokio::sync::Mutex;

pub use deliveries::Delivery;
use tengu_core::error::CoreError;
use tengu_core::ports::{Clock, CodeHost, LogNotifier, RulePolicy, Store};
use tengu_core::settings::Settings;
use tengu_core::tengu::{Ports, Tengu};
pub use visitor::{FeaturePrChange, SimulatedGithub};
pub use world::{SimService, World};

/// The key of the sandbox's world among the store's documents.
pub const DOCUMENT_KEY: &str = "sandbox.world";

/// The people a sandbox visitor can act as: the seeded authors and a visitor of their own.
pub fn people() -> Vec<tengu_core::domain::Login> {
    seed::people()
}

/// A seeded person's simulated permission on the sandbox's repository.
pub fn permission_of(person: &tengu_core::domain::Login) -> tengu_core::domain::Permission {
    seed::permission_of(person)
}

/// The sandbox's GitHub answers who may do what from the seeded roles.
#[async_trait::async_trait]
impl tengu_core::ports::People for Sandbox {
    async fn permission(
        &self,
        repo: &tengu_core::domain::RepoSlug,
        login: &tengu_core::domain::Login,
    ) -> Result<tengu_core::domain::Permission, tengu_core::ports::CodeHostError> {
        let known = self.read(|world| &world.repo == repo).await;
        Ok(if known { seed::permission_of(login) } else { tengu_core::domain::Permission::None })
    }

    async fn is_member(
        &self,
        _via: &tengu_core::domain::RepoSlug,
        org: &str,
        _team: Option<&str>,
        login: &tengu_core::domain::Login,
    ) -> Result<bool, tengu_core::ports::CodeHostError> {
        let owner = self.read(|world| world.repo.owner().to_owned()).await;
        Ok(org.eq_ignore_ascii_case(&owner) && seed::permission_of(login) > tengu_core::domain::Permission::None)
    }
}

/// Simulated GitHub and ECS over one persisted world.
pub struct Sandbox {
    /// The world, and the version of the document it was last read from or saved as (0: never saved).
    world: Mutex<(World, i64)>,
    /// The store the world is kept in (tengu's own, so the world's writes are announced like every other).
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Sandbox {
    fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Several tengu instances on one database share one simulated world: before each look or change, a copy
    /// another instance saved since is taken (the document is read and parsed only when its version moved).
    async fn catch_up(&self, held: &mut (World, i64)) {
        match self.store().document_if_changed(DOCUMENT_KEY, held.1).await {
            Ok(Some((version, saved))) => match serde_json::from_str::<World>(&saved) {
                Ok(world) => *held = (world, version),
                Err(error) => tracing::warn!(%error, "the sandbox world saved by another instance cannot be read"),
            },
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "the sandbox world could not be re-read; using this instance's copy"),
        }
    }

    /// Changes the world as of now: another instance's save in between makes it read again and redo the change,
    /// so two instances never overwrite each other's changes.
    async fn mutate<T>(&self, change: impl Fn(&mut World) -> T) -> Result<T, tengu_core::ports::StoreError> {
        let mut held = self.world.lock().await;
        loop {
            self.catch_up(&mut held).await;
            let mut world = held.0.clone();
            let out = change(&mut world);
            let json = serde_json::to_string(&world).expect("the sandbox world always serialises");
            if let Some(version) = self.store().replace_document(DOCUMENT_KEY, held.1, &json).await? {
                *held = (world, version);
                return Ok(out);
            }
        }
    }

    async fn read<T>(&self, look: impl FnOnce(&World) -> T) -> T {
        let mut held = self.world.lock().await;
        self.catch_up(&mut held).await;
        look(&held.0)
    }
}

/// Starts tengu on the sandbox: loads the persisted world, or seeds a fresh one (repository, merged PRs, deploy
/// PRs with partly ticked checklists, ECS services and a deployment history) on first start.
pub async fn start(store: Arc<dyn Store>, clock: Arc<dyn Clock>, public_url: &str) -> Result<Tengu, CoreError> {
    Ok(simulate(store, clock, public_url).await?.0)
}

/// `start`, with the simulated GitHub as a visitor acts on it (the server's sandbox pages do, through its webhook).
pub async fn simulate(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    public_url: &str,
) -> Result<(Tengu, SimulatedGithub), CoreError> {
    let mut simulated = None;
    let tengu = start_with(store, clock, public_url, |github| github, |sandbox| simulated = Some(sandbox)).await?;
    let sandbox = simulated.expect("start_with hands its sandbox over");
    Ok((tengu, SimulatedGithub(sandbox)))
}

/// `start`, with the simulated GitHub wrapped by `wrap_github` (tests put a racing editor or a counter there).
pub async fn start_with(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    public_url: &str,
    wrap_github: impl FnOnce(Arc<dyn CodeHost>) -> Arc<dyn CodeHost>,
    hand_over: impl FnOnce(Arc<Sandbox>),
) -> Result<Tengu, CoreError> {
    let existing = store.document_if_changed(DOCUMENT_KEY, 0).await?;
    let (world, version, fresh) = match existing {
        Some((version, json)) => match serde_json::from_str::<World>(&json) {
            Ok(world) => (world, version, false),
            Err(e) => {
                return Err(CoreError::Refused(format!(
                    "the sandbox state in the database cannot be read ({e}); delete the database file to start afresh"
                )));
            }
        },
        None => (seed::world(clock.now()), 0, true),
    };
    let settings = Settings {
        environments: seed::environments(),
        sandbox: true,
        public_url: public_url.to_owned(),
        github_web_url: tengu_core::links::default_github_web(),
        reminders: tengu_core::domain::ReminderPolicy::default(),
        // Sandbox rollouts take 20 s; a poll a second shows them move.
        deploys: tengu_core::domain::DeployPolicy {
            poll_every_ms: 1_000,
            ..tengu_core::domain::DeployPolicy::default()
        },
        review: vec![seed::review_settings()],
        access: Default::default(),
        deliveries: Default::default(),
        freezes: Vec::new(),
        weekly_summary: false,
    };
    let sandbox = Arc::new(Sandbox { world: Mutex::new((world, version)), store: store.clone(), clock: clock.clone() });
    let ports = Ports {
        store,
        code_host: wrap_github(sandbox.clone()),
        code_host_setup: Arc::new(tengu_core::ports::NoAppSetup),
        chat_setup: Arc::new(tengu_core::ports::NoChatSetup),
        orchestrator: sandbox.clone(),
        account: sandbox.clone(),
        tasks: sandbox.clone(),
        notifier: Arc::new(LogNotifier),
        clock,
        people: sandbox.clone(),
        policy: Arc::new(RulePolicy),
        probe: sandbox.clone(),
        alarms: Arc::new(tengu_core::ports::AlarmsNotConfigured),
    };
    let tengu = Tengu::new(settings, ports);
    hand_over(sandbox.clone());
    if fresh {
        sandbox.mutate(|_| ()).await?;
        seed::history(&tengu).await?;
    }
    Ok(tengu)
}
