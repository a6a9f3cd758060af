//! The credential-process scenarios: warm and cold `export-credentials` (items 1 and 2), the
//! refresh storm (6), the chained profile warm and cold (7 and 8) and `sso prompt` (9).
//!
//! Each measures `sso` in the bench HOME, checks the emulator's counters where the item sets a
//! rule on network calls, and adds its row to the [`Report`].

use std::fs::File;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use super::measure::{ColdRuns, RSS_RUNS, RUNS, cold_runs, interleave, peak_rss, ratio};
use super::report::{Report, kib_to_mib, ms};
use super::sso::{PROFILE, SESSION, Sso, chained_export_args, export_args, first_run};
use crate::local::Emulator;

/// Processes of the refresh storm.
const STORM: usize = 32;

/// Issue 7's targets.
const WARM_MAX_RATIO: f64 = 3.0;
const WARM_MAX_RSS_KIB: u64 = 8 * 1024;
/// Issue 14's target for the chained warm path.
const CHAINED_WARM_MAX_RATIO: f64 = 2.0;
/// Issue 16's target for `sso prompt`, run on every shell prompt.
const PROMPT_MAX_RATIO: f64 = 3.0;

/// 1: warm `export-credentials` next to `/bin/true`, interleaved run by run.
pub(super) fn warm(sso: &Sso, report: &mut Report) -> Result<()> {
    eprintln!("bench: 1. warm export-credentials");
    let args = export_args();
    // The first call caches the role credentials; check it prints them.
    first_run(sso.command(&args), |out| out.contains("AccessKeyId"))?;
    let [warm, truth] = interleave([&|| sso.command(&args), &|| sso.baseline_command()])?;
    let sso_rss = peak_rss(&sso.command(&args));
    let true_rss = peak_rss(&sso.baseline_command());
    report.command(format!("sso {}   # x{RUNS}, warm", args.join(" ")));
    report.command(format!("/bin/true   # x{RUNS}, interleaved with the above"));
    report.command(format!(
        "/usr/bin/time -f %M sso {}   # x{RSS_RUNS}, and the same for /bin/true",
        args.join(" ")
    ));

    let ratio = ratio(warm.median(), truth.median());
    report.row(
        "1",
        "warm `export-credentials --format process`: wall",
        format!(
            "{}; `/bin/true` median {} / p90 {}; ratio {ratio:.2}x",
            warm.summary(),
            ms(truth.median()),
            ms(truth.p90())
        ),
        format!("<= {WARM_MAX_RATIO}x `/bin/true`"),
        Some(ratio <= WARM_MAX_RATIO && warm.failures == 0),
    );
    let (rss_text, rss_met) = match (sso_rss, true_rss) {
        (Some(s), Some(t)) => (
            format!(
                "{:.1} MiB (max of {RSS_RUNS}); `/bin/true` {:.1} MiB",
                kib_to_mib(s),
                kib_to_mib(t)
            ),
            Some(s < WARM_MAX_RSS_KIB),
        ),
        (Some(s), None) => (
            format!("{:.1} MiB (max of {RSS_RUNS})", kib_to_mib(s)),
            Some(s < WARM_MAX_RSS_KIB),
        ),
        _ => ("not measured (no GNU `/usr/bin/time`)".to_owned(), None),
    };
    report.row(
        "1",
        "warm `export-credentials`: peak RSS",
        rss_text,
        "< 8 MiB".to_owned(),
        rss_met,
    );
    Ok(())
}

/// 2: the cold path, one GetRoleCredentials per run.
pub(super) fn cold(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 2. cold export-credentials");
    let runs = measure_cold(
        sso,
        emulator,
        report,
        &export_args(),
        &["get_role_credentials"],
    )?;
    report.row(
        "2",
        "cold `export-credentials` (valid token, no cached role credentials): wall",
        format!(
            "{}; GetRoleCredentials {} in {RUNS} runs ({} runs with a count other than 1); CreateToken {}",
            runs.series.summary(),
            runs.total("get_role_credentials"),
            runs.off,
            runs.total("create_token")
        ),
        "exactly 1 GetRoleCredentials per run".to_owned(),
        Some(runs.met()),
    );
    Ok(())
}

/// 9: `sso prompt` reading the config and the token cache, next to `/bin/true`, interleaved.
pub(super) fn prompt(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 9. sso prompt");
    let prompt = || {
        let mut command = sso.command(&["prompt"]);
        command.env("AWS_PROFILE", PROFILE);
        command
    };
    let shown = first_run(prompt(), |out| out.starts_with(&format!("{PROFILE} ")))?;
    let before = emulator.stats()?;
    let [prompts, truth] = interleave([&prompt, &|| sso.baseline_command()])?;
    let network = emulator.stats()?.network_calls_since(&before);
    report.command(format!(
        "AWS_PROFILE={PROFILE} sso prompt   # x{RUNS}, interleaved with /bin/true (prints `{shown}`)"
    ));
    let ratio = ratio(prompts.median(), truth.median());
    report.row(
        "9",
        "`sso prompt` (config + token cache, no `AWS_CREDENTIAL_EXPIRATION`): wall",
        format!(
            "{}; `/bin/true` median {}; ratio {ratio:.2}x; {network} network calls",
            prompts.summary(),
            ms(truth.median())
        ),
        format!("<= {PROMPT_MAX_RATIO}x `/bin/true`, 0 network calls"),
        Some(ratio <= PROMPT_MAX_RATIO && prompts.failures == 0 && network == 0),
    );
    Ok(())
}

/// 7: warm chained `export-credentials` next to `/bin/true` and the SSO warm path, interleaved.
pub(super) fn chained_warm(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 7. warm chained export-credentials");
    let chained = chained_export_args();
    let direct = export_args();
    // The first call assumes the role and caches it; check it prints the role's keys.
    first_run(sso.command(&chained), |out| {
        out.contains("ASIAEMUBENCHCHAINED")
    })?;
    let before = emulator.stats()?;
    let [chained_runs, direct_runs, truth] =
        interleave([&|| sso.command(&chained), &|| sso.command(&direct), &|| {
            sso.baseline_command()
        }])?;
    let calls = emulator.stats()?.network_calls_since(&before);
    report.command(format!(
        "sso {}   # x{RUNS}, warm, interleaved with `sso {}` and /bin/true",
        chained.join(" "),
        direct.join(" ")
    ));
    let failures = chained_runs.failures + direct_runs.failures;
    let ratio = ratio(chained_runs.median(), truth.median());
    report.row(
        "7",
        "warm chained profile (SSO → role, assumed-role credentials cached): wall",
        format!(
            "median {} / p90 {} ({RUNS} runs, {failures} failed); SSO warm path median {}; `/bin/true` median {}; ratio {ratio:.2}x `/bin/true`; {calls} network calls in {RUNS} runs",
            ms(chained_runs.median()),
            ms(chained_runs.p90()),
            ms(direct_runs.median()),
            ms(truth.median())
        ),
        format!("<= {CHAINED_WARM_MAX_RATIO}x `/bin/true`, 0 network calls"),
        Some(ratio <= CHAINED_WARM_MAX_RATIO && calls == 0 && failures == 0),
    );
    Ok(())
}

/// 8: the chained profile cold: one GetRoleCredentials and one AssumeRole per run.
pub(super) fn chained_cold(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 8. cold chained export-credentials");
    let expected = ["get_role_credentials", "assume_role"];
    let runs = measure_cold(sso, emulator, report, &chained_export_args(), &expected)?;
    report.row(
        "8",
        "cold chained profile (valid token, nothing cached): wall",
        format!(
            "{}; GetRoleCredentials {}, AssumeRole {} in {RUNS} runs ({} runs with other counts); CreateToken {}",
            runs.series.summary(),
            runs.total("get_role_credentials"),
            runs.total("assume_role"),
            runs.off,
            runs.total("create_token")
        ),
        "exactly 1 GetRoleCredentials and 1 AssumeRole per run".to_owned(),
        Some(runs.met()),
    );
    Ok(())
}

/// The [`cold_runs`] of `sso ARGS`, with the command added to the report.
fn measure_cold(
    sso: &Sso,
    emulator: &Emulator,
    report: &mut Report,
    args: &[&str],
    expected: &[&str],
) -> Result<ColdRuns> {
    let runs = cold_runs(sso, emulator, args, expected)?;
    report.command(format!(
        "rm -rf ~/.aws/cli/cache && sso {}   # x{RUNS}",
        args.join(" ")
    ));
    Ok(runs)
}

/// 6: 32 concurrent `export-credentials` with an expired token and no cached role credentials.
pub(super) fn storm(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 6. refresh storm");
    let args = export_args();
    sso.expire_token()?;
    sso.clear_role_cache()?;
    let before = emulator.stats()?;
    let logs = sso.home.join("storm");
    std::fs::create_dir_all(&logs)?;
    let started = Instant::now();
    let mut children = Vec::with_capacity(STORM);
    for i in 0..STORM {
        let stdout = File::create(logs.join(format!("{i}.out")))?;
        let stderr = File::create(logs.join(format!("{i}.err")))?;
        let child = sso
            .command(&args)
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .context("starting sso")?;
        children.push(Some(child));
    }
    let mut statuses: Vec<Option<ExitStatus>> = vec![None; STORM];
    let deadline = started + Duration::from_secs(120);
    while statuses.iter().any(Option::is_none) {
        for (slot, status) in children.iter_mut().zip(statuses.iter_mut()) {
            if status.is_none()
                && let Some(child) = slot
                && let Some(done) = child.try_wait()?
            {
                *status = Some(done);
            }
        }
        if Instant::now() > deadline {
            for child in children.iter_mut().flatten() {
                let _ = child.kill();
                let _ = child.wait();
            }
            bail!("the refresh storm did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let wall = started.elapsed();
    let after = emulator.stats()?;
    let mut failed = Vec::new();
    for (i, status) in statuses.iter().enumerate() {
        let out = std::fs::read_to_string(logs.join(format!("{i}.out"))).unwrap_or_default();
        if !status.is_some_and(|s| s.success()) || !out.contains("AccessKeyId") {
            let err = std::fs::read_to_string(logs.join(format!("{i}.err"))).unwrap_or_default();
            failed.push(format!(
                "#{i} ({}): {}",
                status.map_or("?".to_owned(), |s| s.to_string()),
                err.lines().next().unwrap_or("").trim()
            ));
        }
    }
    for line in &failed {
        eprintln!("bench: storm process {line}");
    }
    let refreshes = after.since(&before, "create_token_refresh_token");
    let creates = after.since(&before, "create_token");
    let grc = after.since(&before, "get_role_credentials");
    report.command(format!(
        "expiresAt of ~/.aws/sso/cache/<sha1(\"{SESSION}\")>.json set to 2000-01-01T00:00:00Z, rm -rf ~/.aws/cli/cache, then {STORM} x `sso {}` at once",
        args.join(" ")
    ));
    report.row(
        "6",
        "refresh storm: 32 concurrent `export-credentials`, expired token, no cached role credentials",
        format!(
            "{} until all exited; {} of {STORM} succeeded; CreateToken {creates} (refresh grant {refreshes}); GetRoleCredentials {grc}",
            ms(wall),
            STORM - failed.len()
        ),
        "all exit 0, exactly 1 CreateToken and 1 GetRoleCredentials".to_owned(),
        Some(failed.is_empty() && refreshes == 1 && creates == 1 && grc == 1),
    );
    Ok(())
}
