//! The terms of service. A logged-in user accepts them once before contributing; the time of
//! acceptance is recorded.

use crate::{auth::use_auth, components::feedback::ActionError};
use crate::{i18n::*, tr};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TermsPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let user = move || auth.me.get().and_then(|me| me.ok().flatten());

    view! {
        <Title text=move || t_string!(i18n, terms.title).to_string() />
        <article class="card prose">
            <h1>{tr(i18n, |i| t_string!(i, terms.title))}</h1>
            <h2>{tr(i18n, |i| t_string!(i, terms.what))}</h2>
            <p>{tr(i18n, |i| t_string!(i, terms.what_text))}</p>
            <h2>{tr(i18n, |i| t_string!(i, terms.contributions))}</h2>
            <p>{tr(i18n, |i| t_string!(i, terms.contributions_text))}</p>
            <h2>{tr(i18n, |i| t_string!(i, terms.privacy))}</h2>
            <p>{tr(i18n, |i| t_string!(i, terms.privacy_text))}</p>
            <h2>{tr(i18n, |i| t_string!(i, terms.conduct))}</h2>
            <p>{tr(i18n, |i| t_string!(i, terms.conduct_text))}</p>
            <h2>{tr(i18n, |i| t_string!(i, terms.leaving))}</h2>
            <p>{tr(i18n, |i| t_string!(i, terms.leaving_text))}</p>
            <Suspense fallback=|| ()>
                {move || {
                    user()
                        .map(|user| match user.terms_accepted_on.clone() {
                            Some(date) => {
                                view! {
                                    <p class="notice success" data-test="terms-accepted">
                                        {t!(i18n, terms.accepted_on, date)}
                                    </p>
                                }
                                    .into_any()
                            }
                            None => {
                                view! {
                                    <div class="terms-decision">
                                        <p>{tr(i18n, |i| t_string!(i, terms.please_accept))}</p>
                                        <ActionError result=auth.accept_terms.value() />
                                        <div class="actions">
                                            <ActionForm action=auth.accept_terms attr:class="inline-form">
                                                <button type="submit" class="button" data-test="accept-terms">
                                                    {tr(i18n, |i| t_string!(i, terms.accept))}
                                                </button>
                                            </ActionForm>
                                            <ActionForm action=auth.log_out attr:class="inline-form">
                                                <button type="submit" class="button secondary">
                                                    {tr(i18n, |i| t_string!(i, terms.decline))}
                                                </button>
                                            </ActionForm>
                                        </div>
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </article>
    }
}
