//! Oracle Linux: the ELSA OVAL feed (`oracle-elsa`) and the rpm matcher for `ol`.
//!
//! Every input is untrusted: the document size, element nesting and kept text are capped,
//! and malformed documents are errors naming the input, never panics.

pub mod elsa;
pub mod matcher;
/// The OVAL reader, shared with the other OVAL-based feeds (crates/customs-oval).
pub use customs_oval as oval;

pub use elsa::OracleElsaParser;
pub use matcher::OracleMatcher;
