//! `[[freeze_windows]]`: when nothing ships, weekly or between two dates, on a named time zone's wall clock.

use serde::Deserialize;
use tengu_core::domain::{EnvName, FreezeWindow};

use super::*;

/// One `[[freeze_windows]]` entry:
/// `name = "Weekend"`, `time_zone = "Asia/Tokyo"`, `from = "Fri 18:00"`, `to = "Mon 08:00"`,
/// `environments = ["production"]` (none: every environment); or dates, `from = "2026-12-29"`, `to = "2027-01-04 09:00"`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FreezeConfig {
    pub name: String,
    #[serde(default)]
    pub environments: Vec<String>,
    #[serde(default = "utc")]
    pub time_zone: String,
    pub from: String,
    pub to: String,
}

fn utc() -> String {
    "UTC".to_owned()
}

impl Config {
    /// The freeze windows, parsed; a window that names no configured environment, cannot be read or never ends
    /// stops `serve` with a sentence naming it.
    pub fn freeze_windows(&self) -> Result<Vec<FreezeWindow>, ConfigError> {
        self.freeze_windows.iter().map(|window| window.window(&self.environments)).collect()
    }
}

impl FreezeConfig {
    fn window(&self, configured: &[EnvironmentConfig]) -> Result<FreezeWindow, ConfigError> {
        let bad = |message: String| ConfigError::Freeze { name: self.name.clone(), message };
        let mut environments = Vec::with_capacity(self.environments.len());
        for name in &self.environments {
            let env = EnvName::parse(name).map_err(|e| bad(format!("environments: {e}")))?;
            // The sandbox brings its own environments; a real installation names those of its configuration.
            if !configured.is_empty() && !configured.iter().any(|c| c.name == env.as_str()) {
                return Err(bad(format!("environments: {name:?} is not a configured environment")));
            }
            environments.push(env);
        }
        FreezeWindow::new(&self.name, environments, &self.time_zone, &self.from, &self.to).map_err(bad)
    }
}
