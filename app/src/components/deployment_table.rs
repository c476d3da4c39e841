use leptos::prelude::*;
use tengu_core::views::DeploymentRow;

use leptos::server_fn::ServerFn;

use crate::api::PressRollback;
use crate::components::badge::Badge;
use crate::components::table::DataTable;
use crate::format::deployment_tone;

/// Deployments, newest first, each linking to its page; with `key_seed`, each success the viewer may roll back to
/// carries a Rollback button (the history's search finds any earlier one).
#[component]
pub fn DeploymentTable(deployments: Vec<DeploymentRow>, #[prop(optional)] key_seed: Option<String>) -> impl IntoView {
    if deployments.is_empty() {
        return view! { <p class="empty">"No deployment yet."</p> }.into_any();
    }
    const HEADERS: &[&str] = &["#", "Environment", "Image", "Trigger", "By", "State", "Started", "Took"];
    const WITH_ROLLBACK: &[&str] =
        &["#", "Environment", "Image", "Trigger", "By", "State", "Started", "Took", "Go back"];
    let headers = if key_seed.is_some() { WITH_ROLLBACK } else { HEADERS };
    view! {
        <DataTable headers=headers>
                    {deployments
                        .into_iter()
                        .map(|d| {
                            let go_back = key_seed.clone().map(|seed| view! { <td>{rollback_button(&d, &seed)}</td> });
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
                                    {go_back}
                                </tr>
                            }
                        })
                        .collect_view()}
        </DataTable>
    }
    .into_any()
}

/// Roll the row's environment back to it, when the viewer may (a plain form: the key makes a double click one).
fn rollback_button(row: &DeploymentRow, seed: &str) -> Option<impl IntoView + use<>> {
    row.rollback_to.then(|| {
        // The name read out holds the words shown (and which deployment), as axe-core's rule asks.
        let label = format!("Roll back to this: {} deployment {}", row.env, row.id);
        view! {
            <form method="post" action=PressRollback::url() class="inline-form">
                <input type="hidden" name="env" value=row.env.to_string()/>
                <input type="hidden" name="to" value=row.id.to_string()/>
                <input type="hidden" name="key" value=format!("{seed}-history-{}", row.id)/>
                <button type="submit" class="button button--small" aria-label=label>"Roll back to this"</button>
            </form>
        }
    })
}
