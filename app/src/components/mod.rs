//! Building blocks shared by pages.

pub mod chart;
pub mod conversation;
pub mod editor;
pub mod feedback;
pub mod guard;
pub mod label_form;
pub mod markdown_view;
pub mod nav;
pub mod password_meter;
pub mod rank_board;
