//! The `sso-emulator` binary: starts an emulator on 127.0.0.1, prints its base URL as the first
//! line of stdout, and serves until Ctrl-C. `sso-emulator --help` lists the flags.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use sso_emulator::{Emulator, EmulatorBuilder};

const USAGE: &str = "\
usage: sso-emulator [options]

Serves the SSO-OIDC and portal APIs, STS (POST /), a container-credentials endpoint
(/container/credentials) and IMDSv2 (/latest/...) on http://127.0.0.1:PORT and prints that
URL first.

options:
  --port N                       TCP port on 127.0.0.1 (default 0: any free port)
  --accounts N                   seeded accounts (default 3)
  --roles K                      roles per account (default 2)
  --page-size N                  default page size of listings (default 20)
  --latency-ms M                 delay before every API answer (default 0)
  --throttle-every N             429 on every Nth portal call (default 0: never)
  --auto-approve                 approve device codes at once
  --deny                         deny every authorization
  --no-enforce-poll-interval     never answer SlowDownException for fast polling
  --poll-interval-secs N         device flow interval (default 1)
  --token-lifetime-secs N        access token lifetime (default 3600)
  --registration-lifetime-secs N client registration lifetime (default 7776000)
  --code-lifetime-secs N         device and authorization code lifetime (default 600)
  --sts-throttle-every N         400 Throttling on every Nth STS call (default 0: never)
  --static-keys ID:SECRET        a long-term key pair STS accepts (an IAM user's)
  --mfa-code CODE                the only MFA code AssumeRole accepts (default: any 6 digits)
  --container-token TOKEN        the Authorization value the container endpoint requires
                                 (default emulator-container-authorization-token)
  --seed N                       seed for codes and tokens (default: random)
  -h, --help                     print this help
";

fn main() -> ExitCode {
    let builder = match parse_args(std::env::args().skip(1)) {
        Ok(Some(builder)) => builder,
        Ok(None) => {
            let _ = std::io::stdout().write_all(USAGE.as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "sso-emulator: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            let _ = writeln!(
                std::io::stderr(),
                "sso-emulator: cannot start the runtime: {err}"
            );
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let emulator = match builder.start().await {
            Ok(emulator) => emulator,
            Err(err) => {
                let _ = writeln!(std::io::stderr(), "sso-emulator: {err}");
                return ExitCode::FAILURE;
            }
        };
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{}", emulator.url())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
        drop(stdout);
        let _ = tokio::signal::ctrl_c().await;
        emulator.shutdown().await;
        ExitCode::SUCCESS
    })
}

/// Parses the flags into a builder; `Ok(None)` means `--help`.
fn parse_args(args: impl Iterator<Item = String>) -> Result<Option<EmulatorBuilder>, String> {
    let mut builder = Emulator::builder();
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        // `--flag=value` and `--flag value` are both accepted.
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (flag, None),
        };
        // Flags with text values.
        let text = |inline: Option<String>, args: &mut std::iter::Peekable<_>| {
            inline
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--static-keys" => {
                let raw: String = text(inline, &mut args)?;
                let (id, secret) = raw
                    .split_once(':')
                    .filter(|(id, secret)| !id.is_empty() && !secret.is_empty())
                    .ok_or("--static-keys needs ACCESS_KEY_ID:SECRET_ACCESS_KEY")?;
                builder = builder.static_keys(id, secret);
                continue;
            }
            "--mfa-code" => {
                builder = builder.mfa_code(&text(inline, &mut args)?);
                continue;
            }
            "--container-token" => {
                builder = builder.container_authorization_token(&text(inline, &mut args)?);
                continue;
            }
            _ => {}
        }
        let mut value = || -> Result<u64, String> {
            let raw = inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))?;
            raw.parse::<u64>()
                .map_err(|_| format!("{flag} needs a whole number, got {raw:?}"))
        };
        let as_u32 = |n: u64| u32::try_from(n).map_err(|_| format!("{flag} is too large"));
        builder = match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => builder.port(u16::try_from(value()?).map_err(|_| "--port is too large")?),
            "--accounts" => builder.accounts(as_u32(value()?)?),
            "--roles" | "--roles-per-account" => builder.roles_per_account(as_u32(value()?)?),
            "--page-size" => builder.page_size(as_u32(value()?)?),
            "--latency-ms" => builder.latency(Duration::from_millis(value()?)),
            "--throttle-every" => builder.throttle_every(as_u32(value()?)?),
            "--sts-throttle-every" => builder.sts_throttle_every(as_u32(value()?)?),
            "--poll-interval-secs" => builder.poll_interval(Duration::from_secs(value()?)),
            "--token-lifetime-secs" => builder.token_lifetime(Duration::from_secs(value()?)),
            "--registration-lifetime-secs" => {
                builder.registration_lifetime(Duration::from_secs(value()?))
            }
            "--code-lifetime-secs" => builder.code_lifetime(Duration::from_secs(value()?)),
            "--seed" => builder.seed(value()?),
            "--auto-approve" => builder.auto_approve(true),
            "--deny" => builder.deny(true),
            "--no-enforce-poll-interval" => builder.enforce_poll_interval(false),
            other => return Err(format!("unknown option {other}")),
        };
    }
    Ok(Some(builder))
}
