//! The `maven` version scheme (`customs_maven::MavenScheme`) on arbitrary input: see `common/version.rs`.
#![no_main]

#[path = "common/version.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check(&customs_maven::MavenScheme, data));
