//! The environment page's buttons, approval panel and live rollout, drawn by the server. Each button is a plain
//! form that works without JavaScript. Deploy, Redeploy and Rollback lead to their review (what would change, then
//! the button that does it: `pages::review`); Abort, the approval's and the lock's are sent in place
//! (`contract::ENHANCE`), a refusal shows above the buttons, and the buttons, the approval panel and the rollout are
//! regions the page's live stream draws again whenever the environment's deployments change (see `browser`).

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::domain::{EnvName, RepoSlug};
use tengu_core::views::{ButtonRefusals, LiveDeployment, RollbackChoice};

use crate::api::{AbortDeployment, ApproveDeployment, RejectDeployment};
use crate::components::error_notice::{ErrorNotice, ErrorTemplate};
use crate::components::live_rollout::RolloutPanel;
use crate::components::lock_controls::LockControls;
use crate::contract;

/// What the controls show, from the environment's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlsData {
    pub env: EnvName,
    pub repo: RepoSlug,
    pub image_template: Option<String>,
    /// The newest deployment, whatever its outcome.
    pub latest: Option<LiveDeployment>,
    pub rollback_choices: Vec<RollbackChoice>,
    pub refusals: ButtonRefusals,
    /// Why the last press, sent as a plain form, was refused (from the address).
    pub refused: Option<String>,
    /// The sentence of the lock that holds, if any.
    pub locked: Option<String>,
    /// What the newest deployment's verification checks answered.
    pub checks: Vec<tengu_core::views::CheckLine>,
}

#[component]
pub fn EnvironmentControls(data: ControlsData) -> impl IntoView {
    let ControlsData { env, repo, image_template, latest, rollback_choices, refusals, refused, locked, checks } = data;
    let (lock_env, lock_refusal) = (env.clone(), refusals.lock.clone());
    // Core's rule table says why the viewer may not approve, their own request included.
    let why = refusals.approve.clone();
    let approval =
        latest.clone().filter(|d| d.awaiting_approval).map(|deployment| view! { <ApprovalPanel deployment why/> });
    let rollout = match latest.clone() {
        None => Either::Left(view! { <p class="empty">"Nothing has been deployed here yet."</p> }),
        Some(deployment) => Either::Right(view! { <RolloutPanel deployment/> <CheckList checks/> }),
    };
    view! {
        <div {..contract::flag(contract::ANSWERS)}>
            <ErrorTemplate/>
            <section class="panel" aria-labelledby="controls-title">
                <h2 id="controls-title">"Deploy"</h2>
                <div {..contract::flag(contract::ANSWER_SLOT)}>{refused.map(|message| view! { <ErrorNotice message/> })}</div>
                <div id="environment-lock" {..contract::flag(contract::REGION)}>
                    <LockControls env=lock_env repo locked refusal=lock_refusal/>
                </div>
                <div id="environment-buttons" {..contract::flag(contract::REGION)}>
                    <Buttons env latest image_template rollback_choices refusals/>
                </div>
            </section>
            <div id="environment-approval" {..contract::flag(contract::REGION)}>{approval}</div>
            <section class="panel" aria-labelledby="live-title">
                <h2 id="live-title">"Rollout"</h2>
                <div id="environment-rollout" {..contract::flag(contract::REGION)}>{rollout}</div>
            </section>
        </div>
    }
}

#[component]
fn Buttons(
    env: EnvName,
    latest: Option<LiveDeployment>,
    image_template: Option<String>,
    rollback_choices: Vec<RollbackChoice>,
    refusals: ButtonRefusals,
) -> impl IntoView {
    // While a deployment runs, nothing else starts (Abort stops it).
    let running = latest.filter(|d| !d.finished).map(|d| d.id);
    let busy = running.is_some();
    let name = env.to_string();
    let any_success = format!("/deployments?env={name}&state=succeeded");
    let has_choices = !rollback_choices.is_empty();
    let choices = rollback_choices
        .into_iter()
        .map(|choice| view! { <option value=choice.id.0.to_string()>{choice.label}</option> })
        .collect_view();
    // One sentence per distinct reason, so a viewer reads why the buttons are off.
    let mut reasons: Vec<String> =
        [&refusals.deploy, &refusals.redeploy, &refusals.rollback].into_iter().flatten().cloned().collect();
    reasons.dedup();
    let reasons = reasons.into_iter().map(|why| view! { <p class="muted refusal">{why}</p> }).collect_view();
    let abort = running.map(|id| {
        view! {
            <form method="post" action={AbortDeployment::url()} class="inline-form" {..contract::flag(contract::ENHANCE)}>
                <input type="hidden" name="id" value=id.to_string()/>
                <button
                    type="submit"
                    class="danger"
                    title={refusals.abort.clone().unwrap_or_default()}
                    disabled={refusals.abort.is_some()}
                >
                    "Abort"
                </button>
            </form>
        }
    });
    let review = format!("/environments/{name}/review");
    view! {
        {reasons}
        <div class="controls">
            <form method="post" action=review.clone() class="inline-form">
                <input type="hidden" name="press" value="deploy"/>
                <label>
                    "Commit SHA or image (and its commit) "
                    <input
                        type="text"
                        name="input"
                        required
                        size="40"
                        placeholder=image_template.unwrap_or_else(|| "registry/repo:tag".to_owned())
                    />
                </label>
                <button type="submit" disabled={refusals.deploy.is_some() || busy}>"Deploy"</button>
            </form>
            <form method="post" action=review.clone() class="inline-form">
                <input type="hidden" name="press" value="redeploy"/>
                <button type="submit" disabled={refusals.redeploy.is_some() || busy}>"Redeploy"</button>
            </form>
            <form method="post" action=review class="inline-form">
                <input type="hidden" name="press" value="rollback"/>
                <label>
                    "Roll back to "
                    <select name="to" required disabled=!has_choices>{choices}</select>
                </label>
                <button type="submit" disabled={refusals.rollback.is_some() || !has_choices || busy}>"Rollback"</button>
            </form>
            <a href=any_success>"Roll back further: search every success"</a>
            {abort}
        </div>
    }
}

/// A deployment waiting for a second person: Approve, or Reject with a reason.
#[component]
fn ApprovalPanel(deployment: LiveDeployment, why: Option<String>) -> impl IntoView {
    let refused = why.is_some();
    let id = deployment.id.to_string();
    view! {
        <section class="panel approval" aria-labelledby="approval-title">
            <h2 id="approval-title">"Waiting for approval"</h2>
            <p>
                {format!("{} asks to deploy {} (deployment {}). ", deployment.actor, deployment.image, deployment.id)}
                "Another deployer must approve it before anything changes on ECS."
            </p>
            {why.map(|why| view! { <p class="muted refusal">{why}</p> })}
            <div class="controls">
                <form method="post" action={ApproveDeployment::url()} class="inline-form" {..contract::flag(contract::ENHANCE)}>
                    <input type="hidden" name="id" value=id.clone()/>
                    <button type="submit" class="button button--primary" disabled=refused>"Approve"</button>
                </form>
                <form method="post" action={RejectDeployment::url()} class="inline-form" {..contract::flag(contract::ENHANCE)}>
                    <input type="hidden" name="id" value=id/>
                    <label>"Why not " <input type="text" name="reason" required minlength="3" size="30"/></label>
                    <button type="submit" disabled=refused>"Reject"</button>
                </form>
            </div>
        </section>
    }
}

/// The newest deployment's verification, a line per check (none: nothing verified it).
#[component]
fn CheckList(checks: Vec<tengu_core::views::CheckLine>) -> impl IntoView {
    (!checks.is_empty()).then(|| {
        let lines = checks
            .into_iter()
            .map(|line| {
                let mark = if line.last_passed { "✓ " } else { "✗ " };
                view! { <li>{mark}{line.sentence()}</li> }
            })
            .collect_view();
        view! {
            <h3>"Verification"</h3>
            <ul class="checks">{lines}</ul>
        }
    })
}
