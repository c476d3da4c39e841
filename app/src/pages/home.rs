use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::views::{DeployPrCard, EnvironmentCard, HomeView, ReviewEnvBrief};

use super::{Shown, Visit};
use crate::api::RefreshDeployPr;
use crate::components::activity::ActivityList;
use crate::components::avatar::Avatar;
use crate::components::badge::Badge;
use crate::components::deployment_table::DeploymentTable;
use crate::components::error_notice::ErrorNotice;
use crate::components::lock_notice::{FreezeNotice, LockNotice};
use crate::components::progress::VerificationProgress;
use crate::components::table::DataTable;
use crate::contract;
use crate::format::{deployment_tone, review_tone};
use crate::server_glue::sentence;

fn deploy_pr_href(card: &DeployPrCard) -> String {
    tengu_core::views::deploy_pr_page(&card.repo, card.number)
}

/// `/`: every environment, the open deploy PRs, recent deployments, live review environments and activity.
pub async fn show(visit: &Visit<'_>) -> Shown {
    match visit.tengu().home(visit.viewer).await {
        Ok(home) => {
            let refused = visit.query.refusal_of::<RefreshDeployPr>();
            Shown::of(
                "Overview",
                view! {
                    {refused.clone().map(|message| view! { <ErrorNotice message/> })}
                    <Overview home/>
                },
            )
            .kept_if(refused.is_none())
        }
        Err(error) => Shown::failed("Overview", sentence(error)),
    }
}

#[component]
fn Overview(home: HomeView) -> impl IntoView {
    let waiting = (!home.awaiting_approval.is_empty()).then(move || {
        let rows = home
            .awaiting_approval
            .into_iter()
            .map(|d| {
                view! {
                    <li>
                        <a href=format!("/environments/{}", d.env)>{format!("{} to {}", d.image, d.env)}</a>
                        {format!(" — asked by {} (deployment {}); needs another person's approval", d.actor, d.id)}
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="panel approval" aria-labelledby="approvals-title">
                <h2 id="approvals-title">"Waiting for approval"</h2>
                <ul>{rows}</ul>
            </section>
        }
    });
    // The whole overview is one region: the page's live stream draws it again whenever what it shows changes.
    view! {
        <h1 class="visually-hidden">"Overview"</h1>
        <div id="overview" {..contract::flag(contract::REGION)}>
        {waiting}
        <section aria-labelledby="environments-title">
            <h2 id="environments-title">"Environments"</h2>
            <div class="cards">
                {home.environments.into_iter().map(|env| view! { <EnvironmentCardView env/> }).collect_view()}
            </div>
        </section>
        <section aria-labelledby="deploy-prs-title">
            <h2 id="deploy-prs-title">"Deploy PRs"</h2>
            <DeployPrList prs=home.deploy_prs/>
        </section>
        <section aria-labelledby="deployments-title">
            <h2 id="deployments-title">"Recent deployments"</h2>
            <p><a href="/deployments">"All deployments"</a></p>
            <DeploymentTable deployments=home.recent_deployments/>
        </section>
        <section aria-labelledby="review-title">
            <h2 id="review-title">"Review environments"</h2>
            <p><a href="/review-envs">"All review environments"</a>" (the overview lists the live ones)"</p>
            <ReviewEnvTable envs=home.review_envs/>
        </section>
        <section aria-labelledby="activity-title">
            <h2 id="activity-title">"Recent activity"</h2>
            <ActivityList entries=home.activity/>
        </section>
        </div>
    }
}

#[component]
fn EnvironmentCardView(env: EnvironmentCard) -> impl IntoView {
    let env_name = env.name.to_string();
    let refusal = env.refresh_refusal.clone();
    let refused = refusal.is_some();
    let running = env.current.map(|current| {
        let revisions =
            current.task_definitions.into_iter().map(|short| view! { <li><code>{short}</code></li> }).collect_view();
        view! {
            <dl class="facts">
                <dt>"Image"</dt>
                <dd><code title=current.image>{current.image_tag}</code></dd>
                <dt>"Task definitions"</dt>
                <dd><ul class="plain">{revisions}</ul></dd>
            </dl>
        }
    });
    let last = env.last.map(|last| {
        view! {
            <p class="card__last">
                "Last deployment "
                <Badge tone=deployment_tone(last.state) label=last.state.label().to_owned()/>
                " by " {last.actor} " · "
                <time datetime=last.requested_iso>{last.requested}</time>
            </p>
        }
    });
    view! {
        <article class="card" aria-labelledby=format!("env-{}", env.name)>
            <header class="card__header">
                <h3 id=format!("env-{}", env.name)><a href=format!("/environments/{}", env.name)>{env.name.to_string()}</a></h3>
                <span class="muted">{env.repo.to_string()} " · " {env.cluster.to_string()}</span>
            </header>
            {env.frozen.map(|sentence| view! { <FreezeNotice sentence/> })}
            {env.locked.map(|sentence| view! { <LockNotice sentence/> })}
            {match running {
                Some(running) => Either::Left(running),
                None => Either::Right(view! { <p class="empty">"Nothing deployed yet"</p> }),
            }}
            <HealthPanel health=env.health/>
            {last}
            <form method="post" action=RefreshDeployPr::url() class="card__actions">
                <input type="hidden" name="env" value=env_name.clone()/>
                <button
                    type="submit"
                    class="button button--secondary button--small"
                    disabled=refused
                    title=refusal.clone()
                >
                    // The name a screen reader says starts with the words on the button (WCAG 2.5.3).
                    "Open / refresh deploy PR"
                    <span class="visually-hidden">{format!(" of {env_name}")}</span>
                </button>
            </form>
        </article>
    }
}

#[component]
fn DeployPrList(prs: Vec<DeployPrCard>) -> impl IntoView {
    if prs.is_empty() {
        return Either::Left(view! { <p class="empty">"No deploy PR is open: everything merged is deployed."</p> });
    }
    Either::Right(view! {
        <ul class="deploy-prs">
            {prs
                .into_iter()
                .map(|card| {
                    let href = deploy_pr_href(&card);
                    let waiting = card.waiting_for.clone();
                    view! {
                        <li class="deploy-pr-row">
                            <div class="deploy-pr-row__title">
                                <span class="env-tag">{card.env.to_string()}</span>
                                <a href=href>{card.title.clone()}</a>
                                <span class="muted">{format!(" {}{}", card.repo, card.number)}</span>
                            </div>
                            <VerificationProgress verified=card.verified total=card.total/>
                            {(!waiting.is_empty()).then(|| view! {
                                <p class="waiting">
                                    "Waiting for "
                                    {waiting.into_iter().map(|login| view! {
                                        <span class="person"><Avatar login=login.to_string()/>{format!("@{login}")}</span>
                                    }).collect_view()}
                                </p>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    })
}

#[component]
fn ReviewEnvTable(envs: Vec<ReviewEnvBrief>) -> impl IntoView {
    if envs.is_empty() {
        return Either::Left(view! { <p class="empty">"No review environment is running."</p> });
    }
    const HEADERS: &[&str] = &["PR", "Title", "Author", "Branch", "State", "URL", "Last push"];
    Either::Right(view! {
        <DataTable headers=HEADERS>
                    {envs
                        .into_iter()
                        .map(|env| {
                            view! {
                                <tr>
                                    <td>{env.pr}</td>
                                    <td>{env.title}</td>
                                    <td><span class="person"><Avatar login=env.author.clone()/>{env.author}</span></td>
                                    <td><code>{env.branch}</code> " " <code class="muted">{env.sha}</code></td>
                                    <td><Badge tone=review_tone(env.state) label=env.state.as_str().to_owned()/></td>
                                    <td><a href=env.url.clone() rel="noopener">{env.url.clone()}</a></td>
                                    <td><time datetime=env.last_push_iso>{env.last_push}</time></td>
                                </tr>
                            }
                        })
                        .collect_view()}
        </DataTable>
    })
}

/// Each service's running and desired tasks and its last rollout, as ECS last reported them, and how long ago.
#[component]
fn HealthPanel(health: tengu_core::views::HealthView) -> impl IntoView {
    let reported = health.reported.zip(health.age).map(|(at, age)| {
        view! { <span class="muted">" · reported " <time datetime=at.iso title=at.shown>{age}</time></span> }
    });
    let services = health
        .services
        .into_iter()
        .map(|line| {
            view! {
                <li>
                    <strong>{line.service}</strong> " "
                    <Badge tone=line.tone label=line.counts/>
                    {line.below_desired.then(|| view! { " " <span class="health__below">"below its desired count"</span> })}
                    {line.rollout.map(|r| view! { <span class="muted">{format!(" · last rollout {r}")}</span> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="health" class:health--degraded=health.degraded>
            <p class="health__title"><strong>"Health"</strong>{reported}</p>
            <ul class="plain health__services">{services}</ul>
        </div>
    }
}
