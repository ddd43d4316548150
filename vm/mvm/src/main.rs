//! The `mvm` binary: see the library (`mvm::execute`) for the commands.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(mvm::execute(&args, &mut mvm::Io::real()))
}
