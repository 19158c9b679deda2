use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits 2, the same code as any other usage error.
    let cli = k8sjoin_check::cli::Cli::parse();
    let code = k8sjoin_check::run(cli);
    ExitCode::from(u8::try_from(code).unwrap_or(3))
}
