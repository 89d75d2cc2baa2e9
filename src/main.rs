//! The `strata` command: a thin host over the core library.

fn main() -> std::process::ExitCode {
    strata::cli::main()
}
