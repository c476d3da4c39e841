//! Whether an image is in ECR. Images from other registries cannot be checked with AWS credentials and are
//! taken on trust (ECS itself will say so if it cannot pull them).

use aws_config::{Region, SdkConfig};
use aws_sdk_ecr::types::ImageIdentifier;

use super::errors;
use tengu_core::domain::ImageRef;
use tengu_core::ports::OrchestratorError;

/// The account and region of an ECR registry host: `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]` or
/// the dual-stack `<account>.dkr-ecr.<region>.on.aws`.
pub(super) fn ecr_registry(repository: &str) -> Option<(&str, &str, &str)> {
    let (host, name) = repository.split_once('/')?;
    let labels: Vec<&str> = host.split('.').collect();
    let account = *labels.first()?;
    let region = match labels.as_slice() {
        [_, "dkr", "ecr" | "ecr-fips", region, "amazonaws", "com"]
        | [_, "dkr", "ecr" | "ecr-fips", region, "amazonaws", "com", "cn"]
        | [_, "dkr-ecr" | "dkr-ecr-fips", region, "on", "aws"] => *region,
        _ => return None,
    };
    let ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
    ok.then_some((account, region, name))
}

pub(super) async fn image_exists(config: &SdkConfig, image: &ImageRef) -> Result<bool, OrchestratorError> {
    let Some((account, region, name)) = ecr_registry(image.repository()) else {
        tracing::debug!(%image, "not an ECR image; tengu cannot check that it exists");
        return Ok(true);
    };
    let ecr = aws_sdk_ecr::Client::from_conf(
        aws_sdk_ecr::config::Builder::from(config)
            .region(Region::new(region.to_owned()))
            .interceptor(crate::telemetry::CountCalls)
            .build(),
    );
    let id = match (image.digest(), image.tag()) {
        (Some(digest), _) => ImageIdentifier::builder().image_digest(digest).build(),
        (None, Some(tag)) => ImageIdentifier::builder().image_tag(tag.as_str()).build(),
        (None, None) => ImageIdentifier::builder().image_tag("latest").build(),
    };
    let answer = ecr.describe_images().registry_id(account).repository_name(name).image_ids(id).send().await;
    match answer {
        Ok(found) => Ok(!found.image_details().is_empty()),
        Err(error) => {
            use aws_sdk_ecr::error::ProvideErrorMetadata;
            match error.as_service_error().and_then(|e| e.code()) {
                Some("ImageNotFoundException" | "RepositoryNotFoundException") => Ok(false),
                _ => Err(errors::classify(error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ecr_registry;

    #[test]
    fn ecr_hosts_name_their_account_and_region() {
        assert_eq!(
            ecr_registry("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/acme/shop"),
            Some(("123456789012", "ap-northeast-1", "acme/shop"))
        );
        assert_eq!(
            ecr_registry("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/shop"),
            Some(("123456789012", "cn-north-1", "shop"))
        );
        assert_eq!(
            ecr_registry("123456789012.dkr-ecr.us-east-1.on.aws/shop"),
            Some(("123456789012", "us-east-1", "shop"))
        );
        assert_eq!(ecr_registry("123456789012.dkr.ecr.us-east-1.amazonaws.evil.test/shop"), None);
        assert_eq!(ecr_registry("ghcr.io/acme/shop"), None);
        assert_eq!(ecr_registry("acme/shop"), None);
    }
}
