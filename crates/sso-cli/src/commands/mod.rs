//! One module per command, each with a `run` function called by `main_impl`: it opens the
//! driver's handle ([`sso_driver::Sso`]) for its selection, makes the use-case call and renders.

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
