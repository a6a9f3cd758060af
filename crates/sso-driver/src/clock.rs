//! Wall-clock time: the [`WallClock`] the use-case handle reads ([`crate::Sso::with_clock`]),
//! in Unix milliseconds, and the operating system's [`SystemClock`].
//!
//! The `sso-oidc` machines take `now` as Unix milliseconds (token expiries are persisted, which
//! `Instant` cannot be) and require it never to decrease. Inside, the driver wraps the clock so
//! that its readings never go backwards even when the system clock steps back (NTP, suspend, a
//! user fixing the date), and the event loop feeds the machine the *current* time after a
//! sleep, not the deadline it slept towards (both lessons from Firezone's sans-IO event loops).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of wall-clock time in Unix milliseconds.
pub trait WallClock: Send + Sync {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    fn now_unix_ms(&self) -> u64;
}

impl<C: WallClock + ?Sized> WallClock for std::sync::Arc<C> {
    fn now_unix_ms(&self) -> u64 {
        (**self).now_unix_ms()
    }
}

impl<C: WallClock + ?Sized> WallClock for &C {
    fn now_unix_ms(&self) -> u64 {
        (**self).now_unix_ms()
    }
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl WallClock for SystemClock {
    fn now_unix_ms(&self) -> u64 {
        // A clock before 1970 reads as the epoch; the monotonic clamp then holds it there.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
            })
    }
}

/// Wraps a [`WallClock`] so that readings never go below the largest one returned before.
#[derive(Debug, Default)]
pub(crate) struct MonotonicClock<C = SystemClock> {
    inner: C,
    last: AtomicU64,
}

impl<C: WallClock> MonotonicClock<C> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: C) -> Self {
        Self {
            inner,
            last: AtomicU64::new(0),
        }
    }

    /// The current time, clamped to be at least every value returned before.
    pub(crate) fn now_unix_ms(&self) -> u64 {
        let reading = self.inner.now_unix_ms();
        let previous = self.last.fetch_max(reading, Ordering::AcqRel);
        clamp_monotonic(previous, reading)
    }
}

impl<C: WallClock> WallClock for MonotonicClock<C> {
    fn now_unix_ms(&self) -> u64 {
        Self::now_unix_ms(self)
    }
}

/// The monotonic reading given the last value returned and a new raw reading.
pub(crate) fn clamp_monotonic(last: u64, reading: u64) -> u64 {
    last.max(reading)
}

/// How long to sleep from `now_unix_ms` until `deadline_unix_ms`; zero when it has passed.
pub(crate) fn duration_until(now_unix_ms: u64, deadline_unix_ms: u64) -> Duration {
    Duration::from_millis(deadline_unix_ms.saturating_sub(now_unix_ms))
}

/// Sleeps until `clock` reads `deadline_unix_ms` or later, and returns that reading.
///
/// The sleep runs on tokio's monotonic timer for the remaining wall-clock time; if the wall
/// clock moved meanwhile (suspend, NTP), it sleeps again for what is left, so the returned
/// reading is never before the deadline. Feed the returned value to the machine, not the
/// deadline.
pub(crate) async fn sleep_until_unix_ms(clock: &dyn WallClock, deadline_unix_ms: u64) -> u64 {
    loop {
        let now = clock.now_unix_ms();
        if now >= deadline_unix_ms {
            return now;
        }
        tokio::time::sleep(duration_until(now, deadline_unix_ms)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use super::{MonotonicClock, SystemClock, WallClock, clamp_monotonic, duration_until};

    /// A clock that returns scripted readings, the last one forever.
    struct Scripted(Mutex<Vec<u64>>);

    impl WallClock for Scripted {
        fn now_unix_ms(&self) -> u64 {
            let mut readings = self.0.lock().expect("test mutex is never poisoned");
            if readings.len() > 1 {
                readings.remove(0)
            } else {
                readings[0]
            }
        }
    }

    #[test]
    fn monotonic_clock_never_goes_back() {
        let clock =
            MonotonicClock::new(Scripted(Mutex::new(vec![1_000, 2_000, 1_500, 900, 2_500])));
        let readings: Vec<u64> = (0..6).map(|_| clock.now_unix_ms()).collect();
        assert_eq!(readings, [1_000, 2_000, 2_000, 2_000, 2_500, 2_500]);
    }

    #[test]
    fn clamp_and_duration_helpers() {
        assert_eq!(clamp_monotonic(5, 3), 5);
        assert_eq!(clamp_monotonic(5, 8), 8);
        assert_eq!(duration_until(1_000, 1_250), Duration::from_millis(250));
        assert_eq!(duration_until(1_300, 1_250), Duration::ZERO);
    }

    #[test]
    fn system_clock_is_after_2025() {
        // 2025-01-01T00:00:00Z; guards against seconds-versus-milliseconds mistakes.
        assert!(SystemClock.now_unix_ms() > 1_735_689_600_000);
        assert!(SystemClock.now_unix_ms() < 1_735_689_600_000 * 10);
    }

    #[tokio::test]
    async fn sleep_until_returns_a_reading_at_or_after_the_deadline() {
        // The scripted clock lags: the first sleep ends before the wall clock reaches the
        // deadline, so the helper must sleep again.
        let clock = Scripted(Mutex::new(vec![1_000, 1_040, 1_100]));
        let reading = super::sleep_until_unix_ms(&clock, 1_050).await;
        assert_eq!(reading, 1_100);
        let clock = Scripted(Mutex::new(vec![3_000]));
        assert_eq!(super::sleep_until_unix_ms(&clock, 1_500).await, 3_000);
    }
}
