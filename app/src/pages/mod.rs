mod audit;
mod deploy_pr;
mod deployment;
mod environment;
mod history;
mod home;
mod not_found;
mod review_envs;
mod tokens;

pub use audit::AuditPage;
pub use deploy_pr::DeployPrPage;
pub use deployment::DeploymentPage;
pub use environment::EnvironmentPage;
pub use history::HistoryPage;
pub use home::HomePage;
pub use not_found::NotFound;
pub use review_envs::ReviewEnvsPage;
pub use tokens::TokensPage;
