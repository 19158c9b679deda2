//! The fuzz target `no_canary` as a property test that runs with every `cargo test`: a canary put
//! anywhere in a kubeconfig, a static pod manifest, a sysctl value or a CIDR list never reaches an
//! error message, and no error message carries a control character.

use std::path::Path;

use proptest::prelude::*;

const CANARY: &str = "CANARY-5e1f0b";

fn clean(what: &str, message: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.contains(CANARY), "{} quoted its input: {}", what, message);
    prop_assert!(!message.chars().any(|c| c.is_control() && c != '\n'), "{}: {:?}", what, message);
    Ok(())
}

/// Text shaped like the reader's input, with `@` where the canary goes.
fn kubeconfig_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("apiVersion: v1\n".to_string()),
            Just("clusters:\n- name: @\n  cluster:\n    server: https://u:@/x@192.0.2.1:6443\n".to_string()),
            Just("    insecure-skip-tls-verify: @\n".to_string()),
            Just("    certificate-authority-data: @\n".to_string()),
            Just("users:\n- name: u\n  user:\n    token: @\n    @: 1\n    @: 2\n".to_string()),
            Just("current-context: @\n".to_string()),
            "[ -~\n]{0,40}",
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

fn manifest_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("apiVersion: v1\nkind: @\n".to_string()),
            Just("kind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --token=@\n".to_string()),
            Just("    env:\n    - name: @\n      value: @\n".to_string()),
            Just("    @: 1\n    @: 2\n".to_string()),
            Just("    image: @\n".to_string()),
            "[ -~\n]{0,40}",
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn kubeconfig_errors_quote_nothing(text in kubeconfig_like()) {
        let text = text.replace('@', CANARY);
        if let Err(e) = k8sjoin_check::kubeconfig::parse(&text, Path::new("kubeconfig")) {
            clean("kubeconfig", &e.to_string())?;
        }
    }

    #[test]
    fn manifest_errors_quote_nothing(text in manifest_like()) {
        let text = text.replace('@', CANARY);
        if let Err(e) = k8sjoin_check::manifest::parse(text.as_bytes(), Path::new("m.yaml"), "kube-apiserver") {
            clean("manifest", &e.to_string())?;
        }
    }

    #[test]
    fn sysctl_and_cidr_errors_quote_nothing(text in "[ -~\n\x1b]{0,60}") {
        let text = text.replace('@', CANARY) + CANARY;
        if let Err(e) = k8sjoin_check::forward::sysctl::parse_int(text.as_bytes(), Path::new("ip_forward")) {
            clean("sysctl", &e.to_string())?;
        }
        if let Err(e) = k8sjoin_check::firewall::cidrs::parse(&text, "acl.txt") {
            clean("cidrs", &e.to_string())?;
        }
    }
}
