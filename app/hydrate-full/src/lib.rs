//! The full bundle's WebAssembly entry point: takes over the server-rendered page with every
//! page (`app::App`), moderation and statistics included. The server sends it only with those
//! pages (`app::uses_full_bundle`); volunteers load the smaller `hydrate` bundle.

#![recursion_limit = "512"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        // the page's texts first: without them the server-rendered page stays as it is
        match app::i18n::load_page_texts().await {
            Ok(()) => leptos::mount::hydrate_body(app::App),
            Err(error) => leptos::logging::error!("not hydrating: {error}"),
        }
    });
}
