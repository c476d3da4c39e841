use leptos::prelude::*;

/// A person's initial on a colour derived from their login, so the same person always looks the same.
#[component]
pub fn Avatar(login: String) -> impl IntoView {
    let hue = login.bytes().fold(0u32, |acc, b| acc.wrapping_mul(31).wrapping_add(u32::from(b))) % 360;
    let initial = login.chars().next().map(|c| c.to_ascii_uppercase()).unwrap_or('?');
    view! {
        <span class="avatar" style=format!("--hue: {hue}") aria-hidden="true">{initial.to_string()}</span>
    }
}
