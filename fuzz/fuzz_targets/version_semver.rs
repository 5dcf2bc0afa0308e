//! The `semver` version scheme (`customs_cargo::SemverScheme`) on arbitrary input: see `common/version.rs`.
#![no_main]

#[path = "common/version.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check(&customs_cargo::SemverScheme, data));
