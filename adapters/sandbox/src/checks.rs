//! The service behind the sandbox's verification, simulated: dev's health check asks
//! `https://dev.shop.example.com/healthz`, which answers `{"status":"ok"}` while dev's web service runs a sound
//! image, and 503 `{"status":"down"}` while it runs one whose tag contains `flaky` (a release that starts but
//! does not work): the verification then fails, rolls back and locks dev, so the flow can be watched.

use async_trait::async_trait;
use tengu_core::domain::{CheckUrl, ClusterName, ProbeAnswer, ServiceName};
use tengu_core::ports::{Probe, ProbeError};

use super::Sandbox;
use super::ecs::running_now;

/// The URL dev's health check asks.
pub(crate) const DEV_HEALTH: &str = "https://dev.shop.example.com/healthz";

#[async_trait]
impl Probe for Sandbox {
    async fn get(&self, url: &CheckUrl, _timeout: std::time::Duration) -> Result<ProbeAnswer, ProbeError> {
        if url.as_str() != DEV_HEALTH {
            return Err(ProbeError(format!("nothing answers {} in the sandbox", url.as_str())));
        }
        let now = self.clock.now();
        let (cluster, web) =
            (ClusterName::parse("shop-dev").expect("valid"), ServiceName::parse("web").expect("valid"));
        let image = self
            .read(|world| {
                let service = world.services.iter().find(|s| s.cluster == cluster && s.service == web)?;
                Some(running_now(service, now).1)
            })
            .await;
        Ok(match image {
            Some(image) if image.to_string().rsplit(':').next().is_some_and(|tag| tag.contains("flaky")) => {
                ProbeAnswer { status: 503, body: r#"{"status":"down"}"#.to_owned() }
            }
            _ => ProbeAnswer { status: 200, body: r#"{"status":"ok"}"#.to_owned() },
        })
    }
}

/// The sandbox's simulated account has every role and log group its task definitions name (each names the
/// family's execution role and log group), except those whose name contains `missing`.
#[async_trait]
impl tengu_core::ports::AccountResources for Sandbox {
    async fn role_exists(
        &self,
        role: &tengu_core::domain::RoleArn,
    ) -> Result<bool, tengu_core::ports::OrchestratorError> {
        Ok(!role.name().contains("missing"))
    }

    async fn log_group_exists(
        &self,
        group: &tengu_core::domain::LogGroupRef,
    ) -> Result<bool, tengu_core::ports::OrchestratorError> {
        Ok(!group.name.contains("missing"))
    }
}
