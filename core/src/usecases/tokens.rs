//! Personal API tokens for machines (CI): created by a signed-in person, shown once, kept as a hash, scoped to
//! reading and to deploying to named environments, expiring, revocable; a token acts with its owner's role at
//! the time of use.

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::domain::{Actor, ApiToken, AuditAction, NewApiToken, TokenScope};
use crate::error::CoreError;
use crate::ports::Action;
use crate::tengu::Tengu;

/// Every secret starts so, so a leaked one is easy to recognise (and to search for in logs and repositories).
pub const TOKEN_PREFIX: &str = "tengu_";
const LONGEST_LIFE_DAYS: u32 = 366;

/// A token just created: the only time its secret exists outside the caller's hands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn fresh_secret() -> Result<String, CoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| CoreError::Refused(format!("no random bytes for a token: {e}")))?;
    Ok(format!("{TOKEN_PREFIX}{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

impl Tengu {
    /// Creates a token for the person asking. Tokens cannot create tokens.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
        scopes: Vec<TokenScope>,
        days: u32,
    ) -> Result<CreatedToken, CoreError> {
        let Actor::Person(owner) = actor else {
            return Err(CoreError::Refused("only a person signed in to tengu can create a token".into()));
        };
        self.authorize(actor, &Action::ManageTokens).await?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(CoreError::Refused("give the token a name of 1 to 60 characters, e.g. \"CI deploys\"".into()));
        }
        if scopes.is_empty() {
            return Err(CoreError::Refused("choose what the token may do: read, or deploy to an environment".into()));
        }
        for scope in &scopes {
            if let TokenScope::Deploy(env) = scope {
                self.environment(env)?;
            }
        }
        if !(1..=LONGEST_LIFE_DAYS).contains(&days) {
            return Err(CoreError::Refused(format!("a token lives 1 to {LONGEST_LIFE_DAYS} days")));
        }
        let secret = fresh_secret()?;
        let now = self.ports.clock.now();
        let mut scopes = scopes;
        scopes.sort();
        scopes.dedup();
        let new = NewApiToken {
            owner: owner.clone(),
            name: name.to_owned(),
            scopes: scopes.clone(),
            hash: hash(&secret),
            created_at: now,
            expires_at: now + Duration::days(i64::from(days)),
        };
        let id = self.ports.store.insert_token(&new).await?;
        let listed: Vec<String> = scopes.iter().map(ToString::to_string).collect();
        let detail = format!("{name} ({}), expires {}", listed.join(", "), new.expires_at.format("%Y-%m-%d"));
        self.audit(actor, AuditAction::TokenCreated, (&format!("token #{id}"), None), detail).await?;
        let token = ApiToken {
            id,
            owner: new.owner,
            name: new.name,
            scopes,
            created_at: now,
            expires_at: new.expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        Ok(CreatedToken { token, secret })
    }

    /// The person's own tokens, newest first.
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, CoreError> {
        let Some(owner) = actor.login() else { return Ok(Vec::new()) };
        Ok(self.ports.store.tokens_of(owner).await?)
    }

    pub async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), CoreError> {
        let Actor::Person(owner) = actor else {
            return Err(CoreError::Refused("only a person signed in to tengu can revoke a token".into()));
        };
        self.authorize(actor, &Action::ManageTokens).await?;
        if !self.ports.store.revoke_token(id, owner, self.ports.clock.now()).await? {
            return Err(CoreError::NotFound(format!("a live token #{id} of yours")));
        }
        self.audit(actor, AuditAction::TokenRevoked, (&format!("token #{id}"), None), String::new()).await
    }

    /// Who a bearer secret stands for: its owner, through this token. An unknown, expired or revoked secret is
    /// refused with the same sentence, so a guesser learns nothing.
    pub async fn token_actor(&self, secret: &str) -> Result<(Actor, ApiToken), CoreError> {
        let refused = || CoreError::Refused("the API token is not valid (unknown, expired or revoked)".into());
        if !secret.starts_with(TOKEN_PREFIX) {
            return Err(refused());
        }
        let token = self.ports.store.token_by_hash(&hash(secret)).await?.ok_or_else(refused)?;
        let now = self.ports.clock.now();
        if !token.is_usable(now) {
            return Err(refused());
        }
        if let Err(denied) = self.check_membership(&token.owner).await? {
            return Err(denied.into());
        }
        self.ports.store.touch_token(token.id, now).await?;
        Ok((Actor::Token { login: token.owner.clone(), token: token.id }, token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_only_their_hash_is_kept() {
        let (a, b) = (fresh_secret().unwrap(), fresh_secret().unwrap());
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_ne!(a, b);
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
