//! The `sso` binary: everything lives in the library so it can be tested in-process.

fn main() -> std::process::ExitCode {
    sso_cli::main_impl()
}
