mod deploy_pr;
mod deployment;
mod home;
mod not_found;

pub use deploy_pr::DeployPrPage;
pub use deployment::DeploymentPage;
pub use home::HomePage;
pub use not_found::NotFound;
