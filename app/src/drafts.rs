//! Drafts kept in the browser's local storage, so a reload or a crash never loses work. On the
//! server these do nothing.

use leptos::prelude::{Effect, GetUntracked, RwSignal, Set};
use serde::{de::DeserializeOwned, Serialize};

const PREFIX: &str = "grove.draft.";

fn storage() -> Option<web_sys::Storage> {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::window().local_storage().ok().flatten()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Stores `value` under `key`.
pub fn save<T: Serialize>(key: &str, value: &T) {
    if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(value)) {
        let _ = storage.set_item(&format!("{PREFIX}{key}"), &json);
    }
}

/// The value stored under `key`, if any and readable.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    let json = storage()?
        .get_item(&format!("{PREFIX}{key}"))
        .ok()
        .flatten()?;
    serde_json::from_str(&json).ok()
}

pub fn remove(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&format!("{PREFIX}{key}"));
    }
}

/// A fresh random token (for idempotency keys).
pub fn token() -> String {
    #[cfg(feature = "hydrate")]
    {
        let a = (js_sys::Math::random() * 1e15) as u64;
        let b = (js_sys::Math::random() * 1e15) as u64;
        format!("{a:x}{b:x}")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        // only rendered on the server, never used as a key there
        String::from("server")
    }
}

/// What the visitor typed into the server-rendered `<input data-test="{test_id}">` before the
/// app took the page over: hydration sets a bound input back to its signal's first value, so a
/// form starts from this instead. `None` on the server, and where the page has no such input
/// (a page the app rendered itself).
fn typed_input(test_id: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        leptos::prelude::document()
            .query_selector(&format!("input[data-test=\"{test_id}\"]"))
            .ok()
            .flatten()?
            .dyn_into::<web_sys::HtmlInputElement>()
            .ok()
            .map(|input| input.value())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = test_id;
        None
    }
}

/// The values of the server-rendered checkboxes `<input data-test="{test_id}">` the visitor had
/// ticked when the app took the page over (hydration sets each box back to its signal), so a
/// form starts from them instead. `None` on the server, and where the page has no such boxes.
pub fn ticked_before_hydration(test_id: &str) -> Option<Vec<String>> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let boxes = leptos::prelude::document()
            .query_selector_all(&format!("input[data-test=\"{test_id}\"]"))
            .ok()?;
        if boxes.length() == 0 {
            return None;
        }
        Some(
            (0..boxes.length())
                .filter_map(|i| boxes.item(i))
                .filter_map(|node| node.dyn_into::<web_sys::HtmlInputElement>().ok())
                .filter(web_sys::HtmlInputElement::checked)
                .map(|input| input.value())
                .collect(),
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = test_id;
        None
    }
}

/// Keeps what the visitor typed into the server-rendered `<input data-test="{test_id}">` before
/// the app took the page over (a newcomer on a slow link starts typing long before it arrives):
/// read now, in the component's body, before hydration sets the input back to `signal`, and
/// written into `signal` once the app runs (in an effect, so hydration itself sees the value the
/// server rendered). An empty input counts as nothing typed (the server renders no value for a
/// `bind:value` or `prop:value`, so an untouched field reads empty). Call it where `signal` is created, before
/// the view.
pub fn keep_typed(test_id: &str, signal: RwSignal<String>) {
    let typed = typed_input(test_id).filter(|value| !value.is_empty());
    Effect::new(move |_| {
        if let Some(value) = typed.clone().filter(|v| *v != signal.get_untracked()) {
            signal.set(value);
        }
    });
}
