pub mod activity;
pub mod avatar;
pub mod badge;
pub mod error_notice;
pub mod gate;
pub mod progress;
pub mod site_header;
pub mod table;
