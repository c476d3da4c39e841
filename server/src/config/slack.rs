//! `[slack]`: where notices go.

use serde::Deserialize;

use super::*;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    pub webhook_url: Option<Secret>,
}
