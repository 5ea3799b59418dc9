//! What the binary's `sandbox` subcommand does, as a standalone launcher: the integration tests
//! use it as `Config::launcher`. `sandbox --rw <dir> --ro <dir> --memory <MiB> -- <program> …`

use oxwrite_runtimes::sandbox::{SandboxArgs, exec};

fn main() {
    let args = match SandboxArgs::parse(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("sandbox: {e}");
            std::process::exit(2);
        }
    };
    let error = exec(args);
    eprintln!("sandbox: {error}");
    std::process::exit(127);
}
