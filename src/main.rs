//! The `strata` command: a thin host over the core library.

#[global_allocator]
static ALLOCATOR: strata::Allocator = strata::Allocator;

fn main() -> std::process::ExitCode {
    strata::cli::main()
}
