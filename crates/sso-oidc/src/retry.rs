//! botocore's standard retry classification, shared by every AWS protocol core in the workspace.
//!
//! The lists are `botocore/retries/standard.py` (`ThrottledRetryableChecker`,
//! `TransientRetryableChecker`); the Rust SDK's `AwsErrorCodeClassifier` uses the same codes.
//! HTTP 429 also counts as throttling. Which of these a driver retries, how often and how long it
//! waits is the driver's policy; this module only names the kind of failure.

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

#[cfg(test)]
mod tests {
    use super::*;

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
