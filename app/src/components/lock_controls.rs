//! An environment's lock on its page: the lock that holds and Unlock, or a reason, a length and Lock. Plain forms
//! that work without JavaScript; in the browser they are sent in place and the page's live stream draws this
//! region again (locks are part of what the environment page is made of).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use tengu_core::domain::{EnvName, RepoSlug};

use crate::api::{LockEnvironment, UnlockEnvironment};
use crate::components::lock_notice::LockNotice;
use crate::contract;

/// The lengths offered, as `LockLength::parse` reads them, the default first.
const LENGTHS: &[(&str, &str)] = &[
    ("1h", "for 1 hour"),
    ("2h", "for 2 hours"),
    ("4h", "for 4 hours"),
    ("1d", "for a day"),
    ("until-unlocked", "until unlocked"),
];

#[component]
pub fn LockControls(env: EnvName, repo: RepoSlug, locked: Option<String>, refusal: Option<String>) -> impl IntoView {
    let name = env.to_string();
    let every = move |what: &'static str| {
        view! {
            <label><input type="checkbox" name="every" value="on"/>{format!(" {what} every environment of {repo}")}</label>
        }
    };
    let refused = refusal.is_some();
    let why = refusal.clone().map(|why| view! { <p class="muted refusal">{why}</p> });
    let form = match locked {
        Some(sentence) => view! {
            <LockNotice sentence/>
            <form method="post" action={UnlockEnvironment::url()} class="inline-form" {..contract::flag(contract::ENHANCE)}>
                <input type="hidden" name="env" value=name/>
                {every("and")}
                <button type="submit" disabled=refused title=refusal.unwrap_or_default()>"Unlock"</button>
            </form>
        }
        .into_any(),
        None => {
            let lengths = LENGTHS.iter().map(|(value, label)| view! { <option value=*value>{*label}</option> }).collect_view();
            view! {
                <form method="post" action={LockEnvironment::url()} class="inline-form" {..contract::flag(contract::ENHANCE)}>
                    <input type="hidden" name="env" value=name/>
                    <label>"Why lock " <input type="text" name="reason" required minlength="3" maxlength="500" size="30"/></label>
                    <label>"How long " <select name="length">{lengths}</select></label>
                    {every("on")}
                    <button type="submit" disabled=refused>"Lock"</button>
                </form>
            }
            .into_any()
        }
    };
    view! {
        {why}
        {form}
    }
}
