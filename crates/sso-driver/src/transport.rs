//! The seam between the driver's logic and the network: one trait, [`Transport`], that sends an
//! `http::Request<Vec<u8>>` and returns the `http::Response<Vec<u8>>`.
//!
//! [`HttpClient`] is the real implementation (timeouts, retries, proxies). Everything above it
//! (logins, the token and credential providers, listing, logout) is generic over the trait, so
//! the conformance harness can replay recorded traffic and tests can count calls without a
//! socket. A transport returns every response whatever its status: interpreting statuses and
//! bodies is the `sso-oidc` parsers' job.

use std::future::Future;
use std::sync::Arc;

use crate::http::{HttpClient, TransportError};

/// Sends one request and returns its response (after the transport's own retries, if any).
pub trait Transport: Send + Sync {
    /// Sends `request`; `Err` only when no complete HTTP response was received.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send;

    /// Sends `request` once, without the transport's own retries, for callers that run a
    /// retry policy of their own (the bulk listing pool of [`crate::portal`], whose shared
    /// AIMD limiter must see every throttled answer). Defaults to [`Transport::send`] for
    /// transports that never retry.
    fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        self.send(request)
    }
}

impl Transport for HttpClient {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        Self::send(self, request)
    }

    fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        Self::send_once(self, request)
    }
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        (**self).send(request)
    }

    fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        (**self).send_once(request)
    }
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        (**self).send(request)
    }

    fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        (**self).send_once(request)
    }
}
