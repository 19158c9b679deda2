//! `k8sjoin-check fleet` (DESIGN §8): the manifests are Kubernetes objects that pass a strict
//! schema check (kubernetes-validate, offline, unknown fields rejected), they carry the run options
//! exactly as given whatever the values hold, and the DaemonSet's pod, played by podman with the
//! image built from the Containerfile on a fixture node, writes its report as one JSON line.
#![expect(clippy::expect_used, clippy::unwrap_used, reason = "a test: a panic is the failure report")]

mod common;
mod dist_support;
mod servers;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use common::{Need, check, prerequisites, run, stderr, stdout};
use dist_support::{CLUSTER, Podman, fixture_node};
use servers::{Answers, ApiServer, Ca};

/// What the DaemonSet passes before the user's options, and after them.
const SET_BY_THE_DAEMONSET: [&str; 6] = ["--root", "/host", "--format", "json-line", "--node", "$(NODE_NAME)"];

fn fleet(args: &[&str]) -> String {
    let mut all = vec!["fleet"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert_eq!(o.status.code(), Some(0), "fleet {args:?}: {}", stderr(&o));
    stdout(&o)
}

/// The YAML documents as JSON values, each checked to be a Kubernetes object.
fn objects(yaml: &str) -> Vec<Value> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    for doc in &docs {
        for key in ["apiVersion", "kind"] {
            assert!(doc[key].as_str().is_some_and(|s| !s.is_empty()), "{key} in {doc}");
        }
        assert!(doc["metadata"]["name"].is_string(), "metadata.name in {doc}");
    }
    docs
}

fn daemonset(docs: &[Value]) -> &Value {
    docs.iter().find(|d| d["kind"] == "DaemonSet").expect("a DaemonSet")
}

/// What the kubelet does to a container's args: `$(VAR)` becomes the variable's value when the
/// container defines it (else stays as written), and `$$` becomes `$`.
fn kubelet_expand(text: &str, env: &HashMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some((name, r)) = after.strip_prefix('(').and_then(|r| r.split_once(')')) {
            match env.get(name) {
                Some(value) => out.push_str(value),
                None => out.push_str(&format!("$({name})")),
            }
            rest = r;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out + rest
}

fn args_of(ds: &Value) -> Vec<String> {
    ds["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_string())
        .collect()
}

#[test]
fn the_manifests_are_a_namespace_a_token_less_service_account_and_a_control_plane_daemonset() {
    let docs = objects(&fleet(&["--region", "cn-hangzhou", "--audit", "--only", "audit", "--only", "region"]));
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Namespace", "ServiceAccount", "DaemonSet"]);
    let label = json!({"app.kubernetes.io/name": "k8sjoin-check"});
    for doc in &docs {
        assert_eq!(doc["metadata"]["labels"]["app.kubernetes.io/name"], "k8sjoin-check", "{doc}");
    }
    assert_eq!(docs[0]["metadata"]["name"], "k8sjoin-check");
    assert_eq!(docs[1]["automountServiceAccountToken"], false);
    let ds = daemonset(&docs);
    assert_eq!(ds["metadata"]["namespace"], "k8sjoin-check");
    assert_eq!(ds["spec"]["selector"]["matchLabels"], label);
    let pod = &ds["spec"]["template"];
    assert_eq!(pod["metadata"]["labels"], label);
    let spec = &pod["spec"];
    assert_eq!((&spec["hostNetwork"], &spec["hostPID"]), (&json!(true), &json!(true)));
    assert_eq!(
        (&spec["automountServiceAccountToken"], &spec["serviceAccountName"]),
        (&json!(false), &json!("k8sjoin-check"))
    );
    // Either label selects a node: one term each, and terms are ORed.
    let terms =
        &spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
    assert_eq!(
        terms,
        &json!([
            {"matchExpressions": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}]},
            {"matchExpressions": [{"key": "node-role.kubernetes.io/master", "operator": "Exists"}]},
        ])
    );
    assert_eq!(
        spec["tolerations"],
        json!([
            {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},
            {"key": "node-role.kubernetes.io/master", "operator": "Exists", "effect": "NoSchedule"},
        ])
    );
    assert_eq!(spec["volumes"], json!([{"name": "host", "hostPath": {"path": "/", "type": "Directory"}}]));
    let container = &spec["containers"][0];
    assert_eq!(container["image"], format!("k8sjoin-check:{}", env!("CARGO_PKG_VERSION")));
    assert_eq!(container["volumeMounts"], json!([{"name": "host", "mountPath": "/host", "readOnly": true}]));
    assert_eq!(
        container["env"],
        json!([{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}])
    );
    let sc = &container["securityContext"];
    assert_eq!(sc["capabilities"], json!({"drop": ["ALL"], "add": ["NET_ADMIN", "NET_RAW"]}));
    assert_eq!(
        (&sc["readOnlyRootFilesystem"], &sc["privileged"], &sc["runAsUser"]),
        (&json!(true), &json!(false), &json!(0))
    );
    // The run options as given, between what the DaemonSet sets; no default is spelled out.
    let mut expected: Vec<String> = SET_BY_THE_DAEMONSET.map(str::to_string).to_vec();
    expected.extend(
        ["--region=cn-hangzhou", "--audit", "--only=audit", "--only=region", "--then-sleep"].map(str::to_string),
    );
    assert_eq!(args_of(ds), expected);

    let custom =
        objects(&fleet(&["--namespace", "preflight", "--image", "registry.example/k8sjoin-check@sha256:00ff"]));
    assert!(custom[1..].iter().all(|d| d["metadata"]["namespace"] == "preflight"));
    assert_eq!(
        daemonset(&custom)["spec"]["template"]["spec"]["containers"][0]["image"],
        "registry.example/k8sjoin-check@sha256:00ff"
    );
}

#[test]
fn option_values_reach_the_pod_exactly_and_cannot_inject_yaml() {
    let hostile = "x\"\n---\napiVersion: v1\nkind: Secret\n'$(NODE_NAME) $$ \\ # {a: [b]} \u{85}\u{2028}\u{7f}华东";
    let docs = objects(&fleet(&["--cluster-id", hostile]));
    assert_eq!(docs.len(), 3);
    let ds = daemonset(&docs);
    let env = HashMap::from([("NODE_NAME".to_string(), "master-1".to_string())]);
    let args: Vec<String> = args_of(ds).iter().map(|a| kubelet_expand(a, &env)).collect();
    assert_eq!(args[5], "master-1");
    assert_eq!(args[6], format!("--cluster-id={hostile}"), "the value arrives as typed, $(NODE_NAME) unexpanded");
    // A value that looks like an option stays a value.
    let docs = objects(&fleet(&["--skip=-dash", "--firewall", "firewalld:/host/etc/firewalld"]));
    assert_eq!(args_of(daemonset(&docs))[6..8], ["--firewall=firewalld:/host/etc/firewalld", "--skip=-dash"]);
}

#[test]
fn options_the_daemonset_sets_and_bad_names_are_usage_errors() {
    for (args, says) in [
        (&["--root", "/srv"][..], "--root cannot be given"),
        (&["--format", "table"], "--format cannot be given"),
        (&["--report", "r.json"], "--report cannot be given"),
        (&["--node", "m1"], "--node cannot be given"),
        (&["--namespace", "Kube_System"], "is not a namespace name"),
        (&["--image", ""], "is not an image reference"),
    ] {
        let mut all = vec!["fleet"];
        all.extend_from_slice(args);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}: no manifests on an error");
    }
    // The waiting is for the DaemonSet, not for people: no help lists it; and fleet's help does not
    // offer what fleet refuses.
    assert!(!stdout(&run(&["--help"])).contains("then-sleep"));
    assert!(stdout(&run(&["--help"])).contains("--node <NAME>"));
    let fleet_help = stdout(&run(&["fleet", "--help"]));
    for hidden in ["--then-sleep", "--root", "--format", "--report", "--node"] {
        assert!(!fleet_help.contains(hidden), "{hidden}: {fleet_help}");
    }
    assert!(fleet_help.contains("--audit") && fleet_help.contains("--image <IMAGE>"), "{fleet_help}");
}

#[test]
fn the_manifests_pass_kubernetes_validate_strict() {
    if !prerequisites("the_manifests_pass_kubernetes_validate_strict", &[Need::Command("kubernetes-validate")]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("fleet.yaml");
    let yaml = fleet(&["--region", "cn-hangzhou", "--audit", "--cluster-id", "a\"b\nc"]);
    std::fs::write(&good, &yaml).unwrap();
    // A field no Kubernetes version has: the control that shows the check is strict.
    let bad = dir.path().join("unknown-field.yaml");
    std::fs::write(&bad, yaml.replace("      hostPID: true\n", "      hostPID: true\n      hostPIDs: true\n")).unwrap();
    // The oldest schemas the package bundles, and those of the kubectl on these machines.
    for version in ["1.25.0", "1.32.0"] {
        let validate = |file: &Path| {
            std::process::Command::new("kubernetes-validate")
                .args(["--strict", "-k", version])
                .arg(file)
                .output()
                .unwrap()
        };
        let o = validate(&good);
        assert_eq!(o.status.code(), Some(0), "{version}: {}{}", stdout(&o), stderr(&o));
        assert_eq!(
            stdout(&o).matches(" passed for resource ").count() + stderr(&o).matches(" passed for resource ").count(),
            3,
            "{}{}",
            stdout(&o),
            stderr(&o)
        );
        let o = validate(&bad);
        assert_ne!(o.status.code(), Some(0), "{version}: strict validation let an unknown field through");
        assert!(
            format!("{}{}", stdout(&o), stderr(&o)).contains("'hostPIDs' was unexpected"),
            "{}{}",
            stdout(&o),
            stderr(&o)
        );
    }
}

/// The DaemonSet's pod template as the kubelet would run it on `node`: a Pod, the downward API's
/// `spec.nodeName` filled in, `$(VAR)` in args expanded, and the host's `/` replaced by `root`.
/// podman 4.3's `kube play` rejects the fieldRef and would pass `$(NODE_NAME)` through as it is.
fn pod_as_the_kubelet_runs_it(ds: &Value, node: &str, root: &Path) -> Value {
    let template = &ds["spec"]["template"];
    let mut spec = template["spec"].clone();
    let container = &mut spec["containers"][0];
    assert_eq!(container["env"][0]["valueFrom"]["fieldRef"]["fieldPath"], "spec.nodeName");
    container["env"] = json!([{"name": "NODE_NAME", "value": node}]);
    let env = HashMap::from([("NODE_NAME".to_string(), node.to_string())]);
    let args: Vec<Value> = args_of(ds).iter().map(|a| Value::String(kubelet_expand(a, &env))).collect();
    container["args"] = Value::Array(args);
    assert_eq!(spec["volumes"][0]["hostPath"]["path"], "/");
    spec["volumes"][0]["hostPath"]["path"] = json!(root.to_str().unwrap());
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": format!("k8sjoin-check-{node}"), "labels": template["metadata"]["labels"]},
        "spec": spec,
    })
}

fn kubeconfig(server: &str, ca: &Ca) -> String {
    let ca_data = base64::engine::general_purpose::STANDARD.encode(&ca.pem);
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: admin\ncontexts:\n- name: admin\n  context: {{cluster: c, user: admin}}\n\
         clusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca_data}\nusers:\n- name: admin\n  user: {{}}\n"
    )
}

#[test]
fn the_daemonsets_pod_played_by_podman_writes_its_report_as_one_json_line() {
    if !prerequisites(
        "the_daemonsets_pod_played_by_podman_writes_its_report_as_one_json_line",
        &[Need::Root, Need::Command("podman"), Need::Command("runc")],
    ) {
        return;
    }
    const NODE: &str = "master-2";
    // The node: a master with correct audit settings, its admin.conf naming an API server on the
    // node's loopback (this test's, reached through hostNetwork), and a saved firewall.
    let ca = Ca::new("fleet");
    let server = ApiServer::start(&ca.leaf(&["127.0.0.1"], -1, 365), Answers::default());
    let node = fixture_node();
    std::fs::write(node.path().join("etc/kubernetes/admin.conf"), kubeconfig(&server.url(), &ca)).unwrap();
    std::fs::copy(common::fixture("regions/doc.json"), node.path().join("etc/regions.json")).unwrap();
    let port = server.addr.port();
    let rules = format!(
        "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
         -A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport {port} -j ACCEPT\n\
         -A INPUT -s 198.51.100.0/24 -p tcp -m tcp --dport {port} -j ACCEPT\nCOMMIT\n"
    );
    std::fs::write(node.path().join("etc/iptables.rules"), rules).unwrap();

    let podman = Podman::new();
    // The name the manifests use by default.
    podman.build_image(&format!("k8sjoin-check:{}", env!("CARGO_PKG_VERSION")));
    let yaml = fleet(&[
        "--region",
        "doc-east-1",
        "--regions-file",
        "/host/etc/regions.json",
        "--audit",
        "--cluster-id",
        CLUSTER,
        "--firewall",
        "iptables:/host/etc/iptables.rules",
        "--timeout",
        "2s",
    ]);
    let pod = pod_as_the_kubelet_runs_it(daemonset(&objects(&yaml)), NODE, node.path());
    let play = tempfile::tempdir().unwrap();
    let pod_file = play.path().join("pod.json");
    std::fs::write(&pod_file, serde_json::to_string_pretty(&pod).unwrap()).unwrap();
    eprintln!(
        "not shown by podman kube play (the schema test covers the manifests): the DaemonSet controller \
         and its node selection and tolerations; the downward API and $(VAR) expansion (done here, as the \
         kubelet does); hostPID (ignored by podman 4.3: the binary runs as PID 1 of its own namespace); \
         the ServiceAccount, dnsPolicy, enableServiceLinks and seccompProfile"
    );
    podman.ok(&["kube", "play", pod_file.to_str().unwrap()]);
    let container = format!("k8sjoin-check-{NODE}-k8sjoin-check");

    // Every setting podman does apply, as the container runs.
    let inspect: Value = serde_json::from_str(&podman.ok(&["container", "inspect", &container])).unwrap();
    let c = &inspect[0];
    assert_eq!(c["HostConfig"]["ReadonlyRootfs"], true, "readOnlyRootFilesystem");
    assert_eq!(c["HostConfig"]["NetworkMode"], "host", "hostNetwork");
    let mut caps: Vec<&str> = c["EffectiveCaps"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    caps.sort_unstable();
    assert_eq!(caps, ["CAP_NET_ADMIN", "CAP_NET_RAW"], "drop ALL, add NET_ADMIN and NET_RAW");
    let host = c["Mounts"].as_array().unwrap().iter().find(|m| m["Destination"] == "/host").expect("the /host mount");
    assert_eq!((&host["Source"], &host["RW"]), (&json!(node.path().to_str().unwrap()), &json!(false)));

    let started = Instant::now();
    let logs = loop {
        let logs = podman.ok(&["logs", &container]);
        if logs.ends_with('\n') || started.elapsed() > Duration::from_secs(30) {
            break logs;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON line and nothing else (stdout and stderr): {logs}");
    let report: Value = serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {logs}"));
    common::assert_valid_report(&report);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["vantage"]["hostname"], NODE, "the report names the node");
    assert_eq!(report["target"]["region"], "doc-east-1");
    for id in [
        "apiserver.tls",
        "apiserver.health",
        "firewall.allowlist",
        "audit.policy-file",
        "audit.apiserver-flags",
        "audit.log-written",
    ] {
        assert_eq!(check(&report, id)["status"], "pass", "{id}: {}", check(&report, id));
    }
    // After its report the pod waits (no restart, the log stays) until it is stopped; as PID 1 it
    // must handle SIGTERM itself, or podman would wait out the timeout and kill it.
    std::thread::sleep(Duration::from_secs(1));
    let state = podman.ok(&["container", "inspect", "--format", "{{.State.Status}} {{.RestartCount}}", &container]);
    assert_eq!(state.trim(), "running 0");
    let stopping = Instant::now();
    podman.ok(&["stop", "--time", "20", &container]);
    assert!(stopping.elapsed() < Duration::from_secs(10), "SIGTERM ignored: stopped after {:?}", stopping.elapsed());
    assert_eq!(podman.ok(&["logs", &container]), logs, "the log stays after the pod stops");
}
