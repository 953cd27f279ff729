//! The interface-language menu. Anyone can switch (a cookie remembers it); for a logged-in user
//! the choice is saved to the account too, so it follows them to other devices.

use super::language_name;
use crate::{api::accounts::update_interface_locale, auth::use_auth, i18n::*, tr};
use leptos::{prelude::*, task::spawn_local};

#[component]
pub fn LocaleSelect() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let logged_in = move || auth.me.get().and_then(|me| me.ok().flatten()).is_some();
    let choose = move |value: String| {
        let Ok(locale) = value.parse::<Locale>() else {
            return;
        };
        // the cookie the server reads, written now: the reload below must not outrun it
        remember(locale);
        let save = logged_in();
        spawn_local(async move {
            if save {
                let _ = update_interface_locale(value).await;
            }
            // the page comes back with the new locale's texts
            let _ = window().location().reload();
        });
    };
    view! {
        <label class="locale-select">
            <span class="sr-only">{tr(i18n, |i| t_string!(i, footer.interface_language))}</span>
            <select
                data-test="interface-locale"
                prop:value=move || i18n.get_locale().as_str()
                on:change=move |ev| choose(event_target_value(&ev))
            >
                {Locale::get_all()
                    .iter()
                    .map(|locale| {
                        let tag = locale.as_str();
                        view! { <option value=tag>{language_name(tag)}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// Writes the cookie the server reads the interface language from; whether the browser kept it.
fn remember(locale: Locale) -> bool {
    let cookie = format!(
        "{}={}; path=/; max-age=31536000; samesite=lax",
        crate::i18n::LOCALE_COOKIE,
        locale.as_str()
    );
    let _ = js_sys::Reflect::set(&document(), &"cookie".into(), &cookie.into());
    js_sys::Reflect::get(&document(), &"cookie".into())
        .ok()
        .and_then(|cookies| cookies.as_string())
        .is_some_and(|cookies| {
            cookies
                .split(';')
                .any(|c| c.trim() == format!("{}={}", crate::i18n::LOCALE_COOKIE, locale.as_str()))
        })
}

/// Follows the interface language saved in the account once the user is known (for example
/// after choosing it on another device): the page reloads in that language, once the cookie
/// says so (a browser that refuses the cookie keeps the page as it is, without reloading
/// again and again).
pub fn follow_account_locale() {
    let i18n = use_i18n();
    let auth = use_auth();
    Effect::new(move |_| {
        let saved = auth
            .me
            .get()
            .and_then(|me| me.ok().flatten())
            .and_then(|user| user.interface_locale);
        if let Some(locale) = saved.and_then(|tag| tag.parse::<Locale>().ok()) {
            if i18n.get_locale_untracked() != locale && remember(locale) {
                let _ = window().location().reload();
            }
        }
    });
}
