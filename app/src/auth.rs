//! Who is logged in, shared by every page. The actions that change the login (register, log in,
//! log out, accept terms, delete account) answer with the next page, which is then loaded
//! afresh: a client-side navigation would render it with the login state of before.

use crate::{
    api::accounts::{AcceptTerms, CurrentUser, DeleteAccount, LogIn, LogOut, Register},
    error::AppError,
};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Auth {
    pub me: Resource<Result<Option<CurrentUser>, AppError>>,
    pub register: ServerAction<Register>,
    pub log_in: ServerAction<LogIn>,
    pub log_out: ServerAction<LogOut>,
    pub accept_terms: ServerAction<AcceptTerms>,
    pub delete_account: ServerAction<DeleteAccount>,
}

impl Auth {
    /// Creates the actions and the resource and puts them in context for every page.
    pub fn provide() -> Self {
        let register = ServerAction::<Register>::new();
        let log_in = ServerAction::<LogIn>::new();
        let log_out = ServerAction::<LogOut>::new();
        let accept_terms = ServerAction::<AcceptTerms>::new();
        let delete_account = ServerAction::<DeleteAccount>::new();
        let me = Resource::new(|| (), |()| crate::api::accounts::me());
        load_next_page_after(register);
        load_next_page_after(log_in);
        load_next_page_after(log_out);
        load_next_page_after(accept_terms);
        load_next_page_after(delete_account);
        let auth = Self {
            me,
            register,
            log_in,
            log_out,
            accept_terms,
            delete_account,
        };
        provide_context(auth);
        auth
    }
}

/// The login state provided by [`Auth::provide`].
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Once `action` succeeds, loads the page it names (in the browser only).
pub(crate) fn load_next_page_after<A>(action: ServerAction<A>)
where
    A: leptos::server_fn::ServerFn<Output = String, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(next)) = action.value().get() {
            let _ = window().location().assign(&next);
        }
    });
}
