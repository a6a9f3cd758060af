//! One module per command, each with a `run` function called by `main_impl`.
//!
//! Commands that need the libraries return [`crate::error::CliError::NotWired`] until the
//! wiring layer fills their `run`; search for `NotWired` to find them.

pub mod completions;
pub mod configure;
pub mod configure_backend;
pub mod console;
pub mod exec;
pub mod export_credentials;
pub mod list;
pub mod login;
pub mod logout;
pub mod populate;
pub mod status;
