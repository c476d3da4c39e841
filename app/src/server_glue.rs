//! What server functions need from the server: the core, the person acting, and errors turned into sentences.

use leptos::prelude::*;
use tengu_core::domain::{Actor, EnvName, LockScope, Viewer};
use tengu_core::views::SiteInfo;
use tengu_core::{CoreError, Tengu};

/// Who is acting, as the server's identity layer put it in the request.
#[derive(Debug, Clone)]
pub struct ActingAs(pub Actor);

/// The people a sandbox visitor may act as.
#[derive(Debug, Clone, Default)]
pub struct SandboxPeople(pub Vec<tengu_core::domain::Login>);

/// The sandbox's simulated Slack: what a visitor types or presses on the chat page reaches tengu's signed Slack
/// endpoints through it, and it keeps the channel the page shows. Only the sandbox provides one.
#[async_trait::async_trait]
pub trait SandboxSlack: Send + Sync {
    /// `text` as typed (`/tengu deploy production`) by the chat person `chat_user`, one of `visitor`'s voices.
    async fn type_command(&self, visitor: &Actor, chat_user: &str, text: &str) -> Result<(), String>;
    /// A button of a message (`approve:12`) pressed by `chat_user`, one of `visitor`'s voices.
    async fn press_button(&self, visitor: &Actor, chat_user: &str, action: &str) -> Result<(), String>;
    /// The channel, with the chat person the signed-in `visitor` speaks as unless they pick another.
    fn view(&self, visitor: &Actor) -> tengu_core::views::SandboxChatView;
}

#[derive(Clone)]
pub struct SandboxSlackDoor(pub std::sync::Arc<dyn SandboxSlack>);

/// The sandbox's simulated GitHub: what a visitor does on it is made there and reaches tengu as GitHub's signed
/// webhook delivery. Only the sandbox provides one.
#[async_trait::async_trait]
pub trait SandboxGithub: Send + Sync {
    /// `person` ticks or unticks `item` in the deploy PR's body, as `visitor` (who must be able to write).
    async fn tick(
        &self,
        visitor: &Actor,
        person: &tengu_core::domain::Login,
        repo: &tengu_core::domain::RepoSlug,
        deploy_pr: tengu_core::domain::PrNumber,
        item: tengu_core::domain::PrNumber,
        verified: bool,
    ) -> Result<(), String>;
    /// The form's `open` (with a title), `push` or `close` (with a number) of a feature pull request.
    async fn change_feature_pr(
        &self,
        visitor: &Actor,
        change: &str,
        title: Option<String>,
        number: Option<tengu_core::domain::PrNumber>,
    ) -> Result<String, String>;
    /// A pull request's body as the simulated GitHub holds it.
    async fn body(
        &self,
        repo: &tengu_core::domain::RepoSlug,
        number: tengu_core::domain::PrNumber,
    ) -> Result<String, String>;
}

#[derive(Clone)]
pub struct SandboxGithubDoor(pub std::sync::Arc<dyn SandboxGithub>);

/// The sandbox's simulated GitHub; elsewhere a sentence saying it is GitHub itself.
pub fn sandbox_github() -> Result<std::sync::Arc<dyn SandboxGithub>, ServerFnError> {
    use_context::<SandboxGithubDoor>()
        .map(|door| door.0)
        .ok_or_else(|| ServerFnError::new("only the sandbox simulates GitHub; this tengu works on GitHub itself."))
}

/// The sandbox's simulated Slack; elsewhere a sentence saying the chat is Slack itself.
pub fn sandbox_slack() -> Result<std::sync::Arc<dyn SandboxSlack>, ServerFnError> {
    use_context::<SandboxSlackDoor>()
        .map(|door| door.0)
        .ok_or_else(|| ServerFnError::new("the chat page belongs to the sandbox; this tengu talks in Slack itself."))
}

/// What pages and server functions reach besides the request: the core, and in the sandbox its people and its
/// simulated GitHub and Slack. Built once by the server; a clone is a few counters.
#[derive(Clone)]
pub struct Doors {
    pub tengu: Tengu,
    pub people: SandboxPeople,
    pub sandbox_slack: Option<SandboxSlackDoor>,
    pub sandbox_github: Option<SandboxGithubDoor>,
}

impl Doors {
    /// Puts them in a server function's Leptos context.
    pub fn provide(&self) {
        provide_context(self.tengu.clone());
        provide_context(self.people.clone());
        if let Some(door) = &self.sandbox_slack {
            provide_context(door.clone());
        }
        if let Some(door) = &self.sandbox_github {
            provide_context(door.clone());
        }
    }
}

pub fn tengu() -> Result<Tengu, ServerFnError> {
    use_context::<Tengu>().ok_or_else(|| ServerFnError::new("tengu is still starting; try again in a moment."))
}

/// The signed-in person; without one, a 401 that says to sign in.
pub fn acting_actor() -> Result<Actor, ServerFnError> {
    let parts = use_context::<http::request::Parts>();
    let actor = parts.and_then(|parts| parts.extensions.get::<ActingAs>().map(|acting| acting.0.clone()));
    actor.ok_or_else(|| {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::UNAUTHORIZED);
        }
        ServerFnError::new("sign in to tengu first.")
    })
}

/// Who is signed in and what they may do, for the top of every page. Repositories the person cannot see are not
/// named at all.
pub fn site_info(doors: &Doors, viewer: &Viewer) -> SiteInfo {
    let access = viewer
        .grants
        .iter()
        .filter_map(|(repo, permission)| permission.role().map(|role| format!("{role} on {repo}")))
        .collect();
    let sandbox = doors.tengu.settings().sandbox;
    SiteInfo { sandbox, acting_as: viewer.actor.display_name(), access, people: doors.people.0.clone() }
}

/// Logs the cause and gives the person a sentence without internals.
pub fn user_error(error: CoreError) -> ServerFnError {
    ServerFnError::new(sentence(error))
}

/// Logs the cause and gives back the sentence a person reads.
pub fn sentence(error: CoreError) -> String {
    if error.is_callers_fault() {
        tracing::info!(%error, "refused");
    } else {
        tracing::error!(%error, "failed");
    }
    error.user_message()
}

/// The seed of the idempotency keys a page's buttons carry when sent without JavaScript: one person's page shares
/// it while nothing it is made of has changed (a render again, the page cache's copy, a second tab: a press from any
/// of them is one press), and get another after a write of it, or once this process restarted.
pub fn key_seed(tengu: &Tengu, actor: &Actor, page_made_of: tengu_core::ports::Topics) -> String {
    use std::hash::{BuildHasher, Hash, Hasher};
    // Drawn once per process, so a seed of before a restart never recurs.
    static SALT: std::sync::OnceLock<std::collections::hash_map::RandomState> = std::sync::OnceLock::new();
    let mut hasher = SALT.get_or_init(Default::default).build_hasher();
    actor.display_name().hash(&mut hasher);
    tengu.changes().stamp(page_made_of).hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// The tokens form's words as scopes: the read checkbox, and the environment a token may deploy to.
pub fn token_scopes(
    read: bool,
    deploy_env: Option<&str>,
) -> Result<Vec<tengu_core::domain::TokenScope>, ServerFnError> {
    use tengu_core::domain::{EnvName, TokenScope};
    let mut scopes = Vec::new();
    if read {
        scopes.push(TokenScope::Read);
    }
    if let Some(env) = deploy_env.map(str::trim).filter(|e| !e.is_empty()) {
        let env = EnvName::parse(env).map_err(|e| ServerFnError::new(e.to_string()))?;
        scopes.push(TokenScope::Deploy(env));
    }
    Ok(scopes)
}

/// What a lock form names: its environment, or (`every`) each environment of the environment's repository.
pub fn lock_scope(env: &EnvName, every: bool) -> Result<LockScope, ServerFnError> {
    if !every {
        return Ok(LockScope::Environment(env.clone()));
    }
    let repo = tengu()?.settings().environment(env).map(|found| found.repo.clone());
    let repo = repo.ok_or_else(|| user_error(CoreError::NotFound(format!("environment {env}"))))?;
    Ok(LockScope::Repository(repo))
}
