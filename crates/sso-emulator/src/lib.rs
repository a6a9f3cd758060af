//! A local IAM Identity Center (SSO-OIDC and portal) on 127.0.0.1 for demos and tests.
//!
//! One listener serves both services, routed by path, so `AWS_ENDPOINT_URL_SSO_OIDC` and
//! `AWS_ENDPOINT_URL_SSO` can both be set to [`RunningEmulator::url`]. It answers with AWS's
//! status codes, `x-amzn-ErrorType` headers and error bodies, and has knobs for latency,
//! throttling, `slow_down`, denial, failure injection, lifetimes, the clock and the seed size,
//! settable at start ([`EmulatorBuilder`]) and at run time ([`RunningEmulator::set_config`] or
//! `POST /emulator/config`). Counters per operation ([`Stats`]) let tests assert exactly how
//! many calls a client made.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sso_emulator::EmulatorError> {
//! use std::time::Duration;
//! let emu = sso_emulator::Emulator::builder()
//!     .accounts(300)
//!     .roles_per_account(3)
//!     .latency(Duration::from_millis(5))
//!     .throttle_every(10)
//!     .start()
//!     .await?;
//! println!("{}", emu.url());
//! assert_eq!(emu.stats().create_token_refresh_token, 0);
//! emu.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Non-async callers use [`EmulatorBuilder::start_blocking`], which runs the server on a thread
//! with its own runtime. docs/emulator.md lists the endpoints, knobs and the control API.
//!
//! The emulator shares no code with the `sso-oidc` client on purpose: a bug in one cannot hide
//! the same bug in the other.

#![deny(missing_docs)]

mod config;
mod control;
mod error;
mod oidc;
mod portal;
mod router;
mod secret;
mod seed;
mod server;
mod state;
mod stats;
mod wire;

pub use config::{Config, ConfigPatch, FailureRule};
pub use error::{DeviceDecisionError, EmulatorError};
pub use server::{BlockingEmulator, Emulator, EmulatorBuilder, RunningEmulator};
pub use stats::{Operation, Stats};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
