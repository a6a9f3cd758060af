//! A local IAM Identity Center (SSO-OIDC and portal), STS, container-credentials endpoint and
//! IMDSv2 on 127.0.0.1 for demos and tests.
//!
//! One listener serves every service, routed by method and path, so `AWS_ENDPOINT_URL_SSO_OIDC`,
//! `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL_STS` and `AWS_EC2_METADATA_SERVICE_ENDPOINT` can
//! all be set to [`RunningEmulator::url`], and `AWS_CONTAINER_CREDENTIALS_FULL_URI` to
//! [`RunningEmulator::container_credentials_url`]. STS verifies SigV4 with its own code (`sha2`
//! and `hmac`, nothing shared with the client's signer) and issues credentials whose access key
//! id names the role. It answers with AWS's
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
//! The emulator shares no code with the `sso-oidc` and `sso-sts` clients on purpose: a bug in
//! one cannot hide the same bug in the other.

#![deny(missing_docs)]

mod config;
mod control;
mod error;
mod keys;
mod metadata;
mod oidc;
mod portal;
mod router;
mod secret;
mod seed;
mod server;
mod sigv4;
mod state;
mod stats;
mod sts;
mod wire;

pub use config::{Config, ConfigPatch, FailureRule};
pub use error::{DeviceDecisionError, EmulatorError};
pub use server::{BlockingEmulator, Emulator, EmulatorBuilder, RunningEmulator};
pub use stats::{Operation, Stats};
pub use sts::StsCall;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
