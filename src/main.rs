//! The `tech4all` binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    tech4all::cli::run()
}
