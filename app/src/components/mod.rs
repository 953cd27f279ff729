//! Building blocks shared by pages.

pub mod chart;
pub mod conversation;
pub mod editor;
pub mod feedback;
pub mod gold;
pub mod guard;
pub mod label_form;
pub mod label_text;
pub mod locale_select;
pub mod markdown_view;
pub mod nav;
pub mod password_meter;
pub mod rank_board;
pub mod reliability;
pub mod state_names;

/// A contribution language as its speakers write it ("Deutsch", "日本語"): the same in every
/// interface language, and recognisable to whoever writes in it. Unknown tags stay as they are.
pub fn language_name(tag: &str) -> String {
    domain::message::LANGUAGES
        .iter()
        .find(|(known, _, _)| *known == tag)
        .map_or_else(|| tag.to_owned(), |(_, _, native)| (*native).to_owned())
}
