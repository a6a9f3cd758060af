//! Measuring processes: wall time around spawn and wait, peak RSS through `/usr/bin/time`, the
//! cold-run loop with the emulator's counters around each run, and the statistics (median, p90).
//!
//! Wall times include process start-up on purpose: that is what a `credential_process` caller
//! waits for. Peak RSS needs no `wait4` (the workspace forbids `unsafe`).

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use super::emulator::Stats;
use super::report::ms;
use super::sso::Sso;
use crate::local::Emulator;

/// Runs of the warm and cold paths.
pub(super) const RUNS: usize = 30;

/// Runs under `/usr/bin/time` for the peak RSS.
pub(super) const RSS_RUNS: usize = 5;

/// Unmeasured rounds before the measured ones in [`interleave`].
const WARM_UP_ROUNDS: usize = 3;

/// The measured runs of one command.
pub(super) struct Series {
    pub(super) times: Vec<Duration>,
    /// Runs that exited with an error.
    pub(super) failures: usize,
}

impl Series {
    fn new() -> Self {
        Self {
            times: Vec::with_capacity(RUNS),
            failures: 0,
        }
    }

    /// Times `command` (output discarded) and records the run.
    fn run(&mut self, command: &mut Command) -> Result<()> {
        let (elapsed, status) = time_quiet(command)?;
        self.failures += usize::from(!status.success());
        self.times.push(elapsed);
        Ok(())
    }

    pub(super) fn median(&self) -> Duration {
        median(&self.times)
    }

    pub(super) fn p90(&self) -> Duration {
        p90(&self.times)
    }

    /// `median X / p90 Y (N runs, F failed)`, as the rows say it.
    pub(super) fn summary(&self) -> String {
        format!(
            "median {} / p90 {} ({} runs, {} failed)",
            ms(self.median()),
            ms(self.p90()),
            self.times.len(),
            self.failures
        )
    }
}

/// Runs the commands that `commands` make one after the other, round after round, so that all
/// of them see the same machine load: [`WARM_UP_ROUNDS`] unmeasured rounds, then [`RUNS`]
/// measured ones. The series come back in the order of `commands`.
pub(super) fn interleave<const N: usize>(
    commands: [&dyn Fn() -> Command; N],
) -> Result<[Series; N]> {
    for _ in 0..WARM_UP_ROUNDS {
        for command in &commands {
            time_quiet(&mut command())?;
        }
    }
    let mut series = std::array::from_fn(|_| Series::new());
    for _ in 0..RUNS {
        for (command, series) in commands.iter().zip(series.iter_mut()) {
            series.run(&mut command())?;
        }
    }
    Ok(series)
}

/// [`RUNS`] cold runs of one command.
pub(super) struct ColdRuns {
    pub(super) series: Series,
    /// Runs in which one of the expected counters moved by anything but 1.
    pub(super) off: usize,
    before: Stats,
    after: Stats,
}

impl ColdRuns {
    /// How much `counter` moved over all the runs.
    pub(super) fn total(&self, counter: &str) -> u64 {
        self.after.since(&self.before, counter)
    }

    /// Every run succeeded and moved each expected counter by exactly 1.
    pub(super) fn met(&self) -> bool {
        self.off == 0 && self.series.failures == 0
    }
}

/// Runs `sso ARGS` [`RUNS`] times, each after deleting `~/.aws/cli/cache`, reading the
/// emulator's counters around every run; each of `expected` must move by exactly 1 per run.
pub(super) fn cold_runs(
    sso: &Sso,
    emulator: &Emulator,
    args: &[&str],
    expected: &[&str],
) -> Result<ColdRuns> {
    let mut series = Series::new();
    let mut off = 0;
    let before = emulator.stats()?;
    for _ in 0..RUNS {
        sso.clear_role_cache()?;
        let start = emulator.stats()?;
        series.run(&mut sso.command(args))?;
        let end = emulator.stats()?;
        if expected.iter().any(|name| end.since(&start, name) != 1) {
            off += 1;
        }
    }
    let after = emulator.stats()?;
    Ok(ColdRuns {
        series,
        off,
        before,
        after,
    })
}

/// How many times longer `measured` took than `baseline`.
pub(super) fn ratio(measured: Duration, baseline: Duration) -> f64 {
    measured.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
}

/// Runs `command` with its output discarded; the wall time around spawn and wait.
pub(super) fn time_quiet(command: &mut Command) -> Result<(Duration, ExitStatus)> {
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let started = Instant::now();
    let status = command.status().context("starting a timed process")?;
    Ok((started.elapsed(), status))
}

/// The largest peak RSS (KiB) of [`RSS_RUNS`] runs under `/usr/bin/time -f %M`.
pub(super) fn peak_rss(command: &Command) -> Option<u64> {
    let time = Path::new("/usr/bin/time");
    if !time.is_file() {
        return None;
    }
    let out = std::env::temp_dir().join(format!("sso-bench-rss-{}", std::process::id()));
    let mut peak = None;
    for _ in 0..RSS_RUNS {
        let mut wrapped = Command::new(time);
        wrapped
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&out)
            .arg(command.get_program())
            .args(command.get_args())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in command.get_envs() {
            if let Some(value) = value {
                wrapped.env(key, value);
            }
        }
        let status = wrapped.status().ok()?;
        if !status.success() {
            return None;
        }
        let kib: u64 = std::fs::read_to_string(&out)
            .ok()?
            .lines()
            .last()?
            .trim()
            .parse()
            .ok()?;
        peak = Some(peak.map_or(kib, |p: u64| p.max(kib)));
    }
    let _ = std::fs::remove_file(&out);
    peak
}

pub(super) fn wait_until(child: &mut Child, deadline: Instant) -> Result<ExitStatus> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

pub(super) fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    match sorted.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    }
}

/// The nearest-rank 90th percentile.
pub(super) fn p90(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * 9).div_ceil(10);
    sorted[rank.saturating_sub(1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let times: Vec<Duration> = (1..=30).map(Duration::from_millis).collect();
        assert_eq!(median(&times), Duration::from_micros(15_500));
        assert_eq!(p90(&times), Duration::from_millis(27));
    }
}
