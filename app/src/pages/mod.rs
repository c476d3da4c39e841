//! Every page: which one an address asks for, what it loads from the core's read side, and how it is drawn.
//! A page's data is all loaded before anything is drawn; the drawing is then one synchronous pass into HTML (no
//! part of a page waits on another, and nothing is left for a browser to fill in).

mod audit;
mod deliveries;
mod deploy_pr;
mod deployment;
mod doctor;
mod environment;
mod history;
mod home;
mod insights;
mod not_found;
mod review;
mod review_envs;
mod sandbox_chat;
mod tokens;

use leptos::prelude::*;
use tengu_core::domain::{Actor, Viewer};
use tengu_core::ports::Topics;
use tengu_core::screens::made_of;

use crate::server_glue::Doors;

/// The pages tengu draws, by address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Overview,
    DeployPr {
        owner: String,
        name: String,
        number: String,
    },
    History,
    Insights,
    Deployment(String),
    Environment(String),
    /// The review before a deploy: drawn only for a press (a POST), never for an address (see `pressed_at`).
    Review(String),
    ReviewEnvs,
    Tokens,
    Audit,
    Deliveries,
    /// `tengu doctor`'s checks: the page with its button; the checks are drawn for the press (`DoctorRun`).
    Doctor,
    DoctorRun,
    Chat,
}

impl Page {
    /// The page at `path`, if there is one.
    pub fn at(path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let page = match segments.as_slice() {
            [""] => Self::Overview,
            ["repos", owner, name, "deploy-prs", number] => {
                Self::DeployPr { owner: (*owner).to_owned(), name: (*name).to_owned(), number: (*number).to_owned() }
            }
            ["deployments"] => Self::History,
            ["insights"] => Self::Insights,
            ["deployments", id] => Self::Deployment((*id).to_owned()),
            ["environments", name] => Self::Environment((*name).to_owned()),
            ["review-envs"] => Self::ReviewEnvs,
            ["settings", "tokens"] => Self::Tokens,
            ["audit"] => Self::Audit,
            ["settings", "deliveries"] => Self::Deliveries,
            ["settings", "checks"] => Self::Doctor,
            ["chat"] => Self::Chat,
            _ => return None,
        };
        Some(page)
    }

    /// What a press (a POST) draws: the review on `/environments/<name>/review`, the checks on
    /// `/settings/checks`. Not pages an address alone may ask for, since they ask GitHub and ECS.
    pub fn pressed_at(path: &str) -> Option<Self> {
        let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        match segments.as_slice() {
            ["environments", name, "review"] => Some(Self::Review((*name).to_owned())),
            ["settings", "checks"] => Some(Self::DoctorRun),
            _ => None,
        }
    }

    /// The topics of tengu's records the page is made of: while none of them moves, the page reads the same.
    pub fn made_of(&self) -> Topics {
        match self {
            Self::Overview => made_of::OVERVIEW,
            Self::DeployPr { .. } => made_of::DEPLOY_PR,
            Self::History => made_of::HISTORY,
            Self::Insights => made_of::INSIGHTS,
            Self::Deployment(_) => made_of::DEPLOYMENT,
            Self::Environment(_) | Self::Review(_) => made_of::ENVIRONMENT,
            Self::ReviewEnvs => made_of::REVIEW_ENVS,
            Self::Tokens => made_of::TOKENS,
            Self::Audit => made_of::AUDIT,
            Self::Deliveries => made_of::DELIVERIES,
            Self::Doctor | Self::DoctorRun => made_of::CHECKS,
            Self::Chat => made_of::CHAT,
        }
    }
}

/// The address's query, decoded: the first value of each key.
#[derive(Debug, Clone, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(query: Option<&str>) -> Self {
        let pairs = query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        Self(pairs)
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.get_str(key).map(str::to_owned)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The refusal a plain form posting to server function `S` came back with (in the address), as a sentence.
    pub fn refusal_of<S: leptos::server_fn::ServerFn>(&self) -> Option<String> {
        crate::contract::refusal_in_address(self.get_str("__path"), self.get_str("__err"), S::PATH)
    }
}

/// One person's visit to one page: what loading it may use.
pub struct Visit<'a> {
    pub doors: &'a Doors,
    pub actor: &'a Actor,
    pub viewer: &'a Viewer,
    pub query: &'a Query,
}

impl Visit<'_> {
    pub fn tengu(&self) -> &tengu_core::Tengu {
        &self.doors.tengu
    }
}

/// A page drawn: its title, its main part's HTML, and whether it may be kept (a page showing a failure is not).
pub struct Shown {
    pub title: String,
    pub main: String,
    pub kept: bool,
}

impl Shown {
    /// The main part is written out at once: kept as a view, it would be converted whole into an owned, erased view
    /// (each of its attributes copied into a shared string) only to be written out later.
    fn of(title: impl Into<String>, main: impl IntoView) -> Self {
        let mut html = String::with_capacity(16 * 1024);
        crate::shell::write_view(&mut html, main);
        Self { title: title.into(), main: html, kept: true }
    }

    /// Kept only while `kept` (a page showing a refusal from its address is not).
    fn kept_if(self, kept: bool) -> Self {
        Self { kept: self.kept && kept, ..self }
    }

    /// A page that could not be shown, saying why (never kept: the failure may pass).
    pub fn failed(title: impl Into<String>, message: String) -> Self {
        use crate::components::error_notice::ErrorNotice;
        Self { kept: false, ..Self::of(title, view! { <ErrorNotice message/> }) }
    }

    pub fn not_found() -> Self {
        Self::of("Not found", view! { <not_found::NotFound/> })
    }
}

/// Loads and draws `page` for the visit.
pub async fn show(page: &Page, visit: &Visit<'_>) -> Shown {
    match page {
        Page::Overview => home::show(visit).await,
        Page::DeployPr { owner, name, number } => deploy_pr::show(visit, owner, name, number).await,
        Page::History => history::show(visit).await,
        Page::Insights => insights::show(visit).await,
        Page::Deployment(id) => deployment::show(visit, id).await,
        Page::Environment(name) => environment::show(visit, name).await,
        Page::Review(name) => review::show(visit, name).await,
        Page::ReviewEnvs => review_envs::show(visit).await,
        Page::Tokens => tokens::show(visit).await,
        Page::Audit => audit::show(visit).await,
        Page::Deliveries => deliveries::show(visit).await,
        Page::Doctor => doctor::show(visit),
        Page::DoctorRun => doctor::run(visit).await,
        Page::Chat => sandbox_chat::show(visit).await,
    }
}
