//! Building blocks shared by pages.

pub mod feedback;
pub mod guard;
pub mod nav;
pub mod password_meter;
