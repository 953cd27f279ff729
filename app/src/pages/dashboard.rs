//! The annotator's start page.

use crate::{
    auth::use_auth,
    components::{feedback::NotYetAvailable, guard::RequireUser},
};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let auth = use_auth();
    let name = move || {
        auth.me
            .get()
            .and_then(|me| me.ok().flatten())
            .map(|user| user.display_name)
    };
    view! {
        <Title text="Tasks" />
        <RequireUser terms=true>
            <section data-test="dashboard">
                <h1>"Welcome, " {name}</h1>
                <NotYetAvailable what="Tasks (writing prompts and replies, reviewing, ranking) arrive with the task engine. Your account is ready for them." />
            </section>
        </RequireUser>
    }
}
