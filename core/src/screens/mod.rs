//! The read side: what each page (and `tengu status`) shows, cut from the read models and tengu's records into the
//! views the pages draw. Nothing here changes anything, and the use cases never import it (nor `views`).

mod audit;
mod deploy_pr;
mod deployment;
mod environment;
mod history;
mod home;
mod insights;
mod review_envs;
mod status;

pub use history::HISTORY_PAGE;
pub use insights::{INSIGHT_RANGES, InsightsQuery, InsightsView, insights_csv};

/// What each page is made of: the topics of tengu's records it shows. A write of any other topic leaves the page as
/// it was, in the page cache and on the screens of the people watching it. Every page shows who is signed in and
/// what they may do (`People`).
pub mod made_of {
    use crate::ports::Topic::{Audit, ChatLinks, Deliveries, DeployPrs, Deployments, Documents, ReviewEnvs, Tokens};
    use crate::ports::{Topic, Topics};

    const SIGNED_IN: Topics = Topics::of(Topic::People);
    pub const OVERVIEW: Topics = crate::read_models::OVERVIEW_TOPICS.and(Topic::People).and(Topic::Locks);
    /// Its items, their ticks and their history, the deployments that carried it, and (in the sandbox) the body
    /// as the simulated GitHub holds it.
    pub const DEPLOY_PR: Topics = SIGNED_IN.and(DeployPrs).and(Deployments).and(Audit).and(Documents);
    pub const DEPLOYMENT: Topics = SIGNED_IN.and(Deployments).and(DeployPrs).and(Audit);
    /// Its deployments, the gate of its deploy PR, what ECS last said of its services, and its lock.
    pub const ENVIRONMENT: Topics = SIGNED_IN.and(Deployments).and(DeployPrs).and(Topic::Health).and(Topic::Locks);
    pub const HISTORY: Topics = SIGNED_IN.and(Deployments);
    /// Numbers of the deployments, and the day they end with (at least every 5 s, like every kept page).
    pub const INSIGHTS: Topics = SIGNED_IN.and(Deployments);
    /// The review environments and (in the sandbox) the simulated GitHub's pull requests.
    pub const REVIEW_ENVS: Topics = SIGNED_IN.and(ReviewEnvs).and(Documents);
    pub const AUDIT: Topics = SIGNED_IN.and(Audit);
    pub const TOKENS: Topics = SIGNED_IN.and(Tokens);
    pub const DELIVERIES: Topics = SIGNED_IN.and(Deliveries);
    /// The checks' page shows only who may run them; the checks themselves are drawn for a press.
    pub const CHECKS: Topics = SIGNED_IN;
    /// The sandbox's chat: its channel is part of the simulated world.
    pub const CHAT: Topics = SIGNED_IN.and(Documents).and(ChatLinks);
}
pub use review_envs::ENDED_REVIEW_ENVS_SHOWN;
