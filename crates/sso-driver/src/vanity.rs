//! Vanity start URLs (protocol.md §5.4): the probe that finds the AWS-owned portal and its
//! region behind a start URL on a host of the customer's own.
//!
//! The rules (which hosts are AWS-owned, the region in a portal host, what a probe's answer
//! means, the normalised result) are `sso_oidc::vanity`'s; [`resolve`] sends at most two probes
//! through a [`Transport`] with a timeout and feeds the answers to them. The rules are
//! re-exported here for the CLI (to be removed once it uses `sso_oidc::vanity`).

use std::time::Duration;

use sso_oidc::vanity as rules;
pub(crate) use sso_oidc::vanity::{
    ProbeMethod, ProbeOutcome, Resolved, finish, interpret_probe, needs_resolution, probe_request,
};

use crate::http::TransportError;
use crate::transport::Transport;

/// How long the wizard waits for the probe of a vanity start URL (the AWS CLI's 10 s).
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a vanity start URL could not be resolved. The messages are the AWS CLI's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VanityError {
    /// The start URL or the probe's answer broke a rule of `sso_oidc::vanity` (not `https`,
    /// an error status, a redirect away from AWS, ...).
    #[error(transparent)]
    Resolution(#[from] rules::VanityError),
    /// No response arrived.
    #[error("Failed to resolve start URL: {0}")]
    Transport(#[source] Box<TransportError>),
    /// No response arrived within the timeout.
    #[error("Failed to resolve start URL: no answer within {} s", .0.as_secs())]
    Timeout(Duration),
}

/// Resolves a vanity start URL with at most two probes (`HEAD`, then `GET` if `HEAD` is
/// refused), each sent once (no retries) within `timeout`.
///
/// A start URL that needs no resolution (AWS-owned host) is returned normalised, with the
/// region its host names, without a request.
///
/// # Errors
///
/// [`VanityError`]: a rule broken, no answer, or none in time.
pub(crate) async fn resolve<T: Transport>(
    transport: &T,
    start_url: &str,
    timeout: Duration,
) -> Result<Resolved, VanityError> {
    let start_url = start_url.trim();
    if let Some(resolved) = rules::resolve_without_probe(start_url)? {
        return Ok(resolved);
    }
    let mut method = ProbeMethod::Head;
    loop {
        let request = probe_request(start_url, method)?;
        let response = tokio::time::timeout(timeout, transport.send_once(request))
            .await
            .map_err(|_| VanityError::Timeout(timeout))?
            .map_err(|error| VanityError::Transport(Box::new(error)))?;
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .and_then(|value| value.to_str().ok());
        match interpret_probe(start_url, method, response.status().as_u16(), location)? {
            ProbeOutcome::Final(url) => return Ok(finish(start_url, &url)?),
            ProbeOutcome::RetryWithGet if method == ProbeMethod::Head => method = ProbeMethod::Get,
            ProbeOutcome::RetryWithGet => {
                return Err(rules::VanityError::Status {
                    status: response.status().as_u16(),
                }
                .into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Answers every request with the next scripted status and `Location`, recording methods.
    struct Scripted {
        answers: Mutex<Vec<(u16, Option<&'static str>)>>,
        methods: Mutex<Vec<String>>,
    }

    impl Scripted {
        fn new(answers: Vec<(u16, Option<&'static str>)>) -> Self {
            Self {
                answers: Mutex::new(answers),
                methods: Mutex::new(Vec::new()),
            }
        }
    }

    impl Transport for Scripted {
        async fn send(
            &self,
            request: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, TransportError> {
            self.methods
                .lock()
                .unwrap()
                .push(format!("{} {}", request.method(), request.uri()));
            let (status, location) = self.answers.lock().unwrap().remove(0);
            let mut response = http::Response::builder().status(status);
            if let Some(location) = location {
                response = response.header("location", location);
            }
            Ok(response.body(Vec::new()).unwrap())
        }
    }

    fn run<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn resolve_probes_with_head_then_get() {
        let transport = Scripted::new(vec![
            (405, None),
            (302, Some("https://ssoins-7.portal.ap-south-1.app.aws/")),
        ]);
        let resolved = run(resolve(
            &transport,
            "https://sso.example.com/start",
            PROBE_TIMEOUT,
        ))
        .unwrap();
        assert_eq!(resolved.region.as_deref(), Some("ap-south-1"));
        assert_eq!(resolved.url, "https://ssoins-7.portal.ap-south-1.app.aws");
        assert_eq!(
            *transport.methods.lock().unwrap(),
            [
                "HEAD https://sso.example.com/start",
                "GET https://sso.example.com/start"
            ]
        );
    }

    #[test]
    fn resolve_sends_nothing_for_aws_owned_hosts() {
        let transport = Scripted::new(Vec::new());
        let resolved = run(resolve(
            &transport,
            "https://d-123.awsapps.com/start/",
            PROBE_TIMEOUT,
        ))
        .unwrap();
        assert_eq!(resolved.url, "https://d-123.awsapps.com/start");
        assert!(transport.methods.lock().unwrap().is_empty());
        let error = run(resolve(&transport, "http://sso.example.com", PROBE_TIMEOUT)).unwrap_err();
        assert!(matches!(
            error,
            VanityError::Resolution(rules::VanityError::NotHttps)
        ));
    }

    #[test]
    fn resolve_reports_error_statuses() {
        let transport = Scripted::new(vec![(404, None)]);
        let error = run(resolve(
            &transport,
            "https://sso.example.com/start",
            PROBE_TIMEOUT,
        ))
        .unwrap_err();
        assert_eq!(error.to_string(), "Failed to resolve start URL: HTTP 404");
    }
}
