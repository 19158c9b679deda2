use std::process::ExitCode;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits 2, the same code as any other usage error.
    let cli = k8sjoin_check::cli::parse_from_env();
    let code = k8sjoin_check::run(cli);
    ExitCode::from(u8::try_from(code).unwrap_or(3))
}
