//! The `mvlc` command: see `mvlc --help` and [`mvlc::driver`].

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = mvlc::driver::main_with_args(args);
    std::process::exit(code);
}
