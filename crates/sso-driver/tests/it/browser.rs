//! Opening a browser for real, with `$BROWSER` pointing at a script.

use std::time::Duration;

use sso_driver::browser::{BrowserCommand, BrowserError, Platform, open_url, open_with};
use sso_driver::env::Env;

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
    let BrowserError::Spawn { tried, source } = &error else {
        panic!("{error}")
    };
    assert_eq!(
        tried,
        "/nonexistent/sso-driver-test/first, /nonexistent/sso-driver-test/second"
    );
    assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    assert!(
        error
            .to_string()
            .starts_with("could not start a browser (tried /nonexistent/"),
        "{error}"
    );
    assert!(open_with(Vec::new()).is_err());
}
