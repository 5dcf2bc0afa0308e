//! The layer walker with every registered analyzer: arbitrary bytes as a layer blob
//! (compressed or not). It must return an error or findings, never panic or hang.
#![no_main]

use std::sync::OnceLock;

use customs_analyzer::Dispatcher;
use customs_image::{WalkLimits, walk_layer};
use libfuzzer_sys::fuzz_target;

fn dispatcher() -> &'static Dispatcher {
    static D: OnceLock<Dispatcher> = OnceLock::new();
    D.get_or_init(|| Dispatcher::new(customs_ecosystems::analyzers()).expect("valid analyzers"))
}

fuzz_target!(|data: &[u8]| {
    let limits = WalkLimits { max_uncompressed: 16 << 20, max_shared_file: 1 << 20, max_spooled_file: 4 << 20, ..WalkLimits::default() };
    let _ = walk_layer(Box::new(std::io::Cursor::new(data.to_vec())), "fuzz", None, None, None, dispatcher(), &limits);
});
