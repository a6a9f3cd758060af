//! Tests of the driver's parts (login, token, credentials, chain, portal, logout, http,
//! loopback, browser, vanity) against the emulator, wiremock and servers on 127.0.0.1 only.
//!
//! They were the integration tests in `tests/it`; they live in the crate because the parts are
//! private, and reach them through `crate::`.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod browser;
mod chain;
mod credentials;
mod http;
mod logout_all;
mod loopback;
mod portal;
mod signin;
mod signin_support;
mod token_provider;
