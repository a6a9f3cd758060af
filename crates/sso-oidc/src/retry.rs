//! botocore's standard retry classification, shared by every AWS protocol core in the workspace.
//!
//! The lists are `botocore/retries/standard.py` (`ThrottledRetryableChecker`,
//! `TransientRetryableChecker`); the Rust SDK's `AwsErrorCodeClassifier` uses the same codes.
//! HTTP 429 also counts as throttling. Which of these a driver retries, how often and how long it
//! waits is the driver's policy; this module only names the kind of failure.
//!
//! [`classify_error`] is the one classification in the workspace: `sso-oidc`'s
//! `ServiceError::retry_kind`, `sso-sts`'s `StsServiceError::retry_kind`, the driver's HTTP
//! retries ([`classify_head`]) and its portal pool all ask it.

use http::{HeaderMap, StatusCode};

/// Error codes botocore's standard retry mode treats as throttling.
pub const THROTTLING_ERROR_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes botocore's standard retry mode treats as transient, whatever the status.
pub const TRANSIENT_ERROR_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// HTTP statuses botocore's standard retry mode treats as transient, whatever the body says.
pub const TRANSIENT_STATUS_CODES: &[u16] = &[500, 502, 503, 504];

/// Why an error response may be worth another attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryKind {
    /// HTTP 429 or a throttling error code: back off before retrying.
    Throttling,
    /// A server-side or transient failure (HTTP 500/502/503/504, a transient error code).
    Transient,
}

/// Classifies an error response by its HTTP status and decoded error code (if any).
///
/// `None` means the error is permanent: retrying the same request will not help.
#[must_use]
pub fn classify_error(status: u16, code: Option<&str>) -> Option<RetryKind> {
    if status == 429 || code.is_some_and(|code| THROTTLING_ERROR_CODES.contains(&code)) {
        return Some(RetryKind::Throttling);
    }
    if TRANSIENT_STATUS_CODES.contains(&status)
        || code.is_some_and(|code| TRANSIENT_ERROR_CODES.contains(&code))
    {
        return Some(RetryKind::Transient);
    }
    None
}

/// Classifies a response by its status and the error code of its `x-amzn-ErrorType` header,
/// before (or without) decoding its body: what an HTTP client's own retries can see.
#[must_use]
pub fn classify_head(status: StatusCode, headers: &HeaderMap) -> Option<RetryKind> {
    let code = headers
        .get("x-amzn-errortype")
        .and_then(|value| value.to_str().ok())
        .map(error_code_from_header);
    classify_error(status.as_u16(), code)
}

/// The error code in an `x-amzn-ErrorType` header (or a body's `code`): cut at the first `:`
/// and after the last `#` (botocore `RestJSONParser._inject_error_code`).
#[must_use]
pub fn error_code_from_header(value: &str) -> &str {
    let value = value.split(':').next().unwrap_or(value);
    let value = value.rsplit('#').next().unwrap_or(value);
    value.trim()
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, StatusCode};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn check(status: u16, pairs: &[(&'static str, &'static str)], expected: Option<RetryKind>) {
        let status = StatusCode::from_u16(status).expect("valid status in test table");
        assert_eq!(
            classify_head(status, &headers(pairs)),
            expected,
            "{status} {pairs:?}"
        );
    }

    #[test]
    fn classification_follows_botocore_standard_mode() {
        check(200, &[], None);
        check(400, &[], None);
        check(401, &[], None);
        check(404, &[], None);
        check(501, &[], None);
        check(429, &[], Some(RetryKind::Throttling));
        for status in [500, 502, 503, 504] {
            check(status, &[], Some(RetryKind::Transient));
        }
        check(
            400,
            &[(
                "x-amzn-errortype",
                "ThrottlingException:http://internal.amazon.com/",
            )],
            Some(RetryKind::Throttling),
        );
        check(
            400,
            &[(
                "x-amzn-errortype",
                "com.amazonaws.sso#TooManyRequestsException",
            )],
            Some(RetryKind::Throttling),
        );
        check(
            400,
            &[("x-amzn-errortype", "SlowDown")],
            Some(RetryKind::Throttling),
        );
        check(
            400,
            &[("x-amzn-errortype", "RequestTimeoutException")],
            Some(RetryKind::Transient),
        );
    }

    #[test]
    fn oidc_slow_down_is_a_protocol_state_not_throttling() {
        check(400, &[("x-amzn-errortype", "SlowDownException")], None);
        check(
            400,
            &[(
                "x-amzn-errortype",
                "SlowDownException:http://internal.amazon.com/coral/",
            )],
            None,
        );
        check(
            400,
            &[("x-amzn-errortype", "AuthorizationPendingException")],
            None,
        );
    }

    #[test]
    fn error_code_is_cut_like_botocore() {
        assert_eq!(
            error_code_from_header(
                "InvalidRequestException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/"
            ),
            "InvalidRequestException"
        );
        assert_eq!(
            error_code_from_header("aws.protocols#ThrottlingException"),
            "ThrottlingException"
        );
        assert_eq!(error_code_from_header("Plain"), "Plain");
    }

    #[test]
    fn classifies_like_botocore_standard_mode() {
        assert_eq!(classify_error(429, None), Some(RetryKind::Throttling));
        assert_eq!(
            classify_error(400, Some("Throttling")),
            Some(RetryKind::Throttling)
        );
        assert_eq!(
            classify_error(400, Some("PriorRequestNotComplete")),
            Some(RetryKind::Throttling)
        );
        assert_eq!(
            classify_error(400, Some("RequestTimeout")),
            Some(RetryKind::Transient)
        );
        for status in [500, 502, 503, 504] {
            assert_eq!(classify_error(status, None), Some(RetryKind::Transient));
        }
        assert_eq!(classify_error(501, None), None);
        assert_eq!(classify_error(403, Some("AccessDenied")), None);
        assert_eq!(classify_error(400, Some("SlowDownException")), None);
    }
}
