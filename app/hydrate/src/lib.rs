//! The volunteer bundle's WebAssembly entry point: takes over the server-rendered page with
//! the pages a volunteer needs (`app::VolunteerApp`); `hydrate-full` carries the rest.

#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        // the page's texts first: without them the server-rendered page stays as it is
        match app::i18n::load_page_texts().await {
            Ok(()) => leptos::mount::hydrate_body(app::VolunteerApp),
            Err(error) => leptos::logging::error!("not hydrating: {error}"),
        }
    });
}
