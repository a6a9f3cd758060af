//! One module per command, each with a `run` function called by `main_impl`, plus
//! [`session`], the login a command works with (resolved target, config, HTTP client).

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
pub mod serve;
pub mod settings;
pub mod shell;
pub mod status;
pub mod whoami;
