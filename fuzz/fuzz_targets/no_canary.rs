//! The readers of files that can hold secrets quote nothing of them: with a canary put wherever
//! the fuzzer puts `@` (a value, a key, a flag, a line), no error message carries it.
//! Kubeconfig, static pod manifests, sysctl values and CIDR lists.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

const CANARY: &str = "CANARY-5e1f0b";

fn clean(what: &str, message: String) {
    assert!(!message.contains(CANARY), "{what} quoted its input: {message}");
    assert!(!message.chars().any(|c| c.is_control() && c != '\n'), "{what}: a control character: {message:?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let text = text.replace('@', CANARY);
    match selector % 4 {
        0 => {
            if let Err(e) = k8sjoin_check::kubeconfig::parse(&text, Path::new("kubeconfig")) {
                clean("kubeconfig", e.to_string());
            }
        }
        1 => {
            if let Err(e) = k8sjoin_check::manifest::parse(text.as_bytes(), Path::new("m.yaml"), "kube-apiserver") {
                clean("manifest", e.to_string());
            }
        }
        2 => {
            if let Err(e) = k8sjoin_check::forward::sysctl::parse_int(text.as_bytes(), Path::new("ip_forward")) {
                clean("sysctl", e.to_string());
            }
        }
        _ => {
            if let Err(e) = k8sjoin_check::firewall::cidrs::parse(&text, "acl.txt") {
                clean("cidrs", e.to_string());
            }
        }
    }
});
