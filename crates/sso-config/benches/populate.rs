//! `sso populate` planning at scale: 1,000 accounts x 3 roles written into a hand-maintained
//! config (50 hand-written profiles with comments), the idempotent re-run over the resulting
//! ~15,000-line file, and a prune of half the profiles. Budget: each well under a second.
//!
//! Run with `cargo bench -p sso-config --bench populate -- --warm-up-time 1 --measurement-time 3`.

#![allow(clippy::unwrap_used, missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sso_config::populate::{PlanOptions, ProfileTemplate, RoleEntry, plan};

const ACCOUNTS: usize = 1_000;
const ROLES: [&str; 3] = ["AdministratorAccess", "ReadOnlyAccess", "Billing"];

/// A hand-maintained config: an sso-session, 50 profiles, comments and blank lines.
fn hand_written() -> String {
    let mut text = String::from(
        "# ~/.aws/config, maintained by hand\n\n[default]\nregion = eu-west-1\noutput = json\n\n\
         ; the company SSO\n[sso-session corp]\nsso_start_url = https://d-123.awsapps.com/start\n\
         sso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
    );
    for index in 0..50 {
        let _ = write!(
            text,
            "\n# team {index}: ask #platform before changing\n[profile team-{index}]\n\
             sso_session = corp\nsso_account_id = {:012}\nsso_role_name = Developer\n\
             region = us-west-2   ; pinned\n",
            900_000_000_000_u64 + index
        );
    }
    text
}

fn entries(accounts: usize) -> Vec<RoleEntry> {
    (0..accounts)
        .flat_map(|account| {
            ROLES.iter().map(move |role| RoleEntry {
                account_id: format!("{:012}", 100_000_000_000 + account),
                account_name: Some(format!("Account {account}")),
                email: Some(format!("aws+{account}@example.com")),
                role_name: (*role).to_owned(),
            })
        })
        .collect()
}

fn populate(c: &mut Criterion) {
    let template = ProfileTemplate::default();
    let base = hand_written();
    let all = entries(ACCOUNTS);
    let half = entries(ACCOUNTS / 2);
    let add = PlanOptions::default();
    let prune = PlanOptions {
        prune: true,
        ..PlanOptions::default()
    };

    let first = plan(&base, "corp", &all, &template, &add).unwrap();
    assert_eq!(first.added.len(), 3_000);
    let pruned = plan(&first.new_text, "corp", &half, &template, &prune).unwrap();
    assert_eq!(pruned.removed.len(), 1_500);

    let mut group = c.benchmark_group("populate");
    group.sample_size(10);
    group.bench_function("add 3,000 profiles to 50 hand-written", |b| {
        b.iter(|| plan(black_box(&base), "corp", black_box(&all), &template, &add).unwrap());
    });
    group.bench_function("idempotent re-run over 3,050 profiles", |b| {
        b.iter(|| {
            let again = plan(black_box(&first.new_text), "corp", &all, &template, &add).unwrap();
            assert!(!again.has_changes());
            again
        });
    });
    group.bench_function("prune 1,500 of 3,000", |b| {
        b.iter(|| plan(black_box(&first.new_text), "corp", &half, &template, &prune).unwrap());
    });
    group.finish();
}

criterion_group!(benches, populate);
criterion_main!(benches);
