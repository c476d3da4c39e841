//! A new task definition revision that is the current one but for an image: every field RegisterTaskDefinition
//! accepts is carried over (and the tags), read-only fields are left behind. The copy moves each field out of the
//! described definition by name, so a field the SDK adds later shows up as an unset field in the
//! `copy_leaves_no_register_field_unset` test rather than silently disappearing from deploys.

use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder;
use aws_sdk_ecs::types::{Tag, TaskDefinition};

use tengu_core::domain::ImageRef;

/// Carries `definition` into `request`, giving `image` to the chosen containers: those named in `containers`,
/// or, when none are named, those whose image comes from `image`'s repository. Refuses when no container is chosen.
/// Read-only fields (ARN, revision, status, registeredAt/By, deregisteredAt, requiresAttributes, compatibilities)
/// are not part of a registration and are dropped.
pub fn copy_with_image(
    request: RegisterTaskDefinitionFluentBuilder,
    definition: TaskDefinition,
    tags: Option<Vec<Tag>>,
    image: &ImageRef,
    containers: &[String],
) -> Result<RegisterTaskDefinitionFluentBuilder, String> {
    let mut container_definitions = definition.container_definitions.unwrap_or_default();
    let mut changed = 0;
    for container in &mut container_definitions {
        if image.goes_into(container.name.as_deref(), container.image.as_deref(), containers) {
            container.image = Some(image.to_string());
            changed += 1;
        }
    }
    if changed == 0 {
        return Err(if containers.is_empty() {
            format!("no container runs an image of {}", image.repository())
        } else {
            format!("no container is named {}", containers.join(" or "))
        });
    }
    // `aws:` tags belong to AWS (CloudFormation puts them there) and may not be registered; ECS refuses an empty
    // tag list, so "no tags" stays unset.
    let tags: Option<Vec<Tag>> = tags
        .map(|tags| {
            tags.into_iter().filter(|t| !t.key().unwrap_or_default().to_ascii_lowercase().starts_with("aws:")).collect()
        })
        .filter(|t: &Vec<Tag>| !t.is_empty());
    Ok(request
        .set_family(definition.family)
        .set_task_role_arn(definition.task_role_arn)
        .set_execution_role_arn(definition.execution_role_arn)
        .set_network_mode(definition.network_mode)
        .set_container_definitions(Some(container_definitions))
        .set_volumes(definition.volumes)
        .set_placement_constraints(definition.placement_constraints)
        .set_requires_compatibilities(definition.requires_compatibilities)
        .set_cpu(definition.cpu)
        .set_memory(definition.memory)
        .set_tags(tags)
        .set_pid_mode(definition.pid_mode)
        .set_ipc_mode(definition.ipc_mode)
        .set_proxy_configuration(definition.proxy_configuration)
        .set_inference_accelerators(definition.inference_accelerators)
        .set_ephemeral_storage(definition.ephemeral_storage)
        .set_runtime_platform(definition.runtime_platform)
        .set_enable_fault_injection(definition.enable_fault_injection))
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::types::{
        Compatibility, ContainerDefinition, EphemeralStorage, InferenceAccelerator, IpcMode, NetworkMode, PidMode,
        ProxyConfiguration, RuntimePlatform, Tag, TaskDefinition, TaskDefinitionPlacementConstraint, Volume,
    };

    use super::copy_with_image;
    use tengu_core::domain::ImageRef;

    /// A described definition with every field set, as the SDK knows them.
    fn everything_set() -> TaskDefinition {
        TaskDefinition::builder()
            .task_definition_arn("arn:aws:ecs:us-east-1:123456789012:task-definition/shop:1")
            .family("shop")
            .task_role_arn("arn:aws:iam::123456789012:role/task")
            .execution_role_arn("arn:aws:iam::123456789012:role/exec")
            .network_mode(NetworkMode::Awsvpc)
            .container_definitions(ContainerDefinition::builder().name("app").image("acme/shop:old").build())
            .volumes(Volume::builder().name("cache").build())
            .placement_constraints(TaskDefinitionPlacementConstraint::builder().expression("x").build())
            .requires_compatibilities(Compatibility::Ec2)
            .cpu("256")
            .memory("512")
            .pid_mode(PidMode::Task)
            .ipc_mode(IpcMode::Task)
            .proxy_configuration(ProxyConfiguration::builder().container_name("envoy").build().unwrap())
            .inference_accelerators(
                InferenceAccelerator::builder().device_name("d").device_type("eia2.medium").build().unwrap(),
            )
            .ephemeral_storage(EphemeralStorage::builder().size_in_gib(30).build())
            .runtime_platform(RuntimePlatform::builder().build())
            .enable_fault_injection(true)
            .build()
    }

    /// If the SDK grows a RegisterTaskDefinition field that the copy does not carry, it shows here as `None`.
    #[test]
    fn copy_leaves_no_register_field_unset() {
        let config = aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("us-east-1"))
            .build();
        let client = aws_sdk_ecs::Client::from_conf(config);
        let tags = vec![
            Tag::builder().key("team").value("shop").build(),
            Tag::builder().key("aws:cloudformation:stack-name").value("shop").build(),
        ];
        let image = ImageRef::parse("acme/shop:new").unwrap();
        let request =
            copy_with_image(client.register_task_definition(), everything_set(), Some(tags), &image, &[]).unwrap();
        let input = format!("{:#?}", request.as_input());
        let unset: Vec<&str> =
            input.lines().filter(|line| line.starts_with("    ") && line.ends_with(": None,")).collect();
        let unset: Vec<&str> = unset.into_iter().filter(|line| !line.starts_with("     ")).collect();
        assert!(unset.is_empty(), "fields the copy does not carry: {unset:?}");
        assert!(input.contains("acme/shop:new"));
        assert!(input.contains("\"team\"") && !input.contains("aws:cloudformation"), "AWS's own tags are left out");
    }
}
