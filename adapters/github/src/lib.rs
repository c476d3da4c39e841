//! The real `CodeHost`: GitHub's REST and GraphQL APIs through octocrab, authenticated as a GitHub App
//! installation or with a token. The release range and its pull requests come from GraphQL in pages of 100
//! commits; everything else is one REST call each.

mod auth;
mod code_host;
mod graphql;
pub mod manifest;
mod people;
pub mod permissions;
mod rest;
mod setup;
mod transport;

pub use auth::Credentials;
pub use code_host::GithubCodeHost;
pub use manifest::ManifestRegistrar;
pub use transport::RetryPolicy;

/// Where GitHub's APIs are and how tengu signs in to them.
#[derive(Clone)]
pub struct GithubSettings {
    /// `https://api.github.com`, or `https://<host>/api/v3` for GitHub Enterprise Server.
    pub api_url: String,
    /// Derived from `api_url` when absent: `<api_url>/graphql`, or `https://<host>/api/graphql` for Enterprise.
    pub graphql_url: Option<String>,
    pub credentials: Credentials,
    pub retry: RetryPolicy,
}

impl GithubSettings {
    pub fn new(credentials: Credentials) -> Self {
        Self {
            api_url: "https://api.github.com".to_owned(),
            graphql_url: None,
            credentials,
            retry: RetryPolicy::default(),
        }
    }

    pub(crate) fn graphql_url(&self) -> String {
        if let Some(url) = &self.graphql_url {
            return url.clone();
        }
        let api = self.api_url.trim_end_matches('/');
        match api.strip_suffix("/api/v3") {
            Some(host) => format!("{host}/api/graphql"),
            None => format!("{api}/graphql"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_lives_beside_the_rest_api() {
        let mut settings = GithubSettings::new(Credentials::Token("t".into()));
        assert_eq!(settings.graphql_url(), "https://api.github.com/graphql");
        settings.api_url = "https://ghe.acme.test/api/v3/".into();
        assert_eq!(settings.graphql_url(), "https://ghe.acme.test/api/graphql");
        settings.graphql_url = Some("http://127.0.0.1:9/gql".into());
        assert_eq!(settings.graphql_url(), "http://127.0.0.1:9/gql");
    }
}
