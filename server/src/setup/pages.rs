//! The setup pages: plain server-rendered HTML with the dashboard's stylesheet, like the sign-in pages.

use serde_json::Value;
use tengu_core::ports::RegisteredApp;

use crate::web::auth::page::{document, escape};

pub fn form(owner: Option<&str>, message: Option<&str>) -> String {
    let message = message.map(|m| format!("<p class=\"notice\" role=\"alert\">{}</p>", escape(m))).unwrap_or_default();
    let owner = escape(owner.unwrap_or_default());
    document(
        "Set up",
        &format!(
            "<h1>Make tengu's GitHub App</h1>{message}<p>tengu runs for real but has no GitHub App yet. This makes \
             one on GitHub with exactly the permissions and webhook events tengu uses; GitHub then hands its \
             credentials to tengu, which keeps them sealed with <code>TENGU_SECRET_KEY</code>.</p>\
             <form method=\"post\" action=\"/setup\" class=\"stack\">\
             <p><label for=\"code\">Setup code</label> <span class=\"muted\" id=\"code-help\">printed in tengu's \
             log when it started</span><br/><input id=\"code\" name=\"code\" required autocomplete=\"off\" \
             aria-describedby=\"code-help\"/></p>\
             <p><label for=\"owner\">Organization</label> <span class=\"muted\" id=\"owner-help\">that will own the \
             App; leave empty for your own account</span><br/><input id=\"owner\" name=\"owner\" value=\"{owner}\" \
             aria-describedby=\"owner-help\"/></p>\
             <p><label for=\"name\">App name</label> <span class=\"muted\" id=\"name-help\">unique on GitHub; you \
             can change it there</span><br/><input id=\"name\" name=\"name\" value=\"tengu\" \
             aria-describedby=\"name-help\"/></p>\
             <p><button type=\"submit\" class=\"button button--primary\">Continue</button></p></form>"
        ),
    )
}

/// The manifest, and the button that posts it to GitHub's new-App page.
pub fn manifest(action: &str, manifest: &Value) -> String {
    let table = tengu_github::manifest::manifest_permission_table(manifest);
    let rows: String = table
        .lines()
        .skip(2)
        .map(|row| {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            let cells: String =
                cells.iter().map(|cell| format!("<td>{}</td>", escape(&cell.replace('`', "")))).collect();
            format!("<tr>{cells}</tr>")
        })
        .collect();
    let events = manifest["default_events"]
        .as_array()
        .map(|events| events.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
        .unwrap_or_default();
    document(
        "Set up",
        &format!(
            "<h1>Create the App on GitHub</h1><p>GitHub will show an App asking for these permissions, subscribed to \
             {events}, sending its webhooks to <code>{hook}</code>:</p>\
             <table><thead><tr><th scope=\"col\">Permission</th><th scope=\"col\">Access</th>\
             <th scope=\"col\">What for</th></tr></thead><tbody>{rows}</tbody></table>\
             <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"manifest\" value=\"{json}\"/>\
             <p><button type=\"submit\" class=\"button button--primary\" id=\"create-app\">Create the App on GitHub\
             </button></p></form>",
            events = escape(&events),
            hook = escape(manifest["hook_attributes"]["url"].as_str().unwrap_or_default()),
            action = escape(action),
            json = escape(&manifest.to_string()),
        ),
    )
}

pub fn made(app: &RegisteredApp) -> String {
    let install = format!("{}/installations/new", app.html_url.trim_end_matches('/'));
    document(
        "Set up",
        &format!(
            "<h1>tengu's GitHub App is made</h1><p role=\"status\">The App <strong>{slug}</strong> (id {id}) belongs \
             to {owner}. Its private key and secrets are stored sealed with <code>TENGU_SECRET_KEY</code>: keep that \
             key with the database's backups.</p><p><a class=\"button button--primary\" id=\"install-app\" \
             href=\"{install}\">Install it on your repositories</a></p><p>tengu now starts with it. Once it is \
             installed, <a href=\"/sign-in\">sign in</a>; then run <code>tengu doctor</code> to check the rest.</p>",
            slug = escape(&app.slug),
            id = app.id,
            owner = escape(&app.owner),
            install = escape(&install),
        ),
    )
}

pub fn failed(sentence: &str) -> String {
    document(
        "Set up",
        &format!(
            "<h1>The App was not made</h1><p class=\"notice\" role=\"alert\">{}</p><p><a class=\"button\" \
             href=\"/setup\">Start again</a></p>",
            escape(sentence)
        ),
    )
}
