//! Pages that need a login, accepted terms or a role render through this guard.

use crate::{auth::use_auth, components::feedback::ErrorNote, error::AppError, i18n::*, tr};
use domain::account::Role;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// Renders `children` only for a logged-in user who passes the checks; sends anonymous
/// visitors to the login page and users who have not accepted the terms to the terms page.
#[component]
pub fn RequireUser(
    /// The lowest role that may see the page.
    #[prop(optional)]
    role: Option<Role>,
    /// Whether the terms of service must have been accepted.
    #[prop(optional)]
    terms: bool,
    children: ChildrenFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=move || view! { <p class="loading">{tr(i18n, |i| t_string!(i, common.loading))}</p> }>
            {move || {
                auth.me
                    .get()
                    .map(|me| match me {
                        Ok(Some(user)) if role.is_some_and(|r| !user.role.at_least(r)) => {
                            #[cfg(feature = "ssr")]
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(axum::http::StatusCode::FORBIDDEN);
                            }
                            view! { <ErrorNote error=AppError::forbidden() /> }.into_any()
                        }
                        Ok(Some(user)) if terms && !user.has_accepted_terms() => {
                            view! { <Redirect path="/terms" /> }.into_any()
                        }
                        Ok(Some(_)) => children.read_value()().into_any(),
                        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(error) => view! { <ErrorNote error /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
