//! The kubeconfig parser, kubectl's resolution and the endpoint it gives, on arbitrary input:
//! errors and refusals, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = std::path::Path::new("fuzz.kubeconfig");
    if let Ok(file) = k8sjoin_check::kubeconfig::parse(text, path) {
        let files = vec![(path.to_path_buf(), file)];
        let _ = k8sjoin_check::kubeconfig::resolve_parsed(files.clone(), None).discovery();
        let _ = k8sjoin_check::kubeconfig::resolve_parsed(files, Some("a")).discovery();
    }
    let _ = k8sjoin_check::endpoint::kubectl_target(text).map(|t| k8sjoin_check::endpoint::probe_target(&t));
});
