use std::process::ExitCode;

/// Every event is a tree of small strings and maps, allocated on one thread
/// and freed on another; mimalloc handles that pattern much better than
/// glibc's malloc (the parser benches run with it too, for the same figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    sluice::cli::main()
}
