use leptos::prelude::*;

/// "3 of 5 verified" with a bar that says the same to assistive technology.
#[component]
pub fn VerificationProgress(verified: usize, total: usize) -> impl IntoView {
    let percent = (verified * 100).checked_div(total).unwrap_or(100);
    let done = verified == total;
    let label = format!("{verified} of {total} verified");
    view! {
        <div class="progress" class:progress--done=done>
            <div
                class="progress__bar"
                role="progressbar"
                aria-valuemin="0"
                aria-valuemax=total.to_string()
                aria-valuenow=verified.to_string()
                aria-label=label.clone()
            >
                <span class="progress__fill" style=format!("width: {percent}%")></span>
            </div>
            <span class="progress__label">{label}</span>
        </div>
    }
}
