use leptos::prelude::*;
use tengu_core::views::DeploymentRow;

use crate::components::badge::Badge;
use crate::components::table::DataTable;
use crate::format::deployment_tone;

/// Deployments, newest first, each linking to its page.
#[component]
pub fn DeploymentTable(deployments: Vec<DeploymentRow>) -> impl IntoView {
    if deployments.is_empty() {
        return view! { <p class="empty">"No deployment yet."</p> }.into_any();
    }
    const HEADERS: &[&str] = &["#", "Environment", "Image", "Trigger", "By", "State", "Started", "Took"];
    view! {
        <DataTable headers=HEADERS>
                    {deployments
                        .into_iter()
                        .map(|d| {
                            view! {
                                <tr>
                                    <td><a href=format!("/deployments/{}", d.id)>{d.id.to_string()}</a></td>
                                    <td>{d.env.to_string()}</td>
                                    <td><code title=d.image>{d.image_tag}</code></td>
                                    <td>{d.trigger}</td>
                                    <td>{d.actor}</td>
                                    <td>
                                        <Badge tone=deployment_tone(d.state) label=d.state.label().to_owned()/>
                                        {d.reason.map(|r| view! { <span class="reason">{r}</span> })}
                                    </td>
                                    <td><time datetime=d.requested_iso>{d.requested}</time></td>
                                    <td class="nowrap">{d.took}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
        </DataTable>
    }
    .into_any()
}
