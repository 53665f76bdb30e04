//! The `rsible` binary: everything lives in the library so it can be tested.

fn main() -> std::process::ExitCode {
    rsible::cli::main()
}
