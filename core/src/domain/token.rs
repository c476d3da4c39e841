use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{EnvName, Login};

/// What a personal API token may be used for: reading, or deploying to one environment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TokenScope {
    Read,
    Deploy(EnvName),
}

impl TokenScope {
    /// `read` or `deploy:<env>`.
    pub fn parse(text: &str) -> Result<Self, super::ParseError> {
        match text.trim() {
            "read" => Ok(TokenScope::Read),
            other => match other.strip_prefix("deploy:") {
                Some(env) => Ok(TokenScope::Deploy(EnvName::parse(env)?)),
                None => Err(super::ParseError::new("token scope", other, "read or deploy:<environment>")),
            },
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenScope::Read => f.write_str("read"),
            TokenScope::Deploy(env) => write!(f, "deploy:{env}"),
        }
    }
}

impl TryFrom<String> for TokenScope {
    type Error = super::ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TokenScope> for String {
    fn from(value: TokenScope) -> String {
        value.to_string()
    }
}

/// A personal API token as tengu keeps it: never the secret, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub owner: Login,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub fn is_usable(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }

    /// Whether the token may read, or deploy to `env` (a deploy scope reads its own environment too).
    pub fn allows(&self, wanted: &TokenScope) -> bool {
        self.scopes.contains(wanted)
    }
}

/// A token about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub owner: Login,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_and_print_as_people_write_them() {
        assert_eq!(TokenScope::parse("read").unwrap(), TokenScope::Read);
        let deploy = TokenScope::parse("deploy:production").unwrap();
        assert_eq!(deploy.to_string(), "deploy:production");
        assert!(TokenScope::parse("deploy:").is_err());
        assert!(TokenScope::parse("admin").is_err());
    }
}
