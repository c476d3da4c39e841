//! Verification after a rollout: once ECS reports our deployment COMPLETED, an environment's checks watch the new
//! tasks for a bake time. HTTP checks ask a URL every so often (Argo Rollouts' `interval`, `count`,
//! `failureLimit`); CloudWatch alarms must stay out of ALARM. The deployment is *verifying* until the bake ends and
//! every check ran its count, then *succeeded*; a check past its failure limit, or an alarm, fails it.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The longest bake tengu accepts: a deployment holds its environment while it bakes.
pub const LONGEST_BAKE_SECONDS: u32 = 6 * 3600;
/// How long after the bake an alarm that could not be read is waited for before that fails the verification.
const UNREAD_ALARM_GRACE_SECONDS: i64 = 300;

/// A URL a check may ask: http or https, nothing else (a check is a GET from tengu's own network).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckUrl(String);

impl CheckUrl {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
        match rest {
            Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !text.chars().any(char::is_whitespace) => {
                Ok(Self(text.to_owned()))
            }
            _ => Err(format!("{text:?} is not an http:// or https:// URL with a host")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A CloudWatch alarm's name, as `DescribeAlarms` takes it: 1-255 characters of one line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AlarmName(String);

impl AlarmName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = !text.trim().is_empty() && text.chars().count() <= 255 && !text.chars().any(char::is_control);
        if ok { Ok(Self(text.to_owned())) } else { Err(format!("{text:?} is not a CloudWatch alarm name")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What its results are recorded as: `alarm shop-5xx`.
    pub fn check_name(&self) -> String {
        format!("alarm {}", self.0)
    }
}

impl std::fmt::Display for AlarmName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an HTTP check's answer must hold beyond its status: the value at a JSON pointer (`/status` = `"ok"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonExpectation {
    pub pointer: String,
    pub value: serde_json::Value,
}

/// An HTTP check: a GET of `url` every `interval_seconds`, `count` times, from `initial_delay_seconds` after the
/// rollout completed; more than `failure_limit` failed answers fail the verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCheck {
    pub name: String,
    pub url: CheckUrl,
    pub expect_status: u16,
    pub json: Option<JsonExpectation>,
    pub interval_seconds: u32,
    pub count: u32,
    pub failure_limit: u32,
    pub timeout_seconds: u32,
    pub initial_delay_seconds: u32,
}

/// What a check's URL answered (a body is read up to 64 KiB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeAnswer {
    pub status: u16,
    pub body: String,
}

impl HttpCheck {
    /// Whether `answer` passes, and the sentence the results show (`200`, `503 (expected 200)`,
    /// `200, /status = "degraded" (expected "ok")`).
    pub fn judge(&self, answer: &ProbeAnswer) -> (bool, String) {
        if answer.status != self.expect_status {
            return (false, format!("{} (expected {})", answer.status, self.expect_status));
        }
        let Some(json) = &self.json else { return (true, answer.status.to_string()) };
        let found = serde_json::from_str::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|body| body.pointer(&json.pointer).cloned());
        match found {
            Some(value) if value == json.value => (true, format!("{}, {} = {value}", answer.status, json.pointer)),
            Some(value) => (false, format!("{}, {} = {value} (expected {})", answer.status, json.pointer, json.value)),
            None => (false, format!("{}, no {} in the answer (expected {})", answer.status, json.pointer, json.value)),
        }
    }

    /// When its `run`-th probe (from 0) is due, verifying since `since`.
    fn due_at(&self, since: DateTime<Utc>, run: u32) -> DateTime<Utc> {
        since
            + Duration::seconds(i64::from(self.initial_delay_seconds))
            + Duration::seconds(i64::from(self.interval_seconds) * i64::from(run))
    }
}

/// An environment's verification: how long to bake, and what is checked meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct VerificationPlan {
    pub bake_seconds: u32,
    pub http: Vec<HttpCheck>,
    pub alarms: Vec<AlarmName>,
}

/// One answer a check gave, as recorded (an alarm's check is named `alarm <name>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: String,
    pub at: DateTime<Utc>,
    pub passed: bool,
    pub answer: String,
}

/// What the results so far say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not yet: ask again (the checks that are due, by name).
    Verifying,
    Passed,
    /// Which check failed with what answer.
    Failed(String),
}

impl VerificationPlan {
    /// Whether the environment verifies its deployments at all.
    pub fn is_empty(&self) -> bool {
        self.bake_seconds == 0 && self.http.is_empty() && self.alarms.is_empty()
    }

    /// The HTTP checks due at `now`, verifying since `since`, given what they answered so far.
    pub fn due<'a>(&'a self, since: DateTime<Utc>, now: DateTime<Utc>, results: &[CheckResult]) -> Vec<&'a HttpCheck> {
        self.http
            .iter()
            .filter(|check| {
                let runs = runs_of(results, &check.name);
                runs < check.count && check.due_at(since, runs) <= now
            })
            .collect()
    }

    /// The verdict at `now`, verifying since `since`: a check over its failure limit or an alarm's answer fails it;
    /// it passes once the bake is over and every HTTP check ran its count.
    pub fn verdict(&self, since: DateTime<Utc>, now: DateTime<Utc>, results: &[CheckResult]) -> Verdict {
        for check in &self.http {
            let failed: Vec<&CheckResult> = results.iter().filter(|r| r.check == check.name && !r.passed).collect();
            if failed.len() > check.failure_limit as usize {
                let last = failed.last().map_or("", |r| r.answer.as_str());
                return Verdict::Failed(format!(
                    "check {} failed {} of {} times (limit {}): {} answered {last}",
                    check.name,
                    failed.len(),
                    runs_of(results, &check.name),
                    check.failure_limit,
                    check.url.as_str()
                ));
            }
        }
        if let Some(alarm) = results.iter().find(|r| r.check.starts_with("alarm ") && !r.passed) {
            return Verdict::Failed(format!("{} went into ALARM: {}", alarm.check, alarm.answer));
        }
        let baked = since + Duration::seconds(i64::from(self.bake_seconds)) <= now;
        let counted = self.http.iter().all(|check| runs_of(results, &check.name) >= check.count);
        // An alarm never read (CloudWatch out of reach all along) has said nothing: it cannot have passed, and a
        // while after the bake that is the verdict.
        let unread = self.alarms.iter().find(|alarm| runs_of(results, &alarm.check_name()) == 0);
        let waited = since + Duration::seconds(i64::from(self.bake_seconds) + UNREAD_ALARM_GRACE_SECONDS) <= now;
        match (baked && counted, unread) {
            (true, None) => Verdict::Passed,
            (_, Some(alarm)) if waited => Verdict::Failed(format!(
                "alarm {alarm} could not be read from CloudWatch during the bake (nor {} s after it)",
                UNREAD_ALARM_GRACE_SECONDS
            )),
            _ => Verdict::Verifying,
        }
    }
}

fn runs_of(results: &[CheckResult], check: &str) -> u32 {
    u32::try_from(results.iter().filter(|r| r.check == check).count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
