use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::views::{ChatButtonView, ChatEntryView, SandboxChatView};

use super::{Shown, Visit};
use crate::api::{SandboxChatPress, SandboxChatSay};
use crate::components::error_notice::ErrorNotice;
use crate::contract;

/// Sandbox only: a simulated Slack channel. A visitor types `/tengu …` as a seeded person; it reaches tengu's
/// signed Slack endpoints as Slack's requests would, and the answers and edited messages show here. The forms are
/// drawn once; the channel below them is a region the page's live stream draws again when it changed.
pub async fn show(visit: &Visit<'_>) -> Shown {
    let Some(chat) = &visit.doors.sandbox_slack else {
        let message = "the chat page belongs to the sandbox; this tengu talks in Slack itself.".to_owned();
        return Shown::failed("Chat (simulated)", message);
    };
    let view = chat.0.view(visit.actor);
    let speaker = visit.query.get("as").unwrap_or_else(|| view.speaking_as.clone());
    let failure = visit.query.refusal_of::<SandboxChatSay>().or_else(|| visit.query.refusal_of::<SandboxChatPress>());
    let kept = failure.is_none();
    Shown::of(
        "Chat (simulated)",
        view! {
            <header class="page-header">
                <h1>"Sandbox chat"</h1>
                <p class="muted">
                    "A simulated Slack channel. What you type is signed with the sandbox's signing secret and sent to "
                    "tengu's " <code>"/slack/commands"</code> ", and buttons to " <code>"/slack/interactions"</code>
                    ", as Slack would; tengu's answers and the messages it edits come back here instead of to Slack."
                </p>
            </header>
            {failure.map(|message| view! { <ErrorNotice message/> })}
            <Composer view=view.clone() speaker=speaker.clone()/>
            <div id="chat-channel" {..contract::flag(contract::REGION)}>
                <Channel view speaker/>
            </div>
        },
    )
    .kept_if(kept)
}

/// Who the visitor speaks as (a plain GET form: works without JavaScript), and the line they type.
#[component]
fn Composer(view: SandboxChatView, speaker: String) -> impl IntoView {
    let speaker_label =
        view.people.iter().find(|p| p.chat_user == speaker).map(|p| p.label.clone()).unwrap_or_else(|| speaker.clone());
    let options = view
        .people
        .iter()
        .map(|p| {
            let chosen = p.chat_user == speaker;
            view! { <option value=p.chat_user.clone() selected=chosen>{p.label.clone()}</option> }
        })
        .collect_view();
    view! {
        <section class="panel panel--sandbox chat-composer" aria-labelledby="chat-composer-title">
            <h2 id="chat-composer-title">{format!("Sandbox: {} on Slack (simulated)", view.channel)}</h2>
            <form method="get" action="/chat" class="inline-form">
                <label>"Speak as " <select name="as">{options}</select></label>
                <button type="submit" class="button button--small">"Switch"</button>
            </form>
            <form method="post" action=SandboxChatSay::url() class="inline-form chat-composer__line">
                <input type="hidden" name="chat_user" value=speaker.clone()/>
                <label>
                    {format!("{speaker_label}: ")}
                    <input
                        type="text"
                        name="text"
                        required
                        maxlength="500"
                        size="40"
                        autocomplete="off"
                        placeholder="/tengu help"
                        aria-label="Message"
                        autofocus
                    />
                </label>
                <button type="submit" class="button">"Send"</button>
            </form>
        </section>
    }
}

#[component]
fn Channel(view: SandboxChatView, speaker: String) -> impl IntoView {
    if view.entries.is_empty() {
        return view! { <p class="empty">"Nothing said yet: try " <code>"/tengu help"</code> " or " <code>"/tengu status"</code> "."</p> }
            .into_any();
    }
    let entries =
        view.entries.into_iter().rev().map(|entry| view! { <ChatLine entry speaker=speaker.clone()/> }).collect_view();
    view! {
        <ol class="chat" role="log" aria-label=format!("{} (newest first)", view.channel)>
            {entries}
        </ol>
    }
    .into_any()
}

#[component]
fn ChatLine(entry: ChatEntryView, speaker: String) -> impl IntoView {
    let from_tengu = entry.from == "tengu";
    let only =
        entry.only_for.clone().map(|who| view! { <span class="chat__only">{format!("only visible to {who}")}</span> });
    let edited =
        (entry.edits > 0).then(|| view! { <span class="chat__edited">{format!("edited {}×", entry.edits)}</span> });
    let buttons = (!entry.buttons.is_empty()).then(|| {
        let buttons = entry
            .buttons
            .into_iter()
            .map(|button| view! { <ChatButton button speaker=speaker.clone()/> })
            .collect_view();
        view! { <div class="chat__buttons">{buttons}</div> }
    });
    view! {
        <li class="chat__entry" class:chat__entry--bot=from_tengu data-entry=entry.id.to_string()>
            <div class="chat__meta">
                <strong class="chat__from">{entry.from}</strong>
                <time class="muted">{entry.at}</time>
                {only}
                {edited}
            </div>
            <pre class="chat__text">{entry.text}</pre>
            {buttons}
        </li>
    }
}

/// A message's button: a link, a form that presses it, or (when it asks first) the question and then the form.
#[component]
fn ChatButton(button: ChatButtonView, speaker: String) -> impl IntoView {
    let class = if button.danger { "button button--small button--danger" } else { "button button--small" };
    let Some(action) = button.action else {
        let url = button.url.unwrap_or_default();
        return view! { <a class="button button--small" href=url>{button.label}</a> }.into_any();
    };
    let form = |label: String| {
        view! {
            <form method="post" action=SandboxChatPress::url() class="inline-form">
                <input type="hidden" name="chat_user" value=speaker.clone()/>
                <input type="hidden" name="action" value=action.clone()/>
                <button type="submit" class=class>{label}</button>
            </form>
        }
    };
    match button.confirm {
        Some(question) => view! {
            <details class="chat__confirm">
                <summary class=class>{format!("{}…", button.label)}</summary>
                <p>{question}</p>
                {form(format!("Yes, {}", button.label.to_lowercase()))}
            </details>
        }
        .into_any(),
        None => form(button.label).into_any(),
    }
}
