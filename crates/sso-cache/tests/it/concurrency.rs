//! Many processes on one entry: no torn reads, and exactly one refresh among contenders.
//!
//! The parent tests spawn this test binary again (`support::child`) with `SSO_CACHE_CHILD`
//! naming a role; `child_entry_point` dispatches on it. Children are separate processes with their
//! own file handles, as concurrent `sso` or `credential_process` invocations would be.

use crate::support::{NOW, child, sample_token};
use sso_cache::{CacheDir, CacheKey, CachedToken, EXPIRY_WINDOW};
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

const CHILD_TEST: &str = "concurrency::child_entry_point";

/// The body of every child process; a no-op in the parent (no `SSO_CACHE_CHILD`).
#[test]
fn child_entry_point() {
    let Ok(role) = std::env::var("SSO_CACHE_CHILD") else {
        return;
    };
    let dir = PathBuf::from(std::env::var("SSO_CACHE_DIR").unwrap());
    let id: usize = std::env::var("SSO_CACHE_ID")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    match role.as_str() {
        "write-once" => write_once(&dir),
        "hammer" => hammer(&dir, id),
        "refresh" => refresh(&dir),
        "write-until-killed" => write_until_killed(&dir),
        other => panic!("unknown child role {other}"),
    }
}

fn wait_for_go(dir: &Path) {
    let go = dir.join("go");
    for _ in 0..20_000 {
        if go.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("the parent never created {}", go.display());
}

fn write_once(dir: &Path) {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let umask = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    assert!(
        umask.ends_with("0000"),
        "the child should run under umask 000, has {umask}"
    );
    let cache = CacheDir::new(dir);
    let key = CacheKey::for_session("umask");
    cache.write(&key, &sample_token("AT", NOW)).unwrap();
    drop(cache.lock_token(&key, Duration::ZERO).unwrap());
}

/// Writes and reads one entry 200 times; every read must be a complete entry. Token lengths
/// vary per process and iteration, so a torn file would not parse or would mix two writers.
fn hammer(dir: &Path, id: usize) {
    let cache = CacheDir::new(dir.join("cache"));
    let key = CacheKey::for_session("shared");
    wait_for_go(dir);
    let mut torn = 0;
    for i in 0..200 {
        let body = format!("p{id}-i{i}-{}", "x".repeat((id * 37 + i * 11) % 900));
        let mut token = sample_token(&body, NOW);
        token.client_id = Some(body.clone());
        cache.write(&key, &token).unwrap();
        match cache.read::<CachedToken>(&key) {
            Ok(Some(read))
                if read.client_id.as_deref() == Some(read.access_token.expose_secret()) => {}
            other => {
                torn += 1;
                eprintln!(
                    "torn read in process {id}: {:?}",
                    other.map(|t| t.map(|t| t.client_id))
                );
            }
        }
    }
    assert_eq!(torn, 0, "process {id} saw {torn} torn reads");
}

/// Rewrites one large entry forever (the parent kills it with SIGKILL at a random moment).
/// Entries are large so that a kill often lands inside a write.
fn write_until_killed(dir: &Path) {
    let cache = CacheDir::new(dir.join("cache"));
    let key = CacheKey::for_session("killed");
    for i in 0usize.. {
        let body = format!("w{i}-{}", "y".repeat(100_000 + (i * 7919) % 100_000));
        let mut token = sample_token(&body, NOW);
        token.client_id = Some(body);
        cache.write(&key, &token).unwrap();
        if i == 0 {
            fs::write(dir.join("started"), "").unwrap();
        }
    }
}

/// The driver's protocol: read; if it needs a refresh, lock, re-read, refresh only if still
/// needed, write under the lock. Each refresh appends a line to `refreshes.log`.
fn refresh(dir: &Path) {
    let cache = CacheDir::new(dir.join("cache"));
    let key = CacheKey::for_session("contended");
    wait_for_go(dir);
    let token: CachedToken = cache.read(&key).unwrap().unwrap();
    let final_token = if token.expires_within(NOW, EXPIRY_WINDOW) {
        let guard = cache.lock_token(&key, Duration::from_secs(60)).unwrap();
        let again = guard.read().unwrap().unwrap();
        if again.expires_within(NOW, EXPIRY_WINDOW) {
            let mut log = OpenOptions::new()
                .append(true)
                .create(true)
                .open(dir.join("refreshes.log"))
                .unwrap();
            writeln!(log, "refresh by {}", std::process::id()).unwrap();
            // Stand-in for the CreateToken round trip, so that the others pile up on the lock.
            std::thread::sleep(Duration::from_millis(100));
            let mut refreshed = again.clone();
            refreshed.access_token =
                sso_cache::AccessToken::new(format!("refreshed-by-{}", std::process::id()));
            refreshed.expires_at = NOW.saturating_add(Duration::from_secs(8 * 3600));
            guard.write(&refreshed).unwrap();
            refreshed
        } else {
            again
        }
    } else {
        token
    };
    let mut seen = OpenOptions::new()
        .append(true)
        .create(true)
        .open(dir.join("seen.log"))
        .unwrap();
    writeln!(seen, "{}", final_token.access_token.expose_secret()).unwrap();
}

fn spawn(role: &str, dir: &Path, count: usize) -> Vec<Child> {
    (0..count)
        .map(|id| {
            child(role, CHILD_TEST)
                .env("SSO_CACHE_DIR", dir)
                .env("SSO_CACHE_ID", id.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

fn wait_all(children: Vec<Child>) {
    let mut failures = Vec::new();
    for child in children {
        let output = child.wait_with_output().unwrap();
        if !output.status.success() {
            failures.push(String::from_utf8_lossy(&output.stderr).into_owned());
        }
    }
    assert!(
        failures.is_empty(),
        "{} children failed:\n{}",
        failures.len(),
        failures.join("\n---\n")
    );
}

#[test]
fn thirty_two_processes_writing_and_reading_never_see_a_torn_file() {
    let tmp = tempfile::tempdir().unwrap();
    let children = spawn("hammer", tmp.path(), 32);
    fs::write(tmp.path().join("go"), "").unwrap();
    wait_all(children);
    let cache = CacheDir::new(tmp.path().join("cache"));
    // Only the entry remains: every temporary file was renamed into place.
    let names: Vec<_> = fs::read_dir(cache.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn sixteen_contenders_needing_a_refresh_perform_exactly_one() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path().join("cache"));
    let key = CacheKey::for_session("contended");
    // Five minutes left: inside the 15-minute refresh window.
    cache
        .write(
            &key,
            &sample_token("old", NOW.saturating_add(Duration::from_secs(300))),
        )
        .unwrap();
    let children = spawn("refresh", tmp.path(), 16);
    fs::write(tmp.path().join("go"), "").unwrap();
    wait_all(children);
    let refreshes = fs::read_to_string(tmp.path().join("refreshes.log")).unwrap();
    assert_eq!(refreshes.lines().count(), 1, "{refreshes}");
    let seen = fs::read_to_string(tmp.path().join("seen.log")).unwrap();
    let mut distinct: Vec<_> = seen.lines().collect();
    assert_eq!(distinct.len(), 16);
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 1, "{seen}");
    assert!(distinct[0].starts_with("refreshed-by-"), "{seen}");
}

#[test]
fn a_writer_killed_mid_write_leaves_the_old_or_the_new_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = CacheDir::new(tmp.path().join("cache"));
    let key = CacheKey::for_session("killed");
    let mut initial = sample_token("initial", NOW);
    initial.client_id = Some("initial".into());
    cache.write(&key, &initial).unwrap();
    for round in 0..8u64 {
        let _ = fs::remove_file(tmp.path().join("started"));
        let mut writer = child("write-until-killed", CHILD_TEST)
            .env("SSO_CACHE_DIR", tmp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..20_000 {
            if tmp.path().join("started").exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(3 + round * 7));
        writer.kill().unwrap(); // SIGKILL: no destructor, no cleanup
        writer.wait().unwrap();
        let read: CachedToken = cache
            .read(&key)
            .unwrap_or_else(|e| panic!("round {round}: {e}"))
            .unwrap();
        assert_eq!(
            read.client_id.as_deref(),
            Some(read.access_token.expose_secret()),
            "round {round}: a torn entry"
        );
    }
    // A kill between create and rename may leave a temporary file; it never has the entry's name
    // and is recognisably a temporary file, private to the user.
    let mut leftovers = Vec::new();
    for entry in fs::read_dir(cache.dir()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name == key.file_name() {
            continue;
        }
        assert!(sso_cache::file::is_temp_name(&name), "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(
                entry.metadata().unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        leftovers.push(entry.path());
    }
    // Once they are older than a minute, the next writer removes them.
    for path in &leftovers {
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(std::time::SystemTime::now() - Duration::from_secs(120))
            .unwrap();
    }
    let token: CachedToken = cache.read(&key).unwrap().unwrap();
    cache.write(&key, &token).unwrap();
    for path in &leftovers {
        assert!(!path.exists(), "{} survived the next write", path.display());
    }
}
