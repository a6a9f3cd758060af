//! The seam between the driver's logic and the network: one trait, [`Transport`], that sends an
//! `http::Request<Vec<u8>>` and returns the `http::Response<Vec<u8>>`.
//!
//! [`HttpClient`] is the real implementation (timeouts, retries, proxies). Everything above it
//! (logins, the token and credential providers, listing, logout) is generic over the trait, so
//! the conformance harness can replay recorded traffic and tests can count calls without a
//! socket. A transport returns every response whatever its status: interpreting statuses and
//! bodies is the `sso-oidc` parsers' job.
//!
//! An embedder hands its own transport to the use-case handle with
//! [`Sso::with_transport`](crate::Sso::with_transport): a recorded-traffic replay, a test
//! double, or an HTTP stack of its own.

use std::future::Future;
use std::sync::Arc;

/// The handle's own transport (timeouts, bounded retries, proxies, extra trust roots), for
/// wrapping in a transport of one's own; what a transport fails with, and its kinds.
pub use crate::http::{
    Attempt, AttemptObserver, AttemptOutcome, ClientBuildError, HttpClient, HttpConfig, HttpStats,
    MAX_RESPONSE_BODY_BYTES, TransportError, TransportErrorKind,
};

/// Sends one request and returns its response (after the transport's own retries, if any).
pub trait Transport: Send + Sync {
    /// Sends `request`; `Err` only when no complete HTTP response was received.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send;

    /// Sends `request` once, without the transport's own retries, for callers that run a
    /// retry policy of their own (the bulk listing pool of [`crate::Sso::all_roles`], whose shared
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

/// The future a [`Transport`] returns, boxed so that the transport can be chosen at run time.
type BoxedResponse<'a> = std::pin::Pin<
    Box<dyn Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send + 'a>,
>;

/// [`Transport`] with boxed futures, so that it can be a trait object.
trait ErasedTransport: Send + Sync {
    fn send_boxed(&self, request: http::Request<Vec<u8>>) -> BoxedResponse<'_>;
    fn send_once_boxed(&self, request: http::Request<Vec<u8>>) -> BoxedResponse<'_>;
}

impl<T: Transport> ErasedTransport for T {
    fn send_boxed(&self, request: http::Request<Vec<u8>>) -> BoxedResponse<'_> {
        Box::pin(self.send(request))
    }

    fn send_once_boxed(&self, request: http::Request<Vec<u8>>) -> BoxedResponse<'_> {
        Box::pin(self.send_once(request))
    }
}

/// The transport the use-case handle holds: its own [`HttpClient`], or one the embedder
/// injected ([`crate::Sso::with_transport`]). Cloning shares it.
#[derive(Clone)]
pub(crate) struct SharedTransport(Arc<dyn ErasedTransport>);

impl SharedTransport {
    /// Shares `transport`.
    pub(crate) fn new(transport: impl Transport + 'static) -> Self {
        Self(Arc::new(transport))
    }
}

impl std::fmt::Debug for SharedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedTransport")
    }
}

impl Transport for SharedTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        self.0.send_boxed(request)
    }

    fn send_once(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send {
        self.0.send_once_boxed(request)
    }
}
