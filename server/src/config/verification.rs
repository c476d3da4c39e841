//! `[environments.verification]`: what watches a deployment once ECS completed it, and for how long.
//!
//! ```toml
//! [environments.verification]
//! bake_seconds = 300
//! alarms = ["shop-5xx"]
//! [[environments.verification.http]]
//! name = "health"
//! url = "https://shop.example.com/healthz"
//! json_pointer = "/status"
//! expect_value = "ok"
//! ```

use serde::Deserialize;
use tengu_core::domain::{AlarmName, CheckUrl, HttpCheck, JsonExpectation, LONGEST_BAKE_SECONDS, VerificationPlan};

/// The longest a check waits for its answer.
const LONGEST_TIMEOUT_SECONDS: u32 = 60;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct VerificationConfig {
    /// How long the new tasks are watched after ECS completed the rollout.
    #[serde(default)]
    pub bake_seconds: u32,
    /// CloudWatch alarms that must stay out of ALARM meanwhile.
    #[serde(default)]
    pub alarms: Vec<String>,
    #[serde(default)]
    pub http: Vec<HttpCheckConfig>,
}

/// One `[[environments.verification.http]]`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HttpCheckConfig {
    pub name: String,
    pub url: String,
    #[serde(default = "ok_status")]
    pub expect_status: u16,
    /// With `expect_value`: the value the answer's JSON holds at this pointer (`/status`).
    pub json_pointer: Option<String>,
    pub expect_value: Option<serde_json::Value>,
    #[serde(default = "ten")]
    pub interval_seconds: u32,
    #[serde(default = "three")]
    pub count: u32,
    #[serde(default)]
    pub failure_limit: u32,
    #[serde(default = "five")]
    pub timeout_seconds: u32,
    #[serde(default)]
    pub initial_delay_seconds: u32,
}

fn ok_status() -> u16 {
    200
}
fn ten() -> u32 {
    10
}
fn three() -> u32 {
    3
}
fn five() -> u32 {
    5
}

impl VerificationConfig {
    /// The plan, or a sentence naming the setting that is wrong.
    pub fn plan(&self) -> Result<VerificationPlan, String> {
        if self.bake_seconds > LONGEST_BAKE_SECONDS {
            return Err(format!("verification.bake_seconds: at most {LONGEST_BAKE_SECONDS} (six hours)"));
        }
        let alarms = self.alarms.iter().map(|name| AlarmName::parse(name)).collect::<Result<Vec<_>, _>>();
        let alarms = alarms.map_err(|e| format!("verification.alarms: {e}"))?;
        let mut http = Vec::with_capacity(self.http.len());
        for check in &self.http {
            let parsed = check.check().map_err(|e| format!("verification.http {:?}: {e}", check.name))?;
            if http.iter().any(|known: &HttpCheck| known.name == parsed.name) {
                return Err(format!("verification.http {:?}: two checks have this name", check.name));
            }
            http.push(parsed);
        }
        Ok(VerificationPlan { bake_seconds: self.bake_seconds, http, alarms })
    }
}

impl HttpCheckConfig {
    fn check(&self) -> Result<HttpCheck, String> {
        let name = self.name.trim();
        if name.is_empty() || name.starts_with("alarm ") {
            return Err("name: a check needs a name (not starting with \"alarm \")".into());
        }
        let url = CheckUrl::parse(&self.url).map_err(|e| format!("url: {e}"))?;
        let json = match (&self.json_pointer, &self.expect_value) {
            (None, None) => None,
            (Some(pointer), Some(value)) if pointer.starts_with('/') => {
                Some(JsonExpectation { pointer: pointer.clone(), value: value.clone() })
            }
            (Some(pointer), Some(_)) => return Err(format!("json_pointer: {pointer:?} does not start with /")),
            _ => return Err("json_pointer and expect_value go together".into()),
        };
        if self.interval_seconds == 0 || self.count == 0 {
            return Err("interval_seconds and count: 1 or more".into());
        }
        if self.failure_limit >= self.count {
            return Err(format!(
                "failure_limit: {} of {} answers may fail, so the check could never fail; keep it below count",
                self.failure_limit, self.count
            ));
        }
        if !(1..=LONGEST_TIMEOUT_SECONDS).contains(&self.timeout_seconds) {
            return Err(format!("timeout_seconds: between 1 and {LONGEST_TIMEOUT_SECONDS}"));
        }
        Ok(HttpCheck {
            name: name.to_owned(),
            url,
            expect_status: self.expect_status,
            json,
            interval_seconds: self.interval_seconds,
            count: self.count,
            failure_limit: self.failure_limit,
            timeout_seconds: self.timeout_seconds,
            initial_delay_seconds: self.initial_delay_seconds,
        })
    }
}
