//! Registration: username, optional e-mail, and a password with a live strength meter.

use crate::{
    auth::use_auth,
    components::{feedback::ActionError, password_meter::PasswordMeter},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let auth = use_auth();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let pending = auth.register.pending();

    view! {
        <Title text="Join" />
        <section class="auth-card card">
            <h1>"Join Grove"</h1>
            <p class="muted">"Choose a name others will see next to your contributions."</p>
            <ActionForm action=auth.register attr:class="form" attr:data-test="register-form">
                <label>
                    "Username"
                    <input
                        name="username"
                        autocomplete="username"
                        required
                        minlength="3"
                        maxlength="32"
                        bind:value=username
                    />
                </label>
                <label>
                    "E-mail " <span class="muted">"(optional)"</span>
                    <input name="email" type="email" autocomplete="email" />
                </label>
                <label>
                    "Password"
                    <input
                        name="password"
                        type="password"
                        autocomplete="new-password"
                        required
                        bind:value=password
                    />
                </label>
                <PasswordMeter password username />
                <ActionError result=auth.register.value() />
                <button type="submit" class="button" disabled=pending>
                    {move || if pending.get() { "Creating your account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="muted">"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
