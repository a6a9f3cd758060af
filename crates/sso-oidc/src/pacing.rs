//! The adaptive concurrency limit of a pool of portal calls, as a pure state machine: slow start
//! below a threshold, additive increase above it, a trim on a lone throttle and a halving (with a
//! pause of the whole pool) on throttles in a row.
//!
//! The driver's pool owns the slots (a semaphore) and the clock; [`Aimd`] only says how many
//! slots to add or take away and when to back off, so the policy is tested without a runtime:
//!
//! - **Slow start, then additive increase.** Below [`Aimd::threshold`] every success adds a
//!   slot; at or above it, one per window of `limit` successes; never above the maximum.
//! - **A lone throttle is not congestion.** A throttled answer that follows a success trims the
//!   limit to ¾ (not below half the initial concurrency) and pauses nothing.
//! - **Throttles in a row are congestion.** They halve the limit (down to 1), lower the
//!   threshold to it, and ask for a pause of the whole pool ([`Throttled::back_off`]).
//! - **Once per generation.** A request carries the [`Aimd::generation`] it started in; a
//!   throttle of a request sent before the last cut changes the limit no more.

use std::time::Duration;

/// The limit and its history.
#[derive(Clone, Debug, PartialEq)]
pub struct Aimd {
    limit: usize,
    min_limit: usize,
    /// Below it every success adds a slot; at or above it, one per window of `limit` successes.
    /// Starts at the maximum; only throttles in a row lower it.
    threshold: usize,
    growth: f64,
    generation: u64,
    consecutive_throttles: u32,
    max: usize,
    /// The lowest limit a lone throttle may trim to: half the initial concurrency.
    floor: usize,
}

/// What a throttled answer changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Throttled {
    /// Slots to take away.
    pub shrink: usize,
    /// Throttles in a row: pause the pool for [`backoff`] round `n`.
    pub back_off: Option<u32>,
}

impl Aimd {
    /// A limit of `initial` (clamped to `1..=max`) that may grow to `max` (at least 1).
    pub fn new(initial: usize, max: usize) -> Self {
        let max = max.max(1);
        let initial = initial.clamp(1, max);
        Self {
            limit: initial,
            min_limit: initial,
            threshold: max,
            growth: 0.0,
            generation: 0,
            consecutive_throttles: 0,
            max,
            floor: (initial / 2).max(1),
        }
    }

    /// The current limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The lowest limit so far.
    pub fn min_limit(&self) -> usize {
        self.min_limit
    }

    /// The slow-start threshold.
    pub fn threshold(&self) -> usize {
        self.threshold
    }

    /// The generation requests start in now; every cut starts a new one.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// A success: `true` when the limit grew by one slot.
    pub fn on_success(&mut self) -> bool {
        self.consecutive_throttles = 0;
        if self.limit >= self.max {
            return false;
        }
        if self.limit < self.threshold {
            self.limit += 1;
            return true;
        }
        self.growth += 1.0 / self.limit as f64;
        if self.growth >= 1.0 {
            self.growth -= 1.0;
            self.limit += 1;
            return true;
        }
        false
    }

    /// A throttled answer to a request started in `generation` (see the module documentation).
    pub fn on_throttle(&mut self, generation: u64) -> Throttled {
        self.consecutive_throttles = self.consecutive_throttles.saturating_add(1);
        let in_a_row = self.consecutive_throttles > 1;
        let mut throttled = Throttled::default();
        if generation == self.generation {
            let new_limit = if in_a_row {
                let halved = (self.limit / 2).max(1);
                self.threshold = halved;
                halved
            } else {
                (self.limit * 3 / 4).max(self.floor).min(self.limit)
            };
            if in_a_row || new_limit < self.limit {
                throttled.shrink = self.limit - new_limit;
                self.limit = new_limit;
                self.min_limit = self.min_limit.min(new_limit);
                self.growth = 0.0;
                self.generation += 1;
            }
        }
        // One throttled answer among successes only trims the limit: pausing the whole pool
        // for it would cost every in-flight account the delay. Throttles in a row (no success
        // in between) mean the limit is still too high, and then the pool backs off.
        if in_a_row {
            throttled.back_off = Some(self.consecutive_throttles - 1);
        }
        throttled
    }
}

/// `base·2^(n-1)` capped, half of it fixed and half scaled by `jitter` (from 0 to 1: "equal
/// jitter"), so that a retry always waits a little.
pub fn backoff(base: Duration, cap: Duration, n: u32, jitter: f64) -> Duration {
    let exponent = n.saturating_sub(1).min(16);
    let full = base.saturating_mul(1 << exponent).min(cap);
    full / 2 + full.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{Aimd, Throttled, backoff};

    #[test]
    fn slow_start_then_one_slot_per_window() {
        let mut aimd = Aimd::new(4, 8);
        assert!(aimd.on_success());
        assert_eq!(aimd.limit(), 5);
        // Throttles in a row set the threshold; above it, growth is one per window.
        aimd.on_throttle(aimd.generation());
        let generation = aimd.generation();
        assert_eq!(
            aimd.on_throttle(generation),
            Throttled {
                shrink: 2,
                back_off: Some(1)
            }
        );
        assert_eq!((aimd.limit(), aimd.threshold()), (1, 1));
        assert!(aimd.on_success(), "1/1 fills the window at once");
        assert_eq!(aimd.limit(), 2);
        assert!(!aimd.on_success());
        assert!(aimd.on_success());
        assert_eq!(aimd.limit(), 3);
    }

    #[test]
    fn a_lone_throttle_trims_once_per_generation_and_never_below_the_floor() {
        let mut aimd = Aimd::new(16, 32);
        let first = aimd.generation();
        aimd.on_success();
        let throttled = aimd.on_throttle(first);
        assert_eq!(throttled.shrink, 5, "17 * 3/4 = 12");
        assert_eq!(throttled.back_off, None);
        aimd.on_success();
        assert_eq!(aimd.on_throttle(first).shrink, 0, "an older generation");
        for _ in 0..10 {
            aimd.on_success();
            let generation = aimd.generation();
            aimd.on_throttle(generation);
        }
        assert!(aimd.limit() >= 8, "the floor is half the initial 16");
        assert_eq!(aimd.min_limit(), aimd.limit().min(aimd.min_limit()));
    }

    #[test]
    fn the_limit_stays_within_one_and_the_maximum() {
        let mut aimd = Aimd::new(0, 0);
        assert_eq!(aimd.limit(), 1);
        assert!(!aimd.on_success(), "already at the maximum");
        let generation = aimd.generation();
        aimd.on_throttle(generation);
        aimd.on_throttle(aimd.generation());
        assert_eq!(aimd.limit(), 1);
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_half_of_it_jittered() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(1);
        assert_eq!(backoff(base, cap, 1, 0.0), Duration::from_millis(50));
        assert_eq!(backoff(base, cap, 1, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(base, cap, 3, 0.0), Duration::from_millis(200));
        assert_eq!(backoff(base, cap, 30, 1.0), cap);
    }
}
