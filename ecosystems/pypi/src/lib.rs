//! The Python Package Index: PEP 440 version ordering and version specifiers.

pub mod version;

pub use version::{Op, Pep440Scheme, Pep440Specifier, Pep440Version, parse_specifiers};
