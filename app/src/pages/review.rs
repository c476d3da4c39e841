//! The review before a deploy, a redeploy or a rollback: what each service would run instead of what it runs now,
//! field by field, the service settings that stay, and whether what the deploy needs exists; then the button that
//! does it. Reached only by a press (a POST of the environment page's, the history's or the deploy PR page's form),
//! never by a page load: it asks ECS, so it is neither kept nor followed live.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::domain::{DeploymentId, EnvName, FieldChange};
use tengu_core::usecases::{DeployDifference, Press, Refusal, ServiceDifference};

use super::{Shown, Visit};
use crate::api::{PressDeploy, PressRedeploy, PressRollback};
use crate::components::breadcrumbs::Breadcrumbs;
use crate::components::error_notice::ErrorNotice;
use crate::server_glue::{key_seed, sentence};

/// What the person asked to review, from the form they sent.
struct Asked {
    press: Press,
    /// Only to look (the deploy PR page: merging ships it), with no button.
    look_only: bool,
}

impl Asked {
    fn of(visit: &Visit<'_>) -> Result<Self, String> {
        let query = visit.query;
        let press = match query.get_str("press") {
            Some("deploy") => Press::Deploy(query.get("input").unwrap_or_default()),
            Some("redeploy") => Press::Redeploy,
            Some("rollback") => {
                let to = query.get_str("to").and_then(|to| to.trim().parse::<i64>().ok());
                Press::RollbackTo(DeploymentId(to.ok_or("choose the deployment to roll back to")?))
            }
            _ => return Err("say what to review: a deploy, a redeploy or a rollback".to_owned()),
        };
        Ok(Self { press, look_only: query.get_str("look") == Some("only") })
    }

    fn title(&self, env: &EnvName) -> String {
        match &self.press {
            Press::Deploy(input) => format!("Review: deploy {} to {env}", input.trim()),
            Press::Redeploy => format!("Review: redeploy {env}"),
            Press::RollbackTo(id) => format!("Review: roll {env} back to deployment {id}"),
        }
    }
}

pub async fn show(visit: &Visit<'_>, name: &str) -> Shown {
    let env = match EnvName::parse(name) {
        Ok(env) => env,
        Err(error) => return Shown::failed("Review", error.to_string()),
    };
    let asked = match Asked::of(visit) {
        Ok(asked) => asked,
        Err(why) => return Shown::failed("Review", why),
    };
    let tengu = visit.tengu();
    // The seed is taken before the records are read: a write meanwhile gives the next review another one.
    let key_seed = key_seed(tengu, visit.actor, tengu_core::screens::made_of::ENVIRONMENT);
    let view = match tengu.environment_view(visit.viewer, &env).await {
        Ok(view) => view,
        Err(error) => return Shown::failed("Review", sentence(error)),
    };
    let title = asked.title(&env);
    let found = tengu.press_difference(visit.viewer, &env, &asked.press).await.map_err(sentence);
    let may_override = view.refusals.override_stop.is_none();
    let confirm = ConfirmData { env: env.clone(), press: asked.press.clone(), key_seed, may_override };
    let look_only = asked.look_only;
    Shown::of(title.clone(), view! { <ReviewView env title found confirm look_only/> }).kept_if(false)
}

/// What the confirmation needs.
struct ConfirmData {
    env: EnvName,
    press: Press,
    key_seed: String,
    /// Whether the viewer may write why they go through a lock or a freeze.
    may_override: bool,
}

#[component]
fn ReviewView(
    env: EnvName,
    title: String,
    found: Result<DeployDifference, String>,
    confirm: ConfirmData,
    look_only: bool,
) -> impl IntoView {
    let back = format!("/environments/{env}");
    let (difference, stops) = match found {
        Ok(found) => {
            let stops = Stops { missing: found.missing.clone(), refusals: found.refusals.clone() };
            let services = found.services.into_iter().map(|service| view! { <ServiceChanges service/> }).collect_view();
            (services.into_any(), Some(stops))
        }
        Err(message) => (view! { <ErrorNotice message/> }.into_any(), None),
    };
    let ready = stops.as_ref().map(|stops| view! { <StopList stops=stops.clone()/> });
    let action = match stops {
        Some(stops) if !look_only => Some(view! { <Confirm data=confirm stops/> }),
        _ => None,
    };
    let look = look_only.then(|| view! { <p>"Merging the deploy PR ships this."</p> });
    view! {
        <Breadcrumbs here=format!("{env} · review")/>
        <header class="page-header">
            <h1>{title}</h1>
            <p class="muted">"What each service runs now, and what it would run. Nothing has changed yet."</p>
        </header>
        {difference}
        <section class="panel" aria-labelledby="confirm-title">
            <h2 id="confirm-title">"Before it starts"</h2>
            {ready}
            {look}
            {action}
            <p><a href=back>{format!("Back to {env}")}</a></p>
        </section>
    }
}

#[component]
fn ServiceChanges(service: ServiceDifference) -> impl IntoView {
    let (id, labelled_by) = (format!("service-{}", service.service), format!("service-{}", service.service));
    let heading = format!("{}: {} → {}", service.service, service.now.short(), service.next_label());
    let settings = service.settings.map(|settings| {
        view! { <p class="muted">"Service settings (a deploy leaves them as they are): " {settings.sentence()}</p> }
    });
    let changes = if service.changes.is_empty() {
        view! { <p>"Nothing changes but a restart of its tasks."</p> }.into_any()
    } else {
        let rows = service.changes.into_iter().map(|change| view! { <ChangeRow change/> }).collect_view();
        view! {
            <div class="table-wrap">
            <table class="table difference">
                <caption class="visually-hidden">{format!("What changes on {}", service.service)}</caption>
                <thead><tr><th scope="col">"Field"</th><th scope="col">"Now"</th><th scope="col">"Then"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby=labelled_by>
            <h2 id=id>{heading}</h2>
            {settings}
            {changes}
        </section>
    }
}

#[component]
fn ChangeRow(change: FieldChange) -> impl IntoView {
    let (class, key, before, after) = match change {
        FieldChange::Added { key, value } => ("added", key, "(not set)".to_owned(), value),
        FieldChange::Removed { key, value } => ("removed", key, value, "(removed)".to_owned()),
        FieldChange::Changed { key, before, after } => ("changed", key, before, after),
    };
    view! {
        <tr class=class>
            <th scope="row"><code>{key}</code></th>
            <td><code>{before}</code></td>
            <td><code>{after}</code></td>
        </tr>
    }
}

/// What would stop the deploy: what the account lacks, and why asking for it would be refused.
#[derive(Clone)]
struct Stops {
    missing: Option<String>,
    refusals: Vec<Refusal>,
}

#[component]
fn StopList(stops: Stops) -> impl IntoView {
    if stops.missing.is_none() && stops.refusals.is_empty() {
        return view! { <p class="notice">"Ready: the image, the roles and the log groups it names exist."</p> }
            .into_any();
    }
    let missing = stops
        .missing
        .map(|missing| view! { <ErrorNotice message=format!("It would fail before changing ECS: {missing}")/> });
    let refusals = stops
        .refusals
        .into_iter()
        .map(|refusal| view! { <p class="notice notice--locked">{refusal.sentence}</p> })
        .collect_view();
    view! { {missing} {refusals} }.into_any()
}

/// The button that does what was reviewed: a plain form to the same server function the environment page's
/// buttons used to post to, carrying the same idempotency key for a double click. It is off while something would
/// stop the deploy, but for a lock or a freeze an admin goes through with a written reason.
#[component]
fn Confirm(data: ConfirmData, stops: Stops) -> impl IntoView {
    let ConfirmData { env, press, key_seed, may_override } = data;
    let (action, kind, label, field) = match press {
        Press::Deploy(input) => (PressDeploy::url(), "deploy", "Confirm deploy", Some(("input", input))),
        Press::Redeploy => (PressRedeploy::url(), "redeploy", "Confirm redeploy", None),
        Press::RollbackTo(id) => (PressRollback::url(), "rollback", "Confirm rollback", Some(("to", id.to_string()))),
    };
    let overriding = may_override && stops.refusals.iter().any(|refusal| refusal.overridable);
    let passable = stops.missing.is_none() && stops.refusals.iter().all(|r| r.overridable && may_override);
    let field = field.map(|(name, value)| view! { <input type="hidden" name=name value=value/> });
    let override_field = overriding.then(|| {
        view! {
            <label>
                "Override reason (admin) "
                <input type="text" name="override_reason" required minlength="3" size="24"/>
            </label>
        }
    });
    view! {
        <form method="post" action=action class="inline-form">
            <input type="hidden" name="env" value=env.to_string()/>
            {field}
            <input type="hidden" name="key" value=format!("{key_seed}-review-{kind}")/>
            {override_field}
            <button type="submit" class="button button--primary" disabled=!passable>{label}</button>
        </form>
    }
}
