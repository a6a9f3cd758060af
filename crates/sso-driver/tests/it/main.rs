//! Integration tests of the driver's IO pieces, against servers on 127.0.0.1 only.

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
