//! An environment's lock: a person stops the line (an incident, a release freeze of their own) with a reason, until
//! a time or until someone unlocks it. While it holds, deploys are refused, except to the person who set it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Actor, EnvName, Login, ParseError, RepoSlug};

/// How long a lock holds when its setter names no time (Samson's default).
pub const DEFAULT_LOCK_LENGTH: Duration = Duration::hours(1);
/// The longest lock one may set with an end: longer ones are set until unlocked, which says so.
pub const LONGEST_LOCK_LENGTH: Duration = Duration::days(30);
/// Its rule's sentence says the number too.
const LONGEST_REASON: usize = 500;

/// Why an environment is locked, as its setter wrote it: one line, not empty, at most 500 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockReason(String);

impl LockReason {
    pub fn parse(text: impl AsRef<str>) -> Result<Self, ParseError> {
        let text = text.as_ref().trim();
        let refused = |rule| Err(ParseError::new("lock reason", text, rule));
        if text.is_empty() {
            return refused("a lock needs a reason (what is wrong, or what the team waits for)");
        }
        if text.chars().count() > LONGEST_REASON {
            return refused("a lock's reason is at most 500 characters");
        }
        if text.chars().any(char::is_control) {
            return refused("a lock's reason is one line of text");
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long a lock holds: a length from now, or until someone unlocks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockLength {
    For(Duration),
    UntilUnlocked,
}

impl Default for LockLength {
    fn default() -> Self {
        LockLength::For(DEFAULT_LOCK_LENGTH)
    }
}

impl LockLength {
    /// `parse`, or the default length (one hour) when none is named.
    pub fn parse_or_default(text: Option<&str>) -> Result<Self, ParseError> {
        text.map_or(Ok(LockLength::default()), LockLength::parse)
    }

    /// `90m`, `2h`, `1d`, or `until-unlocked`; a length between one minute and 30 days.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        if text == "until-unlocked" {
            return Ok(LockLength::UntilUnlocked);
        }
        let unit_at = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(unit_at);
        let bad = || ParseError::new("lock length", text, "write 90m, 2h, 1d or until-unlocked");
        let number: i64 = number.parse().map_err(|_| bad())?;
        let length = match unit {
            "m" => Duration::minutes(number),
            "h" => Duration::hours(number),
            "d" => Duration::days(number),
            _ => return Err(bad()),
        };
        if length < Duration::minutes(1) || length > LONGEST_LOCK_LENGTH {
            return Err(ParseError::new(
                "lock length",
                text,
                "a lock holds between one minute and 30 days (or until unlocked)",
            ));
        }
        Ok(LockLength::For(length))
    }

    /// When a lock set at `at` ends, if it ends by itself.
    pub fn end_from(self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            LockLength::For(length) => Some(at + length),
            LockLength::UntilUnlocked => None,
        }
    }
}

/// What a lock names: one environment, or every environment of a repository (`acme/shop`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockScope {
    Environment(EnvName),
    Repository(RepoSlug),
}

impl LockScope {
    /// `production`, or `acme/shop` (a slash names a repository).
    pub fn parse(word: &str) -> Result<Self, ParseError> {
        if word.contains('/') {
            RepoSlug::parse(word).map(LockScope::Repository)
        } else {
            EnvName::parse(word).map(LockScope::Environment)
        }
    }

    /// What an unlock that lifted nothing answers.
    pub fn nothing_locked(&self) -> String {
        match self {
            LockScope::Environment(env) => format!("{env} was not locked"),
            LockScope::Repository(repo) => format!("no environment of {repo} was locked"),
        }
    }
}

impl std::fmt::Display for LockScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LockScope::Environment(env) => write!(f, "{env}"),
            LockScope::Repository(repo) => write!(f, "every environment of {repo}"),
        }
    }
}

/// A lock on one environment, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentLock {
    pub env: EnvName,
    pub repo: RepoSlug,
    pub reason: LockReason,
    /// Who set it, as the audit log names them (`alice`, `alice (token #3)`, `tengu`).
    pub set_by: String,
    /// The person who may still deploy through it; none when tengu set it by itself.
    pub owner: Option<Login>,
    pub set_at: DateTime<Utc>,
    /// None: until someone unlocks it.
    pub until: Option<DateTime<Utc>>,
}

impl EnvironmentLock {
    /// The lock among `locks` that holds on `env` at `now`, if any.
    pub fn holding<'a>(locks: &'a [EnvironmentLock], env: &EnvName, now: DateTime<Utc>) -> Option<&'a EnvironmentLock> {
        locks.iter().find(|lock| &lock.env == env && lock.holds_at(now))
    }

    /// Whether it still holds at `now` (a lock past its end is gone, whether or not its row is).
    pub fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| now < until)
    }

    /// Whether `actor` is the person who set it (their tokens count as them).
    pub fn is_owned_by(&self, actor: &Actor) -> bool {
        self.owner.as_ref().is_some_and(|owner| actor.login() == Some(owner))
    }

    /// `production is locked by alice since 2026-12-07 14:02 UTC until 15:02 UTC: incident 42`.
    pub fn sentence(&self) -> String {
        let until = match self.until {
            Some(until) => format!("until {}", crate::display::when(until)),
            None => "until someone unlocks it".to_owned(),
        };
        format!(
            "{} is locked by {} since {} {until}: {}",
            self.env,
            self.set_by,
            crate::display::when(self.set_at),
            self.reason.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn lock(until: Option<DateTime<Utc>>) -> EnvironmentLock {
        EnvironmentLock {
            env: EnvName::parse("production").unwrap(),
            repo: RepoSlug::parse("acme/shop").unwrap(),
            reason: LockReason::parse("  incident 42 ").unwrap(),
            set_by: "alice (token #3)".to_owned(),
            owner: Some(Login::parse("alice").unwrap()),
            set_at: Utc.with_ymd_and_hms(2026, 12, 7, 14, 2, 0).unwrap(),
            until,
        }
    }

    #[test]
    fn a_lock_holds_until_its_end_and_lets_only_its_owner_through() {
        let end = Utc.with_ymd_and_hms(2026, 12, 7, 15, 2, 0).unwrap();
        let held = lock(Some(end));
        assert!(held.holds_at(end - Duration::seconds(1)) && !held.holds_at(end));
        assert!(lock(None).holds_at(end + Duration::days(400)));
        assert!(held.is_owned_by(&Actor::Token { login: Login::parse("alice").unwrap(), token: 3 }));
        assert!(!held.is_owned_by(&Actor::Person(Login::parse("bob").unwrap())));
        assert!(!held.is_owned_by(&Actor::System));
        assert_eq!(
            held.sentence(),
            "production is locked by alice (token #3) since 2026-12-07 14:02 UTC until 2026-12-07 15:02 UTC: incident 42"
        );
        assert!(lock(None).sentence().ends_with("until someone unlocks it: incident 42"));
    }

    #[test]
    fn reasons_and_lengths_are_parsed_with_a_sentence() {
        assert!(LockReason::parse(" ").is_err());
        assert!(LockReason::parse("a\nb").is_err());
        assert!(LockReason::parse("x".repeat(501)).is_err());
        assert_eq!(LockLength::parse("90m").unwrap(), LockLength::For(Duration::minutes(90)));
        assert_eq!(LockLength::parse("2h").unwrap(), LockLength::For(Duration::hours(2)));
        assert_eq!(LockLength::parse("until-unlocked").unwrap(), LockLength::UntilUnlocked);
        for bad in ["", "2", "h", "2w", "0m", "31d", "-1h", "1.5h"] {
            assert!(LockLength::parse(bad).is_err(), "{bad:?}");
        }
    }
}
