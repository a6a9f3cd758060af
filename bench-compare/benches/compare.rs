//! The same generated config (2,500 profiles, 20 sso-sessions, about 450 KB) parsed and resolved
//! by sso-config and by `aws_config::profile::load`, which reads it from an in-memory `Fs`; in the
//! same run, sso-config's lossless parse alone against a parse that keeps nothing
//! (`testgen::keep_nothing_scan`), for the "lossless costs at most 2x" target.
//!
//! Run with `cargo bench` in `bench-compare/`.

#![allow(clippy::unwrap_used, missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aws_config::profile::profile_file::ProfileFiles;
use aws_types::os_shim_internal::{Env, Fs};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sso_config::{Document, ProfileSet, testgen};

/// Polls a future that never waits (the in-memory `Fs` completes at once).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

fn ours(text: &str) -> usize {
    let doc = Document::parse(text);
    let set = ProfileSet::from_documents(Some(("config", &doc)), None);
    set.profiles().len() + set.sso_sessions().len()
}

fn benches(c: &mut Criterion) {
    let text = testgen::generate(2_500, 20);
    let fs = Fs::from_slice(&[("/home/.aws/config", text.as_str())]);
    let env = Env::from_slice(&[("HOME", "/home")]);
    let files = ProfileFiles::default();
    let theirs = ready(aws_config::profile::load(&fs, &env, &files, None)).unwrap();
    assert_eq!(theirs.profiles().count(), 2_501);
    assert_eq!(ours(&text), 2_501 + 20);

    let mut group = c.benchmark_group("config_2500_profiles");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("sso_config_parse_and_resolve", |b| {
        b.iter(|| ours(black_box(&text)))
    });
    group.bench_function("aws_config_profile_load", |b| {
        b.iter(|| {
            ready(aws_config::profile::load(
                black_box(&fs),
                &env,
                &files,
                None,
            ))
            .unwrap()
            .profiles()
            .count()
        })
    });
    group.bench_function("sso_config_lossless_parse", |b| {
        b.iter(|| Document::parse(black_box(&text)).line_count())
    });
    group.bench_function("keep_nothing_scan", |b| {
        b.iter(|| testgen::keep_nothing_scan(black_box(&text)))
    });
    group.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
