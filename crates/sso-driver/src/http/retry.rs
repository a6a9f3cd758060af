//! Pure retry timing: how long to back off, `Retry-After`.
//!
//! Nothing here sleeps, reads the clock or draws random numbers; the randomness for the jitter
//! comes in as an argument so the computation is testable on its own (Firezone's lesson: keep
//! timers and randomness out of helpers).
//! Which responses are retryable is `sso_oidc::retry::classify_head` (botocore's standard retry
//! mode, `botocore/retries/standard.py`, see protocol.md §2.1); the OIDC `SlowDownException` is
//! not throttling there: it is a protocol state of the device-code grant (RFC 8628 §3.5) that the
//! `sso-oidc` machine handles.

use std::time::Duration;

use http::HeaderMap;

/// The delay a `Retry-After` header asks for, in its delta-seconds form.
///
/// The HTTP-date form is ignored (the caller falls back to exponential backoff): AWS endpoints
/// send seconds, and a date would need the wall clock here.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    let seconds: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// The "full jitter" exponential backoff before retry number `retry` (1 for the first retry).
///
/// The delay is `unit * min(cap, base * 2^(retry - 1))` where `unit` is a uniform random
/// number in `[0, 1)`; see "Exponential Backoff And Jitter" on the AWS Architecture Blog.
pub(crate) fn full_jitter_backoff(
    retry: u32,
    base: Duration,
    cap: Duration,
    unit: f64,
) -> Duration {
    let exponent = retry.saturating_sub(1).min(31);
    let ceiling = base.saturating_mul(1u32 << exponent).min(cap);
    ceiling.mul_f64(unit.clamp(0.0, 1.0))
}

/// The delay before retry number `retry`: the server's `Retry-After` bounded by
/// `retry_after_cap` when present, otherwise the jittered backoff.
pub(crate) fn retry_delay(
    retry: u32,
    base: Duration,
    cap: Duration,
    retry_after: Option<Duration>,
    retry_after_cap: Duration,
    unit: f64,
) -> Duration {
    match retry_after {
        Some(asked) => asked.min(retry_after_cap),
        None => full_jitter_backoff(retry, base, cap, unit),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn retry_after_accepts_delta_seconds_only() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")])),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", " 0 ")])),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            None
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-1")])), None);
        assert_eq!(retry_after(&headers(&[])), None);
    }

    #[test]
    fn full_jitter_grows_exponentially_up_to_the_cap() {
        let base = Duration::from_millis(200);
        let cap = Duration::from_secs(5);
        // With `unit` just below one the delay approaches the ceiling of each step.
        let ceilings: Vec<u128> = (1..=7)
            .map(|retry| full_jitter_backoff(retry, base, cap, 1.0).as_millis())
            .collect();
        assert_eq!(ceilings, [200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(full_jitter_backoff(3, base, cap, 0.0), Duration::ZERO);
        assert_eq!(
            full_jitter_backoff(3, base, cap, 0.5),
            Duration::from_millis(400)
        );
        // Out-of-range randomness and huge retry numbers stay bounded.
        assert_eq!(full_jitter_backoff(1, base, cap, 7.0), base);
        assert_eq!(full_jitter_backoff(u32::MAX, base, cap, 1.0), cap);
    }

    #[test]
    fn full_jitter_is_uniform_within_the_ceiling() {
        let base = Duration::from_millis(200);
        let cap = Duration::from_secs(5);
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 1..=5 {
            let ceiling = full_jitter_backoff(retry, base, cap, 1.0);
            let delays: Vec<Duration> = (0..200)
                .map(|_| full_jitter_backoff(retry, base, cap, rng.f64()))
                .collect();
            assert!(delays.iter().all(|delay| *delay <= ceiling));
            // Full jitter spreads the delays: some land in the lower and some in the upper half.
            assert!(delays.iter().any(|delay| *delay < ceiling / 2));
            assert!(delays.iter().any(|delay| *delay > ceiling / 2));
        }
    }

    #[test]
    fn retry_after_wins_over_backoff_but_is_bounded() {
        let base = Duration::from_millis(200);
        let cap = Duration::from_secs(5);
        let bound = Duration::from_secs(10);
        let asked = Some(Duration::from_secs(2));
        assert_eq!(
            retry_delay(1, base, cap, asked, bound, 0.9),
            Duration::from_secs(2)
        );
        let asked = Some(Duration::from_secs(3600));
        assert_eq!(retry_delay(1, base, cap, asked, bound, 0.9), bound);
        assert_eq!(
            retry_delay(2, base, cap, None, bound, 0.5),
            Duration::from_millis(200)
        );
    }
}
