use leptos::prelude::*;
use tengu_core::domain::Deployment;

use crate::components::badge::Badge;
use crate::components::table::DataTable;
use crate::format::{deployment_tone, duration, image_tag, iso, when};

/// Deployments, newest first, each linking to its page.
#[component]
pub fn DeploymentTable(deployments: Vec<Deployment>) -> impl IntoView {
    if deployments.is_empty() {
        return view! { <p class="empty">"No deployment yet."</p> }.into_any();
    }
    const HEADERS: &[&str] = &["#", "Environment", "Image", "Trigger", "By", "State", "Started", "Took"];
    view! {
        <DataTable headers=HEADERS>
                    {deployments
                        .into_iter()
                        .map(|d| {
                            let took = d.duration_seconds().map(duration).unwrap_or_else(|| "—".to_owned());
                            view! {
                                <tr>
                                    <td><a href=format!("/deployments/{}", d.id)>{d.id.to_string()}</a></td>
                                    <td>{d.env.to_string()}</td>
                                    <td><code title=d.image.to_string()>{image_tag(&d.image)}</code></td>
                                    <td>{d.trigger.as_str()}</td>
                                    <td>{d.actor.clone()}</td>
                                    <td>
                                        <Badge tone=deployment_tone(d.state) label=d.state.label().to_owned()/>
                                        {d.reason.clone().map(|r| view! { <span class="reason">{r}</span> })}
                                    </td>
                                    <td><time datetime=iso(d.requested_at)>{when(d.requested_at)}</time></td>
                                    <td class="nowrap">{took}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
        </DataTable>
    }
    .into_any()
}
