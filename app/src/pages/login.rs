//! Logging in.

use crate::{auth::use_auth, components::feedback::ActionError, i18n::*};
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
            <h1>{t!(i18n, login.title)}</h1>
            <ActionForm action=auth.log_in attr:class="form" attr:data-test="login-form">
                <label>
                    {t!(i18n, login.username)}
                    <input name="username" autocomplete="username" required />
                </label>
                <label>
                    {t!(i18n, login.password)}
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                <ActionError result=auth.log_in.value() />
                <button type="submit" class="button" disabled=pending>
                    {move || if pending.get() { t_string!(i18n, login.pending) } else { t_string!(i18n, login.submit) }}
                </button>
            </ActionForm>
            <p class="muted">{t!(i18n, login.new_here)} <A href="/register">{t!(i18n, login.create_account)}</A></p>
        </section>
    }
}
