//! VEX documents (OpenVEX, CycloneDX, CSAF) and `.customsignore` files on arbitrary bytes:
//! a document or an error naming the file, never a panic.
#![no_main]

use customs_policy::{IgnoreFile, VexDocument};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = VexDocument::parse("fuzz.json", data) {
        for st in &doc.statements {
            assert!(!st.vulnerability.is_empty() || doc.format != customs_policy::VexFormat::OpenVex);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        match IgnoreFile::parse("fuzz.ignore", text) {
            Ok(f) => assert!(f.rules.iter().all(|r| !r.vulnerability.is_empty())),
            Err(e) => assert!(e.to_string().starts_with("fuzz.ignore: ")),
        }
    }
});
