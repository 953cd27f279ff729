//! Signing in through identity providers, in the pages: the provider buttons of the sign-in
//! and registration pages, what a failed provider sign-in tells, the question whether to link
//! a provider to the existing account with the same verified address (`/login/connect`), and
//! the account's sign-in methods (`/account/sign-in`). The last two are in the full bundle.

use crate::{
    api::{
        accounts::ChangePassword,
        identity::{
            link_offer, sign_in_methods, CancelLink, ConfirmLink, SignInProvider, UnlinkIdentity,
        },
    },
    components::{
        feedback::{ActionError, ErrorNote},
        guard::RequireUser,
        password_meter::PasswordMeter,
    },
    i18n::*,
    tr,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// "Or sign in with ...": one plain link per provider (they work before the app loads).
#[component]
pub fn ProviderButtons(providers: Vec<SignInProvider>) -> impl IntoView {
    let i18n = use_i18n();
    (!providers.is_empty()).then(move || {
        view! {
            <div class="providers" data-test="sign-in-providers">
                <p class="muted">{tr(i18n, |i| t_string!(i, login.or_provider))}</p>
                {providers
                    .into_iter()
                    .map(|provider| {
                        let href = format!("/auth/{}/start", provider.id);
                        let test = format!("provider-{}", provider.id);
                        let name = provider.display_name;
                        view! {
                            <a class="button secondary" href=href rel="external" data-test=test>
                                {t!(i18n, login.with_provider, provider = name)}
                            </a>
                        }
                    })
                    .collect_view()}
            </div>
        }
    })
}

/// Why a sign-in through a provider came back to the sign-in page (`?sso=<code>`).
#[component]
pub fn ProviderError() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    move || {
        query.read().get("sso").map(|code| {
            let text = match code.as_str() {
                "sso_denied" => t_string!(i18n, login.sso_denied),
                "sso_state_invalid" => t_string!(i18n, login.sso_state),
                "account_banned" => t_string!(i18n, errors.banned),
                "unknown_provider" => t_string!(i18n, login.sso_unknown),
                _ => t_string!(i18n, login.sso_failed),
            };
            view! { <p class="error-note" role="alert" data-test="sso-error" data-code=code>{text}</p> }
        })
    }
}

/// `/login/connect`: the provider vouched for an address an account here has verified. Link
/// the provider to that account (and sign in), or not.
#[component]
pub fn ConnectPage() -> impl IntoView {
    let i18n = use_i18n();
    let offer = Resource::new(|| (), |()| link_offer());
    let confirm = ServerAction::<ConfirmLink>::new();
    let cancel = ServerAction::<CancelLink>::new();
    crate::auth::load_next_page_after(confirm);
    crate::auth::load_next_page_after(cancel);
    view! {
        <Title text=move || t_string!(i18n, connect.title).to_string() />
        <section class="auth-card card" data-test="connect">
            <h1>{tr(i18n, |i| t_string!(i, connect.title))}</h1>
            <Suspense fallback=|| ()>
                {move || offer.get().map(|offer| match offer {
                    Ok(Some(offer)) => {
                        let provider = offer.provider.clone();
                        view! {
                            <p data-test="connect-explain">
                                {t!(i18n, connect.explain, provider = offer.provider, email = offer.email, name = offer.display_name.clone())}
                            </p>
                            <p class="muted">{t!(i18n, connect.account, username = offer.username)}</p>
                            <ActionForm action=confirm attr:class="form" attr:data-test="connect-confirm">
                                <ActionError result=confirm.value() />
                                <button type="submit" class="button">{t!(i18n, connect.confirm, provider)}</button>
                            </ActionForm>
                            <ActionForm action=cancel attr:class="form" attr:data-test="connect-cancel">
                                <button type="submit" class="button secondary">{tr(i18n, |i| t_string!(i, connect.cancel))}</button>
                            </ActionForm>
                        }
                        .into_any()
                    }
                    _ => view! {
                        <p class="notice info" data-test="connect-expired">{tr(i18n, |i| t_string!(i, connect.expired))}</p>
                        <p><A href="/login" attr:class="button secondary">{tr(i18n, |i| t_string!(i, recovery.back_to_login))}</A></p>
                    }
                    .into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// `/account/sign-in`: the password (set one, if the account has none) and the providers the
/// account signs in with; link another, unlink one.
#[component]
pub fn SignInMethodsPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text=move || t_string!(i18n, methods.title).to_string() />
        <RequireUser>
            <Methods />
        </RequireUser>
    }
}

#[component]
fn Methods() -> impl IntoView {
    let i18n = use_i18n();
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let set_password = ServerAction::<ChangePassword>::new();
    let methods = Resource::new(
        move || (unlink.version().get(), set_password.version().get()),
        |_| sign_in_methods(),
    );
    let query = use_query_map();
    let new_password = RwSignal::new(String::new());
    crate::drafts::keep_typed("first-password", new_password);
    view! {
        <h1>{tr(i18n, |i| t_string!(i, methods.title))}</h1>
        {move || query.read().get("linked").map(|_| view! {
            <p class="notice success" role="status" data-test="provider-linked">{tr(i18n, |i| t_string!(i, methods.linked))}</p>
        })}
        {move || query.read().get("error").map(|code| {
            let text = match code.as_str() {
                "identity_taken" => t_string!(i18n, methods.identity_taken),
                "identity_already_linked" => t_string!(i18n, methods.already_linked),
                _ => t_string!(i18n, login.sso_failed),
            };
            view! { <p class="error-note" role="alert" data-test="link-error" data-code=code>{text}</p> }
        })}
        <ActionError result=unlink.value() />
        <Suspense fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || methods.get().map(|methods| match methods { Err(error) => view! { <ErrorNote error /> }.into_any(), Ok(methods) => {
                let username = Signal::stored(methods.username.clone());
                let only_way = !methods.has_password && methods.linked.len() == 1;
                view! {
                    <section class="card" data-test="password-method">
                        <h2>{tr(i18n, |i| t_string!(i, account.password))}</h2>
                        {if methods.has_password {
                            view! { <p data-test="has-password">{tr(i18n, |i| t_string!(i, methods.password_set))}</p> }.into_any()
                        } else {
                            view! {
                                <p class="muted">{tr(i18n, |i| t_string!(i, methods.no_password))}</p>
                                <ActionForm action=set_password attr:class="form" attr:data-test="set-password-form">
                                    <input type="hidden" name="current_password" value="" />
                                    <label>
                                        {tr(i18n, |i| t_string!(i, account.new_password))}
                                        <input name="new_password" type="password" autocomplete="new-password" required data-test="first-password" bind:value=new_password />
                                    </label>
                                    <PasswordMeter password=new_password username />
                                    <ActionError result=set_password.value() />
                                    <button type="submit" class="button">{tr(i18n, |i| t_string!(i, methods.set_password))}</button>
                                </ActionForm>
                            }.into_any()
                        }}
                    </section>
                    <section class="card" data-test="linked-providers">
                        <h2>{tr(i18n, |i| t_string!(i, methods.providers))}</h2>
                        {methods.linked.is_empty().then(|| view! {
                            <p class="muted">{tr(i18n, |i| t_string!(i, methods.none_linked))}</p>
                        })}
                        <ul class="plain-list">
                            {methods.linked.into_iter().map(|linked| {
                                let test = format!("linked-{}", linked.provider);
                                let provider = linked.provider.clone();
                                view! {
                                    <li data-test=test>
                                        <strong>{linked.display_name}</strong>
                                        {linked.email.map(|email| view! { " · " <span class="muted">{email}</span> })}
                                        {(!only_way).then(|| view! {
                                            <ActionForm action=unlink attr:class="inline-form">
                                                <input type="hidden" name="provider" value=provider.clone() />
                                                <button type="submit" class="button small secondary" data-test="unlink">{tr(i18n, |i| t_string!(i, methods.unlink))}</button>
                                            </ActionForm>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {only_way.then(|| view! { <p class="muted">{tr(i18n, |i| t_string!(i, methods.only_way))}</p> })}
                        {methods.linkable.into_iter().map(|provider| {
                            let href = format!("/auth/{}/start?intent=link", provider.id);
                            let test = format!("link-{}", provider.id);
                            view! {
                                <p><a class="button secondary" href=href rel="external" data-test=test>
                                    {t!(i18n, methods.link, provider = provider.display_name)}
                                </a></p>
                            }
                        }).collect_view()}
                    </section>
                }.into_any()
            }})}
        </Suspense>
        <p><A href="/account">{tr(i18n, |i| t_string!(i, methods.back))}</A></p>
    }
}
