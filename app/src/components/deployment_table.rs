use leptos::either::Either;
use leptos::prelude::*;
use tengu_core::views::DeploymentRow;

use crate::components::badge::Badge;
use crate::components::table::DataTable;
use crate::format::deployment_tone;

/// Deployments, newest first, each linking to its page; with `go_back`, each success the viewer may roll back to
/// carries a button to review that rollback (the history's search finds any earlier one).
#[component]
pub fn DeploymentTable(deployments: Vec<DeploymentRow>, #[prop(optional)] go_back: bool) -> impl IntoView {
    if deployments.is_empty() {
        return Either::Left(view! { <p class="empty">"No deployment yet."</p> });
    }
    const HEADERS: &[&str] = &["#", "Environment", "Image", "Trigger", "By", "State", "Started", "Took"];
    const WITH_ROLLBACK: &[&str] =
        &["#", "Environment", "Image", "Trigger", "By", "State", "Started", "Took", "Go back"];
    let headers = if go_back { WITH_ROLLBACK } else { HEADERS };
    Either::Right(view! {
        <DataTable headers=headers>
                    {deployments
                        .into_iter()
                        .map(|d| {
                            let go_back = go_back.then(|| view! { <td>{rollback_button(&d)}</td> });
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
    })
}

/// Review rolling the row's environment back to it, when the viewer may: the difference first, then the button.
fn rollback_button(row: &DeploymentRow) -> Option<impl IntoView + use<>> {
    row.rollback_to.then(|| {
        // The name read out holds the words shown (and which deployment), as axe-core's rule asks.
        let label = format!("Roll back to this: {} deployment {}", row.env, row.id);
        view! {
            <form method="post" action=format!("/environments/{}/review", row.env) class="inline-form">
                <input type="hidden" name="press" value="rollback"/>
                <input type="hidden" name="to" value=row.id.to_string()/>
                <button type="submit" class="button button--small" aria-label=label>"Roll back to this"</button>
            </form>
        }
    })
}
