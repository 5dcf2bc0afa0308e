//! Opening a docker-archive (outer tar, manifest.json, config) from arbitrary bytes.
#![no_main]

use customs_image::{ImageRef, open};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut f) = tempfile::NamedTempFile::new() else { return };
    if std::io::Write::write_all(&mut f, data).is_err() {
        return;
    }
    let reference = ImageRef::DockerArchive(f.path().to_owned());
    if let Ok(image) = open(&reference) {
        for i in 0..image.layers.len() {
            let _ = image.open_layer(i);
        }
    }
});
