//! Registration: username, optional e-mail, and a password with a live strength meter.

use crate::{
    api::mail_links::sign_in_options,
    auth::use_auth,
    components::{feedback::ActionError, password_meter::PasswordMeter},
    i18n::*,
    pages::providers::ProviderButtons,
    tr,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    crate::drafts::keep_typed("register-username", username);
    crate::drafts::keep_typed("register-password", password);
    let pending = auth.register.pending();
    let options = Resource::new(|| (), |()| sign_in_options());

    view! {
        <Title text=move || t_string!(i18n, register.title).to_string() />
        <section class="auth-card card">
            <h1>{tr(i18n, |i| t_string!(i, register.heading))}</h1>
            <p class="muted">{tr(i18n, |i| t_string!(i, register.intro))}</p>
            <ActionForm action=auth.register attr:class="form" attr:data-test="register-form">
                <label>
                    {tr(i18n, |i| t_string!(i, register.username))}
                    <input
                        name="username"
                        autocomplete="username"
                        required
                        minlength="3"
                        maxlength="32"
                        data-test="register-username"
                        aria-describedby="username-hint"
                        bind:value=username
                    />
                </label>
                <span class="hint under" id="username-hint">{tr(i18n, |i| t_string!(i, register.username_hint))}</span>
                <label>
                    // one line: the label's parts are flex items of a column otherwise
                    <span>{tr(i18n, |i| t_string!(i, register.email))} <span class="muted">{tr(i18n, |i| t_string!(i, register.optional))}</span></span>
                    <input name="email" type="email" autocomplete="email" />
                </label>
                <label>
                    {tr(i18n, |i| t_string!(i, register.password))}
                    <input
                        name="password"
                        type="password"
                        autocomplete="new-password"
                        required
                        data-test="register-password"
                        bind:value=password
                    />
                </label>
                <PasswordMeter password username />
                <ActionError result=auth.register.value() />
                <button type="submit" class="button" disabled=pending>
                    {move || if pending.get() { t_string!(i18n, register.pending) } else { t_string!(i18n, register.submit) }}
                </button>
            </ActionForm>
            <Suspense fallback=|| ()>
                {move || options.get().and_then(Result::ok).map(|options| view! {
                    <ProviderButtons providers=options.providers />
                })}
            </Suspense>
            <p class="muted">{tr(i18n, |i| t_string!(i, register.have_account))} <A href="/login">{tr(i18n, |i| t_string!(i, register.log_in))}</A></p>
        </section>
    }
}
