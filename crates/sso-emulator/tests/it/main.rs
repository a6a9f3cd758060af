//! API tests of the emulator: one integration-test binary, one module per API family, all over
//! HTTP on 127.0.0.1 with reqwest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    unreachable_pub
)]

mod binary;
mod control;
mod device;
mod pkce;
mod portal;
mod sts;
mod support;
mod token;
