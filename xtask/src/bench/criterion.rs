//! Item 3: config parse + resolve of the 2,500-profile file, read from criterion's output (the
//! sso-config bench, or with `--with-aws-config` the comparison in `bench-compare/`).

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

use super::report::Report;

/// 3: the criterion numbers of the 2,500-profile config.
pub(super) fn config_parse(root: &Path, with_aws_config: bool, report: &mut Report) -> Result<()> {
    eprintln!("bench: 3. config parse + resolve (criterion)");
    if with_aws_config {
        let dir = root.join("bench-compare");
        let results = criterion(&dir, &["bench"])?;
        report.command("cd bench-compare && cargo bench".to_owned());
        let find = |name: &str| results.iter().find(|r| r.name.ends_with(name));
        let ours = find("sso_config_parse_and_resolve");
        let theirs = find("aws_config_profile_load");
        let text = match (ours, theirs) {
            (Some(o), Some(t)) => format!(
                "sso-config {} vs aws-config `profile::load` {} (**{:.1}x**)",
                o.mid,
                t.mid,
                t.mid_ns / o.mid_ns.max(1e-9)
            ),
            _ => format!("could not read the criterion output: {results:?}"),
        };
        report.row(
            "3",
            "config parse + resolve, 2,500 profiles (criterion, median estimate)",
            text,
            "none (comparison)".to_owned(),
            None,
        );
    } else {
        let results = criterion(
            root,
            &["bench", "-p", "sso-config", "--bench", "parse", "--locked"],
        )?;
        report.command("cargo bench -p sso-config --bench parse --locked".to_owned());
        let text = if results.is_empty() {
            "could not read the criterion output".to_owned()
        } else {
            results
                .iter()
                .map(|r| {
                    format!(
                        "{}: {}",
                        r.name.rsplit('/').next().unwrap_or(&r.name),
                        r.mid
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        report.row(
            "3",
            "config parse + resolve, 2,500 profiles (criterion, median estimate; aws-config not run: pass `--with-aws-config`)",
            text,
            "none (comparison)".to_owned(),
            None,
        );
    }
    Ok(())
}

#[derive(Debug)]
struct CriterionResult {
    name: String,
    /// The middle estimate as criterion prints it, e.g. `1.2345 ms`.
    mid: String,
    mid_ns: f64,
}

/// Runs `cargo ARGS` in `dir` and reads criterion's `time: [low mid high]` lines from stdout.
fn criterion(dir: &Path, args: &[&str]) -> Result<Vec<CriterionResult>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo {} (in {})", args.join(" "), dir.display());
    let output = Command::new(&cargo)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start `{cargo}`"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprint!("{stdout}");
    if !output.status.success() {
        bail!("`cargo {}` failed ({})", args.join(" "), output.status);
    }
    Ok(parse_criterion(&stdout))
}

fn parse_criterion(stdout: &str) -> Vec<CriterionResult> {
    let mut results = Vec::new();
    let mut last_name = String::new();
    for line in stdout.lines() {
        if let Some(at) = line.find("time:") {
            let name = line[..at].trim();
            let name = if name.is_empty() {
                last_name.clone()
            } else {
                name.to_owned()
            };
            let inner = line[at..]
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .map_or("", |(inner, _)| inner);
            let fields: Vec<&str> = inner.split_whitespace().collect();
            if let [_, _, value, unit, _, _] = fields.as_slice()
                && let Ok(number) = value.parse::<f64>()
            {
                let scale = match *unit {
                    "ps" => 1e-3,
                    "ns" => 1.0,
                    "µs" | "us" => 1e3,
                    "ms" => 1e6,
                    "s" => 1e9,
                    _ => f64::NAN,
                };
                results.push(CriterionResult {
                    name,
                    mid: format!("{value} {unit}"),
                    mid_ns: number * scale,
                });
            }
        } else if !line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            last_name = line.trim().to_owned();
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criterion_lines_are_read() {
        let out = "config_2500_profiles/keep_nothing_baseline\n                        time:   [1.0000 ms 1.5000 ms 2.0000 ms]\n                        thrpt:  [1 MiB/s 2 MiB/s 3 MiB/s]\nFound 2 outliers\nshort   time:   [10.0 µs 12.5 µs 13.0 µs]\n";
        let results = parse_criterion(out);
        assert_eq!(results.len(), 2);
        assert_eq!(
            results[0].name,
            "config_2500_profiles/keep_nothing_baseline"
        );
        assert_eq!(results[0].mid, "1.5000 ms");
        assert_eq!(results[1].name, "short");
        assert!((results[1].mid_ns - 12_500.0).abs() < 1e-6);
    }
}
