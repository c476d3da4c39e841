//! `[auth]` (who may sign in, how long sessions last) and `[review]` (the proxy's shared secret).

use serde::Deserialize;

use super::Secret;

/// `[auth]`: who may sign in and how long a session lasts.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Organisations whose members may sign in; with no teams either, anyone GitHub signs in may (and sees only
    /// the repositories GitHub gives them).
    pub allowed_orgs: Vec<String>,
    /// `org/team-slug`.
    pub allowed_teams: Vec<String>,
    /// How long a looked-up permission serves page loads before it is looked up again (in the background).
    pub permission_ttl_seconds: u64,
    #[serde(flatten)]
    pub sessions: SessionsConfig,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            allowed_orgs: Vec::new(),
            allowed_teams: Vec::new(),
            permission_ttl_seconds: 300,
            sessions: SessionsConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct SessionsConfig {
    /// A session unused this long ends.
    pub session_idle_hours: u64,
    /// A session ends this long after sign-in, used or not.
    pub session_max_days: u64,
}

impl Default for SessionsConfig {
    fn default() -> Self {
        Self { session_idle_hours: 12, session_max_days: 7 }
    }
}

impl AuthConfig {
    pub fn access_settings(&self) -> Result<tengu_core::settings::AccessSettings, super::ConfigError> {
        if let Some(bad) =
            self.allowed_teams.iter().find(|t| t.split_once('/').is_none_or(|(o, s)| o.is_empty() || s.is_empty()))
        {
            return Err(super::ConfigError::Github(format!("[auth] allowed_teams: {bad:?} is not org/team-slug")));
        }
        Ok(tengu_core::settings::AccessSettings {
            allowed_orgs: self.allowed_orgs.clone(),
            allowed_teams: self.allowed_teams.clone(),
            permission_ttl_seconds: self.permission_ttl_seconds,
        })
    }
}

/// `[review]`: settings of the review route shared by every repository.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewRouteConfig {
    /// The proxy sends it as `X-Tengu-Proxy-Secret`; without it the route answers anyone who reaches tengu.
    pub proxy_secret: Option<Secret>,
    /// After a push, how long the replaced task serves the requests already on it before it is stopped.
    pub drain_seconds: Option<u32>,
}
