//! The sign-in pages: plain server-rendered HTML with the dashboard's stylesheet (nothing to hydrate).

use tengu_core::domain::{Login, Permission};

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The dashboard's stylesheet, worked out once per process (it reads the build's hash file).
fn stylesheet() -> &'static str {
    static HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HREF.get_or_init(|| tengu_app::stylesheet_href(&crate::web::leptos_options()))
}

pub(crate) fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"/>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\
         <meta name=\"color-scheme\" content=\"light dark\"/><title>{} · tengu</title>\
         <link rel=\"stylesheet\" href=\"{}\"/><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"/>\
         </head><body><header class=\"site-header\"><a class=\"brand\" href=\"/\"><span class=\"brand__mark\" \
         aria-hidden=\"true\">t</span><span class=\"brand__name\">tengu</span></a></header>\
         <main id=\"main\" class=\"page sign-in\">{body}</main></body></html>",
        escape(title),
        escape(stylesheet())
    )
}

pub fn sign_in(sandbox: bool, next: &str, message: Option<&str>) -> String {
    let message = message.map(|m| format!("<p class=\"notice\" role=\"alert\">{}</p>", escape(m))).unwrap_or_default();
    let sandbox_note = if sandbox {
        "<p class=\"muted\">This is the sandbox: GitHub is simulated, and you pick which seeded person to be.</p>"
    } else {
        ""
    };
    let href = format!("/auth/github?next={}", super::super::identity::encode_query(next));
    document(
        "Sign in",
        &format!(
            "<h1>Sign in to tengu</h1>{message}<p>tengu shows what your GitHub permission on each repository lets \
             you see and do.</p>{sandbox_note}<p><a class=\"button button--primary\" id=\"sign-in-with-github\" \
             href=\"{}\">Sign in with GitHub</a></p>",
            escape(&href)
        ),
    )
}

pub fn sandbox_consent(people: &[(Login, Permission)], state: &str, challenge: &str) -> String {
    let rows: String = people
        .iter()
        .map(|(login, permission)| {
            let role = permission.role().map(|r| r.as_str()).unwrap_or("no access");
            format!(
                "<li><button type=\"submit\" class=\"button\" name=\"login\" value=\"{login}\">@{login}</button> \
                 <span class=\"muted\">{permission} on acme/shop — {role}</span></li>",
                login = escape(login.as_str()),
            )
        })
        .collect();
    document(
        "Sandbox sign-in",
        &format!(
            "<div class=\"sandbox-banner\" role=\"note\"><p><strong>Sandbox</strong> — this page stands in for \
             GitHub's consent page.</p></div><h1>Who are you in the sandbox?</h1>\
             <form method=\"post\" action=\"/auth/sandbox\"><input type=\"hidden\" name=\"state\" value=\"{}\"/>\
             <input type=\"hidden\" name=\"code_challenge\" value=\"{}\"/><ul class=\"people\">{rows}</ul></form>",
            escape(state),
            escape(challenge)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_visitor_sends_is_shown_as_text() {
        let page = sign_in(false, "/\"><script>x</script>", Some("<b>no</b>"));
        assert!(!page.contains("<script>x") && !page.contains("<b>no"));
        assert!(page.contains("&lt;b&gt;no&lt;/b&gt;"));
    }
}
