//! The moderation area, for moderators and admins only.

use crate::components::{feedback::NotYetAvailable, guard::RequireUser};
use domain::account::Role;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ModerationPage() -> impl IntoView {
    view! {
        <Title text="Moderation" />
        <RequireUser role=Role::Moderator>
            <section data-test="moderation">
                <h1>"Moderation"</h1>
                <NotYetAvailable what="Tree, message, report and user management arrive with the moderation tools." />
            </section>
        </RequireUser>
    }
}
