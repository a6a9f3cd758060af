//! One module per command, each with a `run` function called by `main_impl`, plus
//! [`session`], the login a command works with (resolved target, config, HTTP client).

pub(crate) mod completions;
pub(crate) mod configure;
pub(crate) mod configure_backend;
pub(crate) mod console;
pub(crate) mod exec;
pub(crate) mod export_credentials;
pub(crate) mod list;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod populate;
pub(crate) mod serve;
pub(crate) mod settings;
pub(crate) mod shell;
pub(crate) mod status;
pub(crate) mod whoami;
