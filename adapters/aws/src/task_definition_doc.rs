//! A described task definition as tengu's `TaskDefinitionDoc`: the fields people change by hand one per line
//! (sizes, roles, ports, each environment variable and secret, health check, logs), every other field as ECS's
//! value in one line, and nothing read-only (ARN, revision, status, registration), so two revisions compare on
//! what a registration carries.

use aws_sdk_ecs::types::{ContainerDefinition, TaskDefinition};
use tengu_core::domain::TaskDefinitionDoc;

/// `value`'s debug form, unless it says nothing (an empty list, no value); a value that is there is not wrapped.
fn shown(value: &impl std::fmt::Debug) -> String {
    let text = format!("{value:?}");
    let text = match text.strip_prefix("Some(").and_then(|inner| inner.strip_suffix(')')) {
        Some(inner) => inner.to_owned(),
        None => text,
    };
    if matches!(text.as_str(), "[]" | "None" | "{}" | "\"\"") { String::new() } else { text }
}

/// A plain value, or nothing when it is not set.
fn opt<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn joined(words: &[String]) -> String {
    words.join(" ")
}

pub(super) fn doc_of(definition: &TaskDefinition) -> TaskDefinitionDoc {
    let mut doc = TaskDefinitionDoc::default();
    doc.set("family", definition.family().unwrap_or_default());
    doc.set("cpu", definition.cpu().unwrap_or_default());
    doc.set("memory", definition.memory().unwrap_or_default());
    doc.set("taskRoleArn", definition.task_role_arn().unwrap_or_default());
    doc.set("executionRoleArn", definition.execution_role_arn().unwrap_or_default());
    doc.set("networkMode", definition.network_mode().map(|m| m.as_str().to_owned()).unwrap_or_default());
    let compatibilities: Vec<&str> = definition.requires_compatibilities().iter().map(|c| c.as_str()).collect();
    doc.set("requiresCompatibilities", compatibilities.join(" "));
    doc.set("runtimePlatform", shown(&definition.runtime_platform()));
    doc.set("ephemeralStorage", shown(&definition.ephemeral_storage()));
    doc.set("volumes", shown(&definition.volumes()));
    doc.set("placementConstraints", shown(&definition.placement_constraints()));
    doc.set("inferenceAccelerators", shown(&definition.inference_accelerators()));
    doc.set("pidMode", definition.pid_mode().map(|m| m.as_str().to_owned()).unwrap_or_default());
    doc.set("ipcMode", definition.ipc_mode().map(|m| m.as_str().to_owned()).unwrap_or_default());
    doc.set("proxyConfiguration", shown(&definition.proxy_configuration()));
    doc.set("enableFaultInjection", opt(definition.enable_fault_injection()));
    for container in definition.container_definitions() {
        container_lines(&mut doc, container);
    }
    doc
}

fn container_lines(doc: &mut TaskDefinitionDoc, c: &ContainerDefinition) {
    let at = |field: &str| format!("container {} {field}", c.name().unwrap_or("?"));
    doc.set(at("image"), c.image().unwrap_or_default());
    doc.set(at("cpu"), if c.cpu() == 0 { String::new() } else { c.cpu().to_string() });
    doc.set(at("memory"), opt(c.memory()));
    doc.set(at("memoryReservation"), opt(c.memory_reservation()));
    doc.set(at("essential"), opt(c.essential()));
    doc.set(at("entryPoint"), joined(c.entry_point()));
    doc.set(at("command"), joined(c.command()));
    for variable in c.environment() {
        doc.set(at(&format!("environment {}", variable.name().unwrap_or("?"))), variable.value().unwrap_or_default());
    }
    for secret in c.secrets() {
        doc.set(at(&format!("secret {}", secret.name())), secret.value_from());
    }
    for port in c.port_mappings() {
        let number = port.container_port().map(|p| p.to_string()).unwrap_or_else(|| "?".to_owned());
        let protocol = port.protocol().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "tcp".to_owned());
        let host = port.host_port().map(|h| format!(" host {h}")).unwrap_or_default();
        doc.set(at(&format!("port {number}")), format!("{protocol}{host}"));
    }
    if let Some(health) = c.health_check() {
        doc.set(
            at("healthCheck"),
            format!(
                "{} (every {:?} s, timeout {:?} s, {:?} retries, start period {:?} s)",
                joined(health.command()),
                health.interval(),
                health.timeout(),
                health.retries(),
                health.start_period()
            ),
        );
    }
    if let Some(logs) = c.log_configuration() {
        doc.set(at("logDriver"), logs.log_driver().as_str());
        for (option, value) in logs.options().into_iter().flatten() {
            doc.set(at(&format!("log {option}")), value.as_str());
        }
        doc.set(at("logSecretOptions"), shown(&logs.secret_options()));
    }
    let others: [(&str, String); 27] = [
        ("repositoryCredentials", shown(&c.repository_credentials())),
        ("links", shown(&c.links())),
        ("restartPolicy", shown(&c.restart_policy())),
        ("environmentFiles", shown(&c.environment_files())),
        ("mountPoints", shown(&c.mount_points())),
        ("volumesFrom", shown(&c.volumes_from())),
        ("linuxParameters", shown(&c.linux_parameters())),
        ("dependsOn", shown(&c.depends_on())),
        ("startTimeout", opt(c.start_timeout())),
        ("stopTimeout", opt(c.stop_timeout())),
        ("versionConsistency", shown(&c.version_consistency())),
        ("hostname", c.hostname().unwrap_or_default().to_owned()),
        ("user", c.user().unwrap_or_default().to_owned()),
        ("workingDirectory", c.working_directory().unwrap_or_default().to_owned()),
        ("disableNetworking", opt(c.disable_networking())),
        ("privileged", opt(c.privileged())),
        ("readonlyRootFilesystem", opt(c.readonly_root_filesystem())),
        ("dnsServers", shown(&c.dns_servers())),
        ("dnsSearchDomains", shown(&c.dns_search_domains())),
        ("extraHosts", shown(&c.extra_hosts())),
        ("dockerSecurityOptions", shown(&c.docker_security_options())),
        ("interactive", opt(c.interactive())),
        ("pseudoTerminal", opt(c.pseudo_terminal())),
        ("dockerLabels", shown(&c.docker_labels().map(|l| l.iter().collect::<std::collections::BTreeMap<_, _>>()))),
        ("ulimits", shown(&c.ulimits())),
        ("systemControls", shown(&c.system_controls())),
        ("resourceRequirements", shown(&c.resource_requirements())),
    ];
    for (field, value) in others {
        doc.set(at(field), value);
    }
    doc.set(at("firelensConfiguration"), shown(&c.firelens_configuration()));
    doc.set(at("credentialSpecs"), shown(&c.credential_specs()));
}
