//! The audit readers on arbitrary bytes: the kube-apiserver manifest and the audit policy (YAML),
//! a process command line and an audit log line. Any input must give a value or an error, never a
//! panic or a hang; what the checks compute from a parsed value must not panic either.
#![no_main]

use std::path::Path;

use k8sjoin_check::audit::{log, policy, process};
use k8sjoin_check::manifest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = Path::new("fuzz.yaml");
    if let Ok(m) = manifest::parse(data, file, "kube-apiserver") {
        for path in ["/var/log/kubernetes/kubernetes.audit", "/etc/kubernetes/audit-policy.yaml", "", "/"] {
            let _ = m.host_location(path);
        }
        let _ = m.flag("audit-log-path");
    }
    if let Ok(Some(p)) = policy::parse(data, file) {
        let _ = p.invalid();
        let _ = p.leaks();
        let _ = p.logs_nothing();
    }
    let _ = process::from_cmdline(1, data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = log::parse_event(text);
    }
});
