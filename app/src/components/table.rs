use leptos::prelude::*;

/// A scrollable table with column headings; the rows are the children (typed: erased, every row would be copied
/// into an owned view before it is written).
#[component]
pub fn DataTable<V: IntoView + 'static>(headers: &'static [&'static str], children: TypedChildren<V>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>{headers.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}</tr>
                </thead>
                <tbody>{children.into_inner()()}</tbody>
            </table>
        </div>
    }
}
