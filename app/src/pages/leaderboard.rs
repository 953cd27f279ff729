//! The leaderboard.

use crate::components::feedback::NotYetAvailable;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LeaderboardPage() -> impl IntoView {
    view! {
        <Title text="Leaderboard" />
        <section>
            <h1>"Leaderboard"</h1>
            <NotYetAvailable what="Points and rankings appear here once contributions are collected." />
        </section>
    }
}
