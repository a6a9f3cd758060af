//! The `sso` command line: argument parsing, prompts, output and exit codes over `sso-driver`.
