//! The terms of service. A logged-in user accepts them once before contributing; the time of
//! acceptance is recorded.

use crate::{auth::use_auth, components::feedback::ActionError};
use leptos::prelude::*;
use leptos_meta::Title;

const TERMS: &[(&str, &str)] = &[
    (
        "What Grove is",
        "Grove collects conversations, reviews and rankings written by volunteers in order to \
         publish an open dataset and train open models that follow instructions helpfully and \
         safely.",
    ),
    (
        "Your contributions",
        "Everything you submit (messages, labels, rankings, reports) is published as part of the \
         dataset under the Creative Commons Attribution 4.0 licence, with a pseudonym instead of \
         your username. You confirm that you wrote it yourself and may license it this way: do \
         not paste text written by other people or by AI systems.",
    ),
    (
        "Privacy",
        "Never include personal information about yourself or others (names, addresses, phone \
         numbers, account details). We store your username, optional e-mail address and the \
         times of your activity to run the service; they never leave Grove with the dataset.",
    ),
    (
        "Conduct",
        "Be respectful to other volunteers. Do not submit spam, hateful, harassing or illegal \
         content, and do not try to game points or leaderboards. Moderators may edit or remove \
         content and ban accounts that break these rules.",
    ),
    (
        "Leaving",
        "You can delete your account at any time from the account page. Your name and e-mail are \
         removed; contributions already made stay in the dataset without your name.",
    ),
];

#[component]
pub fn TermsPage() -> impl IntoView {
    let auth = use_auth();
    let user = move || auth.me.get().and_then(|me| me.ok().flatten());

    view! {
        <Title text="Terms of service" />
        <article class="card prose">
            <h1>"Terms of service"</h1>
            {TERMS
                .iter()
                .map(|(heading, text)| view! { <h2>{*heading}</h2> <p>{*text}</p> })
                .collect_view()}
            <Suspense fallback=|| ()>
                {move || {
                    user()
                        .map(|user| match user.terms_accepted_on.clone() {
                            Some(date) => {
                                view! {
                                    <p class="notice success" data-test="terms-accepted">
                                        {format!("You accepted these terms on {date}.")}
                                    </p>
                                }
                                    .into_any()
                            }
                            None => {
                                view! {
                                    <div class="terms-decision">
                                        <p>"Please accept the terms to start contributing."</p>
                                        <ActionError result=auth.accept_terms.value() />
                                        <div class="actions">
                                            <ActionForm action=auth.accept_terms attr:class="inline-form">
                                                <button type="submit" class="button" data-test="accept-terms">
                                                    "I accept"
                                                </button>
                                            </ActionForm>
                                            <ActionForm action=auth.log_out attr:class="inline-form">
                                                <button type="submit" class="button secondary">
                                                    "Decline and log out"
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
