//! Opening a browser for real, with `$BROWSER` pointing at a script.

use std::time::Duration;

use crate::browser::{AttemptFailure, BrowserCommand, BrowserError, Platform, open_url, open_with};
use crate::env::Env;

const URL: &str = "http://127.0.0.1:1/authorize?response_type=code&state=a b;$(touch pwned)";

#[cfg(unix)]
#[test]
fn browser_variable_runs_the_command_with_the_url() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("fake-browser");
    let out = dir.path().join("opened.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}.tmp'\nmv '{0}.tmp' '{0}'\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

    let env = Env::from_vars([("BROWSER", format!("{} %s", script.display()))]);
    let started = open_url(URL, &env, Platform::Linux { wsl: false }).unwrap();
    assert_eq!(started.program, script.display().to_string());

    // The child runs detached; wait for it to write its argument (bounded, not timed).
    for _ in 0..500 {
        if out.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), URL);
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn commands_that_cannot_start_are_skipped_then_reported() {
    let missing = |name: &str| BrowserCommand {
        program: format!("/nonexistent/sso-driver-test/{name}"),
        args: vec![],
    };
    let error = open_with(vec![missing("first"), missing("second")]).unwrap_err();
    // In-crate, `#[non_exhaustive]` does not apply: the pattern is irrefutable.
    let BrowserError::NotOpened { attempts } = &error;
    assert_eq!(attempts.len(), 2);
    assert!(matches!(
        &attempts[0].failure,
        AttemptFailure::Spawn(error) if error.kind() == std::io::ErrorKind::NotFound
    ));
    assert_eq!(
        error.to_string(),
        "no browser could be opened (`/nonexistent/sso-driver-test/first` was not found; \
         `/nonexistent/sso-driver-test/second` was not found)"
    );
    assert_eq!(
        open_with(Vec::new()).unwrap_err().to_string(),
        "no browser could be opened (no command to try)"
    );
}

#[cfg(unix)]
#[test]
fn commands_that_exit_with_a_failure_are_skipped() {
    let command = |program: &str| BrowserCommand {
        program: program.to_owned(),
        args: vec!["http://127.0.0.1:1/".to_owned()],
    };
    let error = open_with(vec![command("false")]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "no browser could be opened (`false` exited with status 1)"
    );
    // The next candidate gets its turn; one that exits successfully opened the URL.
    let opened = open_with(vec![command("false"), command("true")]).unwrap();
    assert_eq!(opened.program, "true");
    // `BROWSER=false` falls through to the platform's opener.
    let env = Env::from_vars([("BROWSER", "false:true")]);
    assert_eq!(
        open_url(URL, &env, Platform::Linux { wsl: false })
            .unwrap()
            .program,
        "true"
    );
}
