//! The portal scenarios: `sso list roles` against a sequential walk of the same API (item 4) and
//! `sso populate`, twice (item 5), with the emulator slowed down and throttling.
//!
//! The sequential walk is the baseline of item 4, done here with one blocking request at a time.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use super::emulator::Counters;
use super::measure::{median, ratio};
use super::report::{Report, code, secs};
use super::sso::{Logged, SESSION, Sso};
use crate::local::{Emulator, http_get};

/// Runs of `sso list roles` (the sequential walk runs once: it takes seconds).
const LIST_RUNS: usize = 3;
/// Retry pause of the sequential walk after a 429.
const SEQUENTIAL_RETRY_PAUSE: Duration = Duration::from_millis(100);
/// `max_result` of the sequential walk's pages: the API's largest, as `sso` requests.
const SEQUENTIAL_PAGE_SIZE: u32 = 100;
/// The emulator's latency in items 4 and 5 (`latency_ms` of their knobs).
const PORTAL_LATENCY: Duration = Duration::from_millis(20);
/// Issue 7's target for item 4: how much faster than the sequential walk.
const LIST_MIN_SPEEDUP: f64 = 12.0;

/// 4: `sso list roles` against the sequential walk, 300 x 3, 20 ms, 429 every 10th call.
pub(super) fn list_roles(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 4. list roles, 300 accounts x 3 roles, 20 ms, 429 every 10th call");
    let knobs = r#"{"accounts":300,"roles_per_account":3,"latency_ms":20,"throttle_every":10}"#;
    emulator.configure(knobs)?;
    report.command(format!("POST /emulator/config {knobs}"));
    let args = [
        "list",
        "roles",
        "--sso-session",
        SESSION,
        "--output",
        "json",
    ];
    let mut times = Vec::new();
    let mut failures = 0;
    let mut counters = Counters::default();
    for _ in 0..LIST_RUNS {
        let before = emulator.stats()?;
        let run = sso.run_logged(&args, Duration::from_secs(300))?;
        let after = emulator.stats()?;
        let roles = run.stdout.matches("\"roleName\"").count();
        if !run.status.success() || roles != 900 {
            failures += 1;
            eprintln!(
                "bench: `sso {}` exited {} with {roles} roles: {}",
                args.join(" "),
                run.status,
                run.stderr.trim()
            );
        }
        counters = Counters::delta(&before, &after);
        times.push(run.wall);
    }
    report.command(format!("sso {}   # x{LIST_RUNS}", args.join(" ")));
    let token = sso.access_token()?;
    let before = emulator.stats()?;
    let started = Instant::now();
    let walk = sequential_walk(&emulator.url, &token)?;
    let sequential = started.elapsed();
    let after = emulator.stats()?;
    let seq_counters = Counters::delta(&before, &after);
    report.command(
        "sequential walk (xtask): ListAccounts pages (max_result=100), then ListAccountRoles per account one after the other; 429 -> sleep 100 ms, retry".to_owned(),
    );
    let ours = median(&times);
    let speedup = ratio(sequential, ours);
    // Issue 7's "about 7 s": the walk's calls times the latency, without its retry pauses.
    let calls = u32::try_from(seq_counters.list_accounts + seq_counters.list_account_roles)
        .unwrap_or(u32::MAX);
    let calls_x_latency = PORTAL_LATENCY * calls;
    let speedup_vs_latency = ratio(calls_x_latency, ours);
    report.row(
        "4",
        "`sso list roles --output json`, 300 accounts x 3 roles, 20 ms latency, 429 every 10th call",
        format!(
            "median {} of {LIST_RUNS} ({failures} failed; last run: {counters}) vs sequential walk {} ({} roles, {} failed; {seq_counters}): **{speedup:.1}x** (vs the walk's calls x 20 ms, {}: {speedup_vs_latency:.1}x)",
            secs(ours),
            secs(sequential),
            walk.roles,
            walk.failures,
            secs(calls_x_latency)
        ),
        format!(">= {LIST_MIN_SPEEDUP}x faster, zero failures"),
        Some(speedup >= LIST_MIN_SPEEDUP && failures == 0 && walk.failures == 0),
    );
    Ok(())
}

/// 5: `sso populate` over 1,000 x 3 under the same conditions, twice.
pub(super) fn populate(sso: &Sso, emulator: &Emulator, report: &mut Report) -> Result<()> {
    eprintln!("bench: 5. populate, 1,000 accounts x 3 roles");
    let knobs = r#"{"accounts":1000,"roles_per_account":3,"latency_ms":20,"throttle_every":10}"#;
    emulator.configure(knobs)?;
    report.command(format!("POST /emulator/config {knobs}"));
    let args = ["populate", "--sso-session", SESSION];
    let config = sso.home.join(".aws").join("config");

    let before = emulator.stats()?;
    let first = sso.run_logged(&args, Duration::from_secs(600))?;
    let after = emulator.stats()?;
    let first_counters = Counters::delta(&before, &after);
    let text = std::fs::read_to_string(&config).context("reading the populated config")?;
    let profiles = text.matches("[profile ").count();

    let before = emulator.stats()?;
    let second = sso.run_logged(&args, Duration::from_secs(600))?;
    let after = emulator.stats()?;
    let second_counters = Counters::delta(&before, &after);
    let unchanged = std::fs::read_to_string(&config)? == text;
    report.command(format!("sso {}   # twice", args.join(" ")));

    for (name, run) in [("first", &first), ("second", &second)] {
        if !run.status.success() {
            eprintln!(
                "bench: {name} `sso populate` exited {}: {}",
                run.status,
                run.stderr.trim()
            );
        }
    }
    let summary = |run: &Logged| {
        run.stderr
            .lines()
            .find(|line| line.contains("profiles") && line.contains("unchanged"))
            .map_or_else(|| "no summary".to_owned(), |line| line.trim().to_owned())
    };
    let ok = first.status.success() && second.status.success() && unchanged;
    report.row(
        "5",
        "`sso populate`, 1,000 accounts x 3 roles, 20 ms latency, 429 every 10th call",
        format!(
            "first {} (exit {}; {first_counters}; `{}`; {profiles} profiles in the file); second {} (exit {}; {second_counters}; file {})",
            secs(first.wall),
            code(first.status),
            summary(&first).replace(&config.display().to_string(), "~/.aws/config"),
            secs(second.wall),
            code(second.status),
            if unchanged { "unchanged" } else { "CHANGED" }
        ),
        "zero failures; second run changes nothing".to_owned(),
        Some(ok),
    );
    Ok(())
}

/// What [`sequential_walk`] found.
struct Walk {
    roles: usize,
    failures: usize,
}

/// The baseline of item 4: what a simple client does, one blocking request at a time.
///
/// `GET /assignment/accounts` page after page ([`SEQUENTIAL_PAGE_SIZE`] per page, as `sso`
/// requests), then `GET /assignment/roles?account_id=…` for each account in order, following
/// `nextToken`.
/// A 429 is retried after a fixed 100 ms pause (at most 20 times per request); any other
/// non-200 answer counts as a failure and skips that account. One TCP connection per request
/// (on loopback that costs well under a millisecond against 20 ms latency).
fn sequential_walk(url: &str, token: &str) -> Result<Walk> {
    let mut accounts = Vec::new();
    let listed = follow_pages(
        url,
        token,
        ("/assignment/accounts", &[]),
        ("accountList", "accountId"),
        &mut accounts,
    )?;
    if !listed {
        bail!("the sequential walk could not list the accounts");
    }
    let mut roles = 0;
    let mut failures = 0;
    for account in &accounts {
        let mut names = Vec::new();
        let listed = follow_pages(
            url,
            token,
            ("/assignment/roles", &[("account_id", account)]),
            ("roleList", "roleName"),
            &mut names,
        )?;
        failures += usize::from(!listed);
        roles += names.len();
    }
    Ok(Walk { roles, failures })
}

/// `GET PATH?max_result=…&QUERY` page after page, following `nextToken`, adding the `FIELD` of
/// every entry of each page's `LIST` to `values`; whether the last page was reached (`false`
/// after an error answer or a page that is not the JSON expected).
fn follow_pages(
    url: &str,
    token: &str,
    (path, query): (&str, &[(&str, &str)]),
    (list, field): (&str, &str),
    values: &mut Vec<String>,
) -> Result<bool> {
    let page_size = SEQUENTIAL_PAGE_SIZE.to_string();
    let mut next: Option<String> = None;
    loop {
        let mut pairs = vec![("max_result", page_size.as_str())];
        pairs.extend_from_slice(query);
        if let Some(next) = &next {
            pairs.push(("next_token", next));
        }
        let Some(page) = portal_get(&format!("{url}{path}"), &pairs, token)?
            .and_then(|body| PortalPage::parse(&body, list, field).ok())
        else {
            return Ok(false);
        };
        values.extend(page.values);
        next = page.next_token;
        if next.is_none() {
            return Ok(true);
        }
    }
}

/// One page of `ListAccounts` or `ListAccountRoles`.
struct PortalPage {
    /// The `field` of every entry of the page's list.
    values: Vec<String>,
    next_token: Option<String>,
}

impl PortalPage {
    /// Reads `{"LIST": [{"FIELD": "...", ...}, ...], "nextToken": "..."}`.
    fn parse(body: &str, list: &str, field: &str) -> Result<Self> {
        let page: Value = serde_json::from_str(body).context("a portal page that is not JSON")?;
        let values = page[list]
            .as_array()
            .context("a portal page without its list")?
            .iter()
            .filter_map(|entry| entry[field].as_str())
            .map(str::to_owned)
            .collect();
        let next_token = page["nextToken"].as_str().map(str::to_owned);
        Ok(Self { values, next_token })
    }
}

/// One portal GET with the retry-after-429 rule; `None` for any other error answer.
fn portal_get(url: &str, query: &[(&str, &str)], token: &str) -> Result<Option<String>> {
    for _ in 0..=20 {
        let response = http_get(url, query, &[("x-amz-sso_bearer_token", token)])?;
        match response.status {
            200 => return Ok(Some(response.body)),
            429 => std::thread::sleep(SEQUENTIAL_RETRY_PAUSE),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_pages_are_read() {
        let body = r#"{"accountList":[{"accountId":"111111111111"},{"accountId": "2"}],"nextToken":"emu-next-x"}"#;
        let page = PortalPage::parse(body, "accountList", "accountId").unwrap();
        assert_eq!(page.values, ["111111111111", "2"]);
        assert_eq!(page.next_token.as_deref(), Some("emu-next-x"));
        let last = PortalPage::parse(
            r#"{"roleList":[],"nextToken":null}"#,
            "roleList",
            "roleName",
        );
        assert!(last.unwrap().next_token.is_none());
        assert!(PortalPage::parse("<html>", "roleList", "roleName").is_err());
    }
}
