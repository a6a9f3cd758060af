//! Deterministic generator of realistic config files, shared by the benches, `bench-compare/`
//! and the tests. Not part of the supported API.

use std::fmt::Write as _;

/// A config file with `profiles` SSO profiles spread over `sessions` sso-sessions, with comments,
/// inline comments, blank lines and an `s3 =` sub-property block in every fourth profile.
///
/// `generate(2_500, 20)` is about 450 KB.
pub fn generate(profiles: usize, sessions: usize) -> String {
    let sessions = sessions.max(1);
    let mut out = String::with_capacity(profiles * 190 + sessions * 160);
    out.push_str(
        "# Generated AWS config for benchmarks.\n[default]\nregion = us-east-1\noutput = json\n\n",
    );
    for s in 0..sessions {
        let _ = write!(
            out,
            "# Identity Center instance {s}\n[sso-session corp-{s}]\nsso_start_url = https://d-{s:010}.awsapps.com/start\nsso_region = {}\nsso_registration_scopes = sso:account:access\n\n",
            REGIONS[s % REGIONS.len()]
        );
    }
    for p in 0..profiles {
        let _ = write!(
            out,
            "# team {team}, account {p}\n[profile dev-{p}]\nsso_session = corp-{session}\nsso_account_id = {account:012}\nsso_role_name = {role}   # least privilege\nregion = {region}\noutput = json\n",
            team = p % 37,
            session = p % sessions,
            account = 100_000_000_000_u64 + p as u64,
            role = ROLES[p % ROLES.len()],
            region = REGIONS[p % REGIONS.len()],
        );
        if p % 4 == 0 {
            out.push_str("s3 =\n  max_concurrent_requests = 20\n  addressing_style = path\n");
        }
        out.push('\n');
    }
    out
}

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
];
const ROLES: &[&str] = &["ReadOnly", "PowerUser", "AdministratorAccess", "Billing"];
