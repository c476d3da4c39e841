//! The read side: what each page (and `tengu status`) shows, cut from the read models and tengu's records into the
//! views the pages draw. Nothing here changes anything, and the use cases never import it (nor `views`).

mod audit;
mod deploy_pr;
mod deployment;
mod environment;
mod history;
mod home;
mod review_envs;
mod status;

pub use history::HISTORY_PAGE;
pub use review_envs::ENDED_REVIEW_ENVS_SHOWN;
