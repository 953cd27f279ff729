//! Logging in.

use crate::{auth::use_auth, components::feedback::ActionError};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let pending = auth.log_in.pending();

    view! {
        <Title text="Log in" />
        <section class="auth-card card">
            <h1>"Log in"</h1>
            <ActionForm action=auth.log_in attr:class="form" attr:data-test="login-form">
                <label>
                    "Username"
                    <input name="username" autocomplete="username" required />
                </label>
                <label>
                    "Password"
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <ActionError result=auth.log_in.value() />
                <button type="submit" class="button" disabled=pending>
                    {move || if pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p class="muted">"New here? " <A href="/register">"Create an account"</A></p>
        </section>
    }
}
