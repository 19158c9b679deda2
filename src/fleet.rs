//! `fleet`: the Kubernetes manifests that run the checks on every control-plane node with
//! Kubernetes itself as the engine (DESIGN §8), and the waiting a fleet pod does after its run.
//!
//! The YAML is written here rather than by a serializer: the structure is fixed text, and every
//! value that comes from the command line is a double-quoted scalar made by [`quote`], so no option
//! value can add a key, a document, an anchor or a tag.

use crate::error::Error;
use crate::i18n::Text;
use crate::t;

/// A run option as the user gave it: `long` without the dashes, and its value unless it is a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenOption {
    pub long: String,
    pub value: Option<String>,
}

/// What the manifests are made from.
#[derive(Debug)]
pub struct Fleet<'a> {
    pub image: &'a str,
    pub namespace: &'a str,
    /// Run options passed to every pod, after the ones the DaemonSet sets.
    pub options: &'a [GivenOption],
}

/// The label every object carries and the DaemonSet selects its pods by.
const NAME: &str = "k8sjoin-check";

/// Why an option cannot be given, in the run's language.
pub type Why = fn() -> Text;

/// Run options the DaemonSet sets itself, with why a user's own value cannot go to the pods.
pub const SET_BY_THE_DAEMONSET: &[(&str, Why)] = &[
    ("root", || t!("fleet-daemonset-sets-root")),
    ("format", || t!("fleet-daemonset-sets-format")),
    ("report", || t!("fleet-daemonset-sets-report")),
    ("node", || t!("fleet-daemonset-sets-node")),
    ("then-sleep", || t!("fleet-daemonset-sets-then-sleep")),
];

/// The Namespace, ServiceAccount and DaemonSet, `---` separated.
pub fn manifests(fleet: &Fleet) -> Result<String, Error> {
    if let Some(option) = fleet.options.iter().find_map(|o| SET_BY_THE_DAEMONSET.iter().find(|(l, _)| *l == o.long)) {
        return Err(Error::Usage(t!("fleet-set-by-daemonset", flag = format!("--{}", option.0), why = (option.1)())));
    }
    check_namespace(fleet.namespace)?;
    if fleet.image.is_empty() || fleet.image.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::Usage(t!("fleet-bad-image", image = format!("{:?}", fleet.image))));
    }
    let ns = quote(fleet.namespace);
    let mut args: Vec<String> =
        ["--root", "/host", "--format", "json-line", "--node", "$(NODE_NAME)"].map(str::to_string).to_vec();
    args.extend(fleet.options.iter().map(|o| match &o.value {
        // One argument each (`--x=VALUE`), so that a value starting with `-` stays a value; `$` is
        // doubled because the kubelet expands `$(VAR)` in args and turns `$$` into `$`.
        Some(value) => format!("--{}={}", o.long, value.replace('$', "$$")),
        None => format!("--{}", o.long),
    }));
    args.push("--then-sleep".into());
    let args: String = args.iter().map(|a| format!("\n            - {}", quote(a))).collect();
    Ok(format!(
        r#"# k8sjoin-check {version} fleet: one pod on every control-plane node runs the checks once
# and keeps its report, one JSON line, in its log.
#   kubectl apply -f FILE
#   kubectl logs -n {namespace} -l app.kubernetes.io/name={NAME} --prefix --tail=-1 | k8sjoin-check merge -
#   kubectl delete -f FILE
apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels:
    app.kubernetes.io/name: {NAME}
    # hostNetwork, hostPID and the host's / are beyond the baseline Pod Security level.
    pod-security.kubernetes.io/enforce: privileged
---
# The checks use no Kubernetes API: no role, no binding, no token.
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {NAME}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {NAME}
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {NAME}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {NAME}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: {NAME}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {NAME}
    spec:
      serviceAccountName: {NAME}
      automountServiceAccountToken: false
      # The node's network, process table and resolver: the vantage is the node.
      hostNetwork: true
      hostPID: true
      dnsPolicy: Default
      enableServiceLinks: false
      terminationGracePeriodSeconds: 5
      # Control-plane nodes by either label: the terms of nodeSelectorTerms are ORed.
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - key: node-role.kubernetes.io/control-plane
                    operator: Exists
              - matchExpressions:
                  - key: node-role.kubernetes.io/master
                    operator: Exists
      tolerations:
        - key: node-role.kubernetes.io/control-plane
          operator: Exists
          effect: NoSchedule
        - key: node-role.kubernetes.io/master
          operator: Exists
          effect: NoSchedule
      containers:
        - name: {NAME}
          image: {image}
          imagePullPolicy: IfNotPresent
          args:{args}
          env:
            - name: NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          securityContext:
            # Root without DAC_OVERRIDE reads the root-owned files (admin.conf, manifests, audit
            # policy) by owner permission; NET_RAW is for the ping, NET_ADMIN for firewall reading.
            runAsUser: 0
            runAsGroup: 0
            privileged: false
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
              add: [NET_ADMIN, NET_RAW]
            seccompProfile:
              type: RuntimeDefault
          resources:
            requests:
              cpu: 10m
              memory: 32Mi
            limits:
              memory: 512Mi
          volumeMounts:
            - name: host
              mountPath: /host
              readOnly: true
      volumes:
        - name: host
          hostPath:
            path: /
            type: Directory
"#,
        version = env!("CARGO_PKG_VERSION"),
        namespace = fleet.namespace,
        image = quote(fleet.image),
    ))
}

/// Kubernetes names namespaces by RFC 1123 label: refused here rather than by `kubectl apply`.
fn check_namespace(ns: &str) -> Result<(), Error> {
    let fine = (1..=63).contains(&ns.len())
        && ns.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !ns.starts_with('-')
        && !ns.ends_with('-');
    if fine { Ok(()) } else { Err(Error::Usage(t!("fleet-bad-namespace", namespace = format!("{ns:?}")))) }
}

/// A YAML double-quoted scalar holding exactly `text`, in YAML 1.1 and 1.2 alike.
///
/// Kept literal: printable ASCII and the printable non-ASCII that neither version treats as a line
/// break or a byte-order mark; everything else is escaped, so the scalar cannot end early, span a
/// line, or hold a character a YAML reader rejects.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..
                if !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') =>
            {
                out.push(c);
            }
            c if u32::from(c) <= 0xff => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if u32::from(c) <= 0xffff => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// Waits until the process is asked to stop: SIGTERM (the kubelet or podman stopping the pod) or
/// SIGINT (Ctrl-C). A container's PID 1 ignores both unless it handles them, and the image has no
/// shell or `sleep`, so the binary itself keeps the pod, and with it the log, alive.
pub fn wait_for_termination() {
    use tokio::signal::unix::{SignalKind, signal};
    let handled = tokio::runtime::Builder::new_current_thread().enable_all().build().is_ok_and(|runtime| {
        runtime.block_on(async {
            let Ok(mut term) = signal(SignalKind::terminate()) else { return false };
            tokio::select! {
                _ = term.recv() => {},
                _ = tokio::signal::ctrl_c() => {},
            }
            true
        })
    });
    // Without a handler the default actions stop the process (outside PID 1), and the kubelet's
    // SIGKILL after the grace period stops it everywhere: waiting is all that is left to do.
    if !handled {
        loop {
            std::thread::park();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(long: &str, value: Option<&str>) -> GivenOption {
        GivenOption { long: long.into(), value: value.map(str::to_string) }
    }

    fn fleet(options: &[GivenOption]) -> Result<String, Error> {
        manifests(&Fleet { image: "k8sjoin-check:1", namespace: "k8sjoin-check", options })
    }

    #[test]
    fn quoting_keeps_text_and_escapes_what_could_break_out() {
        assert_eq!(quote("cn-hangzhou"), r#""cn-hangzhou""#);
        assert_eq!(quote("华东1(杭州)"), "\"华东1(杭州)\"");
        assert_eq!(quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote("x\n---\ny: z"), r#""x\x0a---\x0ay: z""#);
        assert_eq!(quote("\u{85}\u{2028}\u{feff}\u{7f}\t"), r#""\x85\u2028\ufeff\x7f\x09""#);
        assert_eq!(quote("\u{ffff}"), r#""\uffff""#);
    }

    #[test]
    fn options_set_by_the_daemonset_are_refused() {
        for long in ["root", "format", "report", "node", "then-sleep"] {
            let Err(Error::Usage(message)) = fleet(&[given(long, Some("x"))]) else { panic!("--{long} accepted") };
            assert!(message.en().starts_with(&format!("fleet: --{long} cannot be given: ")), "{message}");
        }
    }

    #[test]
    fn bad_namespace_and_image_are_usage_errors() {
        for ns in ["", "Upper", "-lead", "trail-", "dots.not.allowed", &"x".repeat(64)] {
            let result = manifests(&Fleet { image: "i", namespace: ns, options: &[] });
            assert!(matches!(result, Err(Error::Usage(_))), "{ns:?}");
        }
        for image in ["", "with space", "new\nline"] {
            let result = manifests(&Fleet { image, namespace: "ns", options: &[] });
            assert!(matches!(result, Err(Error::Usage(_))), "{image:?}");
        }
    }

    #[test]
    fn option_values_are_single_quoted_arguments_with_dollars_doubled() {
        let yaml = fleet(&[given("audit", None), given("cluster-id", Some("-$(NODE_NAME)\"\n- --root=/"))]).unwrap();
        assert!(yaml.contains("\n            - \"--audit\"\n"), "{yaml}");
        assert!(yaml.contains(r#"- "--cluster-id=-$$(NODE_NAME)\"\x0a- --root=/""#), "{yaml}");
        assert!(yaml.contains("- \"--node\"\n            - \"$(NODE_NAME)\"\n"), "{yaml}");
        assert!(yaml.trim_end().ends_with("type: Directory"), "{yaml}");
    }
}
