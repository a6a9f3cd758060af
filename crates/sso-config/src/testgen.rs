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

/// The "parse that keeps nothing" baseline of the benches: one pass that recognises the same line
/// kinds as the parser (blank, comment, header, property with its trimmed key and value and inline
/// comment, continuation) and stores nothing. It returns a checksum of what it saw so that the
/// work cannot be optimised away. Its scanning is as tuned as the parser's (a vectorised search
/// for line ends, one byte loop per property line), so the ratio against [`crate::Document::parse`]
/// measures what keeping the lossless model costs.
pub fn keep_nothing_scan(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut checksum = 0_usize;
    let mut offset = usize::from(text.starts_with('\u{feff}')) * 3;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        let (kind, length) = match rest[0] {
            b'\n' | b'\r' | b' ' | b'\t' | b'#' | b';' | b'[' => {
                let length = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                let line = &rest[..length];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let kind = match line.iter().position(|&b| b != b' ' && b != b'\t') {
                    None => 1,
                    Some(_) if matches!(line[0], b'#' | b';') => 2,
                    Some(_) if line[0] == b'[' => {
                        let head = line
                            .iter()
                            .position(|&b| b == b'#' || b == b';')
                            .unwrap_or(line.len());
                        3 + usize::from(line[..head].trim_ascii_end().ends_with(b"]"))
                    }
                    Some(first) => 5 + line.len() - first,
                };
                (kind, length)
            }
            _ => {
                // Property: `=` and an inline comment (a `#` or `;` after whitespace) in one pass.
                let mut equals = None;
                let mut head = None;
                let mut length = rest.len();
                for (index, &b) in rest.iter().enumerate() {
                    match b {
                        b'\n' => {
                            length = index;
                            break;
                        }
                        b'=' if equals.is_none() && head.is_none() => equals = Some(index),
                        b'#' | b';'
                            if head.is_none() && matches!(rest[index - 1], b' ' | b'\t') =>
                        {
                            head = Some(index);
                        }
                        _ => {}
                    }
                }
                let end = head.unwrap_or(length);
                let kind = match equals {
                    Some(at) => {
                        rest[..at].trim_ascii().len() * 7 + rest[at + 1..end].trim_ascii().len()
                    }
                    None => 0,
                };
                (kind, length)
            }
        };
        checksum = checksum.wrapping_mul(31).wrapping_add(kind);
        offset += length + 1;
    }
    checksum
}
