//! CBL-Mariner and Azure Linux: Microsoft's OVAL feed (`mariner-oval`) and the rpm matcher
//! for `mariner` and `azurelinux`.
//!
//! Every input is untrusted: the document size, element nesting and kept text are capped
//! (see [`oval`]), and malformed documents are errors naming the input, never panics.

pub mod feed;
pub mod matcher;
/// The OVAL reader, shared with the other OVAL-based feeds (crates/customs-oval).
pub use customs_oval as oval;

pub use feed::MarinerOvalParser;
pub use matcher::MarinerMatcher;
