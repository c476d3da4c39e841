//! The audit log, webhook deliveries and API tokens pages, each row as the page shows it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Stamp;
use crate::domain::{ApiToken, AuditRow, DeliveryRecord, DeliveryState};

/// One audit entry as a row: when, who, what, about what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    /// Where the next page goes back from.
    pub id: i64,
    pub at: Stamp,
    pub actor: String,
    /// `deploy requested`
    pub action: String,
    /// `acme/shop#131 item #104`
    pub target: String,
    pub detail: String,
}

impl From<&AuditRow> for AuditLine {
    fn from(row: &AuditRow) -> Self {
        let e = &row.entry;
        Self {
            id: row.id,
            at: Stamp::of(e.at),
            actor: e.actor.clone(),
            action: e.action.as_str().replace('_', " "),
            target: e.target.clone(),
            detail: e.detail.clone(),
        }
    }
}

/// A webhook delivery whose handling failed or waits to be tried again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryLine {
    pub delivery_id: String,
    pub received: Stamp,
    pub event: String,
    /// `acme/shop#12`, empty when about nothing in particular.
    pub about: String,
    /// `failed`, `retrying`, and the badge's tone.
    pub state: String,
    pub tone: String,
    /// Tries are over: only Retry brings it back.
    pub failed: bool,
    pub next_try: Option<Stamp>,
    pub attempts: u32,
    pub last_error: String,
}

impl From<&DeliveryRecord> for DeliveryLine {
    fn from(row: &DeliveryRecord) -> Self {
        let state = row.state();
        Self {
            delivery_id: row.delivery_id.clone(),
            received: Stamp::of(row.received_at),
            event: row.event.clone(),
            about: row.subject.clone().unwrap_or_default(),
            state: state.label().to_owned(),
            tone: if state == DeliveryState::Failed { "bad" } else { "busy" }.to_owned(),
            failed: state == DeliveryState::Failed,
            next_try: row.next_attempt_at.filter(|_| state == DeliveryState::Retrying).map(Stamp::of),
            attempts: row.attempts,
            last_error: row.last_error.clone().unwrap_or_default(),
        }
    }
}

/// One of a person's API tokens (never its secret, which tengu does not keep).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLine {
    pub id: i64,
    pub name: String,
    /// `read, deploy:production`
    pub scopes: String,
    pub created: Stamp,
    /// `2027-02-27`
    pub expires: String,
    /// When a request last used it, or `never`.
    pub last_used: String,
    pub standing: TokenStanding,
}

/// Whether a token still works, and if not since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenStanding {
    Usable,
    Expired,
    Revoked(Stamp),
}

impl TokenLine {
    pub fn of(token: &ApiToken, now: DateTime<Utc>) -> Self {
        Self {
            id: token.id,
            name: token.name.clone(),
            scopes: token.scopes.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            created: Stamp::of(token.created_at),
            expires: token.expires_at.format("%Y-%m-%d").to_string(),
            last_used: token.last_used_at.map(crate::display::when).unwrap_or_else(|| "never".to_owned()),
            standing: match (token.revoked_at, token.is_usable(now)) {
                (Some(at), _) => TokenStanding::Revoked(Stamp::of(at)),
                (None, false) => TokenStanding::Expired,
                (None, true) => TokenStanding::Usable,
            },
        }
    }
}
