//! The kubeconfig parser and context selection on arbitrary input: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = std::path::Path::new("fuzz.kubeconfig");
    if let Ok(file) = k8sjoin_check::kubeconfig::parse(text, path) {
        let _ = k8sjoin_check::kubeconfig::select(&[(path.to_path_buf(), file.clone())], None);
        let _ = k8sjoin_check::kubeconfig::select(&[(path.to_path_buf(), file)], Some("a"));
    }
});
