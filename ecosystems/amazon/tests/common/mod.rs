//! vunnel's provider fixtures, from customs-testkit (one reader for every ecosystem's tests).
#![allow(unused_imports)]

pub use customs_testkit::{
    VUNNEL_ARCHIVE as ARCHIVE, vunnel_fixed_in as snapshot_fixed_in, vunnel_fixtures as vunnel,
};
