//! Logging in.

use crate::{
    api::mail_links::sign_in_options,
    auth::use_auth,
    components::feedback::ActionError,
    i18n::*,
    pages::providers::{ProviderButtons, ProviderError},
    tr,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let pending = auth.log_in.pending();
    let options = Resource::new(|| (), |()| sign_in_options());

    view! {
        <Title text=move || t_string!(i18n, login.title).to_string() />
        <section class="auth-card card">
            <h1>{tr(i18n, |i| t_string!(i, login.title))}</h1>
            <ProviderError />
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
            // help by e-mail, where this Grove sends mail (plain links: those pages load afresh),
            // and the identity providers it offers
            <Suspense fallback=|| ()>
                {move || options.get().and_then(Result::ok).map(|options| view! {
                    {options.mail.then(|| view! {
                        <p class="sign-in-help" data-test="sign-in-help">
                            <a href="/forgot" rel="external" data-test="forgot-link">{tr(i18n, |i| t_string!(i, login.forgot))}</a>
                            " · "
                            <a href="/login/email" rel="external" data-test="email-link">{tr(i18n, |i| t_string!(i, login.email_link))}</a>
                        </p>
                    })}
                    <ProviderButtons providers=options.providers />
                })}
            </Suspense>
            <p class="muted">{tr(i18n, |i| t_string!(i, login.new_here))} <A href="/register">{tr(i18n, |i| t_string!(i, login.create_account))}</A></p>
        </section>
    }
}
