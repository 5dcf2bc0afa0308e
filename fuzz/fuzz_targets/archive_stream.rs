//! A `docker save` stream read in one pass (the docker: transport) from arbitrary bytes.
#![no_main]

use std::sync::OnceLock;

use customs_analyzer::Dispatcher;
use customs_image::{ImageRef, WalkLimits, read_archive_stream};
use libfuzzer_sys::fuzz_target;

fn dispatcher() -> &'static Dispatcher {
    static D: OnceLock<Dispatcher> = OnceLock::new();
    D.get_or_init(|| Dispatcher::new(customs_ecosystems::analyzers()).expect("valid analyzers"))
}

fuzz_target!(|data: &[u8]| {
    let limits = WalkLimits { max_uncompressed: 16 << 20, max_shared_file: 1 << 20, max_spooled_file: 4 << 20, ..WalkLimits::default() };
    let reference = ImageRef::Docker("fuzz".into());
    let _ = read_archive_stream(&reference, data, "fuzz", dispatcher(), &limits);
});
