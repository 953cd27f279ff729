//! Logging in.

use crate::{auth::use_auth, components::feedback::ActionError, i18n::*, tr};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let pending = auth.log_in.pending();

    view! {
        <Title text=move || t_string!(i18n, login.title).to_string() />
        <section class="auth-card card">
            <h1>{tr(i18n, |i| t_string!(i, login.title))}</h1>
            <ActionForm action=auth.log_in attr:class="form" attr:data-test="login-form">
                <label>
                    {tr(i18n, |i| t_string!(i, login.username))}
                    <input name="username" autocomplete="username" required />
                </label>
                <label>
                    {tr(i18n, |i| t_string!(i, login.password))}
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <ActionError result=auth.log_in.value() />
                <button type="submit" class="button" disabled=pending>
                    {move || if pending.get() { t_string!(i18n, login.pending) } else { t_string!(i18n, login.submit) }}
                </button>
            </ActionForm>
            <p class="muted">{tr(i18n, |i| t_string!(i, login.new_here))} <A href="/register">{tr(i18n, |i| t_string!(i, login.create_account))}</A></p>
        </section>
    }
}
