//! Async driver running the sso-oidc machines over HTTP, the loopback listener and the caches.
//!
//! This is the only crate of the workspace that opens sockets or spawns processes.
//! Its IO building blocks take plain values and are composed by the event loop:
//!
//! - [`http`]: `http::Request<Vec<u8>>` in, `http::Response<Vec<u8>>` out, with timeouts,
//!   bounded retries, proxies and extra trust roots;
//! - [`loopback`]: the `127.0.0.1` listener that receives the authorization-code redirect;
//! - [`browser`]: opening a URL in the user's browser without blocking;
//! - [`prompt`]: the trait through which the caller shows codes and URLs (the driver never
//!   prints);
//! - [`clock`]: wall-clock milliseconds that never go backwards, and sleeping until one;
//! - [`env`]: the process environment as an explicit input.

pub mod browser;
pub mod clock;
pub mod env;
pub mod http;
pub mod loopback;
pub mod prompt;
