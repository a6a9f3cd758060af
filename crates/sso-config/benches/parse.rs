//! Criterion benches: parse + semantic resolution of a generated 2,500-profile config, against two
//! baselines: a parse that keeps nothing (`testgen::keep_nothing_scan`: the same line kinds
//! recognised, nothing stored; the target is `lossless_parse` at most 2x this), and a
//! minimal scanner that builds only the profile and session maps.
//!
//! Run with `cargo bench -p sso-config --bench parse`.

#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sso_config::{Document, ProfileSet, testgen};

/// The minimal-maps baseline: the same profile and session maps (keys lower-cased, last wins,
/// inline comments and continuations handled), with no trivia, spans or diagnostics kept.
fn baseline(text: &str) -> (HashMap<String, HashMap<String, String>>, usize) {
    let mut profiles: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut sessions: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<&mut HashMap<String, String>> = None;
    let mut last_key: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_matches([' ', '\t']);
        if trimmed.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with('[') {
            last_key = None;
            let head = line.split(['#', ';']).next().unwrap_or("").trim();
            let inner = head.trim_start_matches('[').trim_end_matches(']').trim();
            current = match inner.split_once([' ', '\t']) {
                Some(("profile", name)) => {
                    Some(profiles.entry(name.trim().to_owned()).or_default())
                }
                Some(("sso-session", name)) => {
                    Some(sessions.entry(name.trim().to_owned()).or_default())
                }
                None if inner == "default" => {
                    Some(profiles.entry("default".to_owned()).or_default())
                }
                _ => None,
            };
        } else if line.starts_with([' ', '\t']) {
            if let (Some(section), Some(key)) = (current.as_deref_mut(), &last_key)
                && let Some(value) = section.get_mut(key)
            {
                value.push('\n');
                value.push_str(line.trim());
            }
        } else if let Some(section) = current.as_deref_mut() {
            let cut = line
                .find(" #")
                .or_else(|| line.find(" ;"))
                .unwrap_or(line.len());
            if let Some((k, v)) = line[..cut].split_once('=') {
                let key = k.trim().to_ascii_lowercase();
                section.insert(key.clone(), v.trim().to_owned());
                last_key = Some(key);
            }
        }
    }
    let count = sessions.len();
    (profiles, count)
}

fn parse_and_resolve(text: &str) -> usize {
    let doc = Document::parse(text);
    let set = ProfileSet::from_documents(Some(("config", &doc)), None);
    set.profiles().len() + set.sso_sessions().len()
}

fn benches(c: &mut Criterion) {
    let text = testgen::generate(2_500, 20);
    let mut group = c.benchmark_group("config_2500_profiles");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("keep_nothing_scan", |b| {
        b.iter(|| testgen::keep_nothing_scan(black_box(&text)))
    });
    group.bench_function("minimal_maps_baseline", |b| {
        b.iter(|| baseline(black_box(&text)).0.len())
    });
    group.bench_function("lossless_parse", |b| {
        b.iter(|| Document::parse(black_box(&text)).line_count())
    });
    group.bench_function("lossless_parse_and_resolve", |b| {
        b.iter(|| parse_and_resolve(black_box(&text)))
    });
    group.bench_function("parse_resolve_sso_all_profiles", |b| {
        b.iter(|| {
            let doc = Document::parse(black_box(&text));
            let set = ProfileSet::from_documents(Some(("config", &doc)), None);
            let mut regions = BTreeMap::new();
            for name in set.profiles().keys() {
                if let Ok(sso) = set.resolve_sso(name) {
                    *regions.entry(sso.region.as_str().len()).or_insert(0) += 1;
                }
            }
            regions.len()
        })
    });
    group.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
