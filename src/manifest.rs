//! Control-plane static pod manifests (`/etc/kubernetes/manifests/*.yaml`): one component's flags,
//! environment, volume mounts, hostPath volumes and image, each with the line it is written on.
//!
//! The serde structs cover only the fields the checks read; everything else is ignored, as the
//! kubelet would accept it. The file is read as the kubelet reads a static pod (`sigs.k8s.io/yaml`
//! on the first document, then typed Go fields): what the kubelet would reject outright (not a
//! Pod, no containers, a volume mount without a name, a `command` or `args` item that is an
//! unquoted number or boolean — `command` is `[]string`) is an input error naming the line.

use std::path::Path;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::InputError;
use crate::t;
use crate::yaml::{Doc, GoKind, Scalar};

/// One command-line flag: `--name=value`, `--name value` or a bare `--name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Without the leading dashes.
    pub name: String,
    pub value: Option<String>,
    /// The manifest line; `None` for a process's command line.
    pub line: Option<usize>,
}

impl Flag {
    /// `--name=value`, as the user would write it.
    pub fn text(&self) -> String {
        match &self.value {
            Some(value) => format!("--{}={value}", self.name),
            None => format!("--{}", self.name),
        }
    }
}

/// Flags from a program's arguments (without the program itself), the way kube-apiserver's flag
/// parser reads them: `--name=value`, or `--name value` when the next argument is not a flag.
pub fn parse_flags(args: &[(String, Option<usize>)]) -> Vec<Flag> {
    let mut flags = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let (arg, line) = &args[i];
        i += 1;
        let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else { continue };
        if body.is_empty() {
            continue;
        }
        let (name, value) = match body.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => match args.get(i) {
                Some((next, _)) if !next.starts_with('-') => {
                    i += 1;
                    (body.to_string(), Some(next.clone()))
                }
                _ => (body.to_string(), None),
            },
        };
        flags.push(Flag { name, value, line: *line });
    }
    flags
}

/// The last occurrence of a flag wins, as in kube-apiserver.
pub fn last_flag<'a>(flags: &'a [Flag], name: &str) -> Option<&'a Flag> {
    flags.iter().rev().find(|f| f.name == name)
}

/// An environment variable of the kube-apiserver container.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    /// A string, as the API requires.
    Text(String),
    /// An unquoted YAML boolean or number (`value: true`): the kubelet rejects the pod, because env
    /// values must be strings. Kept as written.
    NotText(String),
    /// `valueFrom`: known only at run time.
    From,
    /// No value: the variable is the empty string.
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    pub read_only: bool,
    pub sub_path: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub name: String,
    /// `None` for any volume type other than hostPath.
    pub host_path: Option<HostPath>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPath {
    pub path: String,
    /// `Directory`, `FileOrCreate`, … or `None` (no check, and a missing path becomes a directory).
    pub kind: Option<String>,
}

/// The component's container of the static pod, and the pod's volumes.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The container's name.
    pub container: String,
    pub image: Option<String>,
    pub image_line: Option<usize>,
    pub flags: Vec<Flag>,
    pub env: Vec<EnvVar>,
    pub mounts: Vec<VolumeMount>,
    pub volumes: Vec<Volume>,
}

/// How a path inside the container reaches the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapping<'a> {
    /// A volume mount covers the path and its volume is a hostPath: `host` is the path on the node.
    HostPath { mount: &'a VolumeMount, volume: &'a Volume, host: String },
    /// A volume mount covers the path, but its volume is not a hostPath (or does not exist).
    NotHostPath { mount: &'a VolumeMount, volume: Option<&'a Volume> },
    /// No volume mount covers the path: it lives in the container's own file system.
    Unmounted,
}

impl Manifest {
    /// The effective value of a flag (its last occurrence).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        last_flag(&self.flags, name)
    }

    pub fn volume(&self, name: &str) -> Option<&Volume> {
        self.volumes.iter().find(|v| v.name == name)
    }

    /// The most specific mount that covers `container_path`, as the container sees it.
    pub fn mount_covering(&self, container_path: &str) -> Option<&VolumeMount> {
        let path = normalize(container_path);
        self.mounts
            .iter()
            .filter(|m| covers(&normalize(&m.mount_path), &path))
            .max_by_key(|m| normalize(&m.mount_path).len())
    }

    /// Where `container_path` is on the host, through the volume mounts.
    pub fn host_location(&self, container_path: &str) -> Mapping<'_> {
        let Some(mount) = self.mount_covering(container_path) else { return Mapping::Unmounted };
        let volume = self.volume(&mount.name);
        let Some((volume, host_path)) = volume.and_then(|v| v.host_path.as_ref().map(|h| (v, h))) else {
            return Mapping::NotHostPath { mount, volume };
        };
        let path = normalize(container_path);
        let rest = path[normalize(&mount.mount_path).len()..].trim_start_matches('/');
        let mut host = normalize(&host_path.path);
        for part in mount.sub_path.iter().map(String::as_str).chain([rest]) {
            let part = part.trim_matches('/');
            if !part.is_empty() {
                if !host.ends_with('/') {
                    host.push('/');
                }
                host.push_str(part);
            }
        }
        Mapping::HostPath { mount, volume, host }
    }
}

/// `/a//b/./c/` → `/a/b/c`; `..` is kept (kubelet does not resolve it either).
pub fn normalize(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    let joined = parts.join("/");
    if path.starts_with('/') { format!("/{joined}") } else { joined }
}

/// Whether a mount at `mount` (normalized) covers `path` (normalized), component by component.
fn covers(mount: &str, path: &str) -> bool {
    mount == "/" || path == mount || path.strip_prefix(mount).is_some_and(|rest| rest.starts_with('/'))
}

#[derive(Deserialize)]
struct Header {
    kind: Option<Scalar>,
}

#[derive(Deserialize)]
struct RawPod {
    spec: Option<RawSpec>,
}

#[derive(Deserialize)]
struct RawSpec {
    containers: Option<Vec<Spanned<RawContainer>>>,
    volumes: Option<Vec<Spanned<RawVolume>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawContainer {
    name: Option<Scalar>,
    image: Option<Scalar>,
    command: Option<Vec<Scalar>>,
    args: Option<Vec<Scalar>>,
    env: Option<Vec<Spanned<RawEnv>>>,
    volume_mounts: Option<Vec<Spanned<RawMount>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnv {
    name: Scalar,
    value: Option<Scalar>,
    value_from: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMount {
    name: Scalar,
    mount_path: Scalar,
    read_only: Option<Scalar>,
    sub_path: Option<Scalar>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVolume {
    name: Scalar,
    host_path: Option<RawHostPath>,
}

#[derive(Deserialize)]
struct RawHostPath {
    path: Scalar,
    #[serde(rename = "type")]
    kind: Option<Scalar>,
}

fn line(location: &serde_saphyr::Location) -> usize {
    usize::try_from(location.line()).unwrap_or(0)
}

/// Where kubeadm keeps a control-plane component's static pod (`kube-apiserver`, `etcd`, …).
pub fn path_of(component: &str) -> String {
    format!("/etc/kubernetes/manifests/{component}.yaml")
}

/// Parses a static pod manifest as the kubelet does and picks the container of `component`
/// (e.g. `kube-apiserver`).
pub fn parse(bytes: &[u8], file: &Path, component: &str) -> Result<Manifest, InputError> {
    let expected = || t!("manifest-expected", component = component);
    let text = crate::yaml::first_document(crate::yaml::text(bytes, file)?);
    let doc = Doc { text, file, reader: crate::yaml::Reader::Kubelet };
    let options = crate::yaml::go_options;
    // Kind first: a Deployment or a kubeconfig should be called what it is, not fail on a field.
    let header: Option<Header> = serde_saphyr::from_str_with_options(text, options())
        .map_err(|e| crate::yaml::yaml_error(file, &e, expected()))?;
    let Some(header) = header else {
        return Err(InputError::at(file, None, t!("manifest-empty", expected = expected())));
    };
    match &header.kind {
        Some(kind) if doc.string(kind, "kind")? == "Pod" => {}
        Some(kind) => {
            return Err(InputError::at(
                file,
                Some(kind.line),
                t!("manifest-not-a-pod", kind = crate::error::sanitize::identifier(&kind.value), expected = expected()),
            ));
        }
        None => return Err(InputError::at(file, None, t!("manifest-no-kind", expected = expected()))),
    }
    let pod: RawPod = serde_saphyr::from_str_with_options(text, options())
        .map_err(|e| crate::yaml::yaml_error(file, &e, expected()))?;
    let (containers, volumes) = pod.spec.map(|s| (s.containers, s.volumes)).unwrap_or_default();
    let containers = containers.unwrap_or_default();
    let container = pick_container(&doc, &containers, component)?
        .ok_or_else(|| InputError::at(file, None, t!("manifest-no-container", component = component)))?;
    to_manifest(&doc, container, volumes.unwrap_or_default())
}

/// The container named after the component, else the one running its binary, else the only container.
fn pick_container<'a>(
    doc: &Doc<'_>,
    containers: &'a [Spanned<RawContainer>],
    component: &str,
) -> Result<Option<&'a RawContainer>, InputError> {
    let mut named = None;
    let mut running = None;
    for c in containers.iter().map(|c| &c.value) {
        let name = doc.opt_string(c.name.as_ref(), "containers[].name")?;
        let program = c.command.as_ref().and_then(|cmd| cmd.first()).map(|p| p.value.as_str()).unwrap_or_default();
        if name == component && named.is_none() {
            named = Some(c);
        }
        if program.rsplit('/').next() == Some(component) && running.is_none() {
            running = Some(c);
        }
    }
    let only = if containers.len() == 1 { containers.first().map(|c| &c.value) } else { None };
    Ok(named.or(running).or(only))
}

fn to_manifest(doc: &Doc<'_>, c: &RawContainer, volumes: Vec<Spanned<RawVolume>>) -> Result<Manifest, InputError> {
    let command = doc.strings(c.command.as_deref(), "command")?;
    let args = doc.strings(c.args.as_deref(), "args")?;
    let lines = |list: &Option<Vec<Scalar>>| -> Vec<usize> { list.iter().flatten().map(|s| s.line).collect() };
    let (command_lines, args_lines) = (lines(&c.command), lines(&c.args));
    // The program is command[0] when a command is given; everything after it, then args, are its arguments.
    let skip = usize::from(command.first().is_some_and(|p| !p.starts_with('-')));
    let program_args: Vec<(String, Option<usize>)> = command
        .into_iter()
        .zip(command_lines)
        .skip(skip)
        .chain(args.into_iter().zip(args_lines))
        .map(|(a, line)| (a, Some(line)))
        .collect();
    let mut env = Vec::new();
    for e in c.env.as_deref().unwrap_or_default() {
        let value = match (&e.value.value, &e.value.value_from) {
            // An unquoted `true` or `10` is reported by audit.collector-env (the kubelet refuses
            // the pod): kept as written.
            (Some(v), _) => match doc.kind(v) {
                GoKind::Str => EnvValue::Text(v.value.clone()),
                GoKind::Null => EnvValue::Absent,
                GoKind::Bool(_) | GoKind::Number => EnvValue::NotText(v.value.clone()),
            },
            (None, Some(_)) => EnvValue::From,
            (None, None) => EnvValue::Absent,
        };
        env.push(EnvVar { name: doc.string(&e.value.name, "env[].name")?, value, line: line(&e.referenced) });
    }
    let mut mounts = Vec::new();
    for m in c.volume_mounts.as_deref().unwrap_or_default() {
        mounts.push(VolumeMount {
            name: doc.string(&m.value.name, "volumeMounts[].name")?,
            mount_path: doc.string(&m.value.mount_path, "volumeMounts[].mountPath")?,
            read_only: doc.bool(m.value.read_only.as_ref(), "volumeMounts[].readOnly")?,
            sub_path: Some(doc.opt_string(m.value.sub_path.as_ref(), "volumeMounts[].subPath")?)
                .filter(|s| !s.is_empty()),
            line: line(&m.referenced),
        });
    }
    let mut vols = Vec::new();
    for v in volumes {
        let host_path = match &v.value.host_path {
            Some(h) => Some(HostPath {
                path: doc.string(&h.path, "hostPath.path")?,
                kind: Some(doc.opt_string(h.kind.as_ref(), "hostPath.type")?).filter(|k| !k.is_empty()),
            }),
            None => None,
        };
        vols.push(Volume { line: line(&v.referenced), name: doc.string(&v.value.name, "volumes[].name")?, host_path });
    }
    Ok(Manifest {
        container: doc.opt_string(c.name.as_ref(), "containers[].name")?,
        image: c.image.as_ref().map(|i| doc.string(i, "image")).transpose()?.filter(|i| !i.is_empty()),
        image_line: c.image.as_ref().map(|i| i.line),
        flags: parse_flags(&program_args),
        env,
        mounts,
        volumes: vols,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - command:
    - kube-apiserver
    - --audit-log-maxbackup=10
    - --audit-log-maxsize=100
    - --audit-log-path=/var/log/kubernetes/kubernetes.audit
    - --audit-log-maxage=30
    - --audit-policy-file=/etc/kubernetes/audit-policy.yaml
    env:
    - name: aliyun_logs_audit-c0ffee
      value: /var/log/kubernetes/kubernetes.audit
    - name: aliyun_logs_audit-c0ffee_jsonfile
      value: "true"
    - name: unquoted
      value: true
    - name: from
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    - name: nothing
    image: registry-vpc.cn-shenzhen.aliyuncs.com/acs/kube-apiserver:v1.20.4-aliyun.1
    name: kube-apiserver
    volumeMounts:
    - mountPath: /var/log/kubernetes
      name: k8s-audit
    - mountPath: /etc/kubernetes/audit-policy.yaml
      name: audit-policy
      readOnly: true
  volumes:
  - hostPath:
      path: /var/log/kubernetes
      type: DirectoryOrCreate
    name: k8s-audit
  - hostPath:
      path: /etc/kubernetes/audit-policy.yaml
      type: FileOrCreate
    name: audit-policy
"#;

    fn parse_text(text: &str) -> Result<Manifest, InputError> {
        parse(text.as_bytes(), Path::new("kube-apiserver.yaml"), "kube-apiserver")
    }

    #[test]
    fn reads_flags_env_mounts_and_volumes_with_lines() {
        let m = parse_text(SEED).expect("seed manifest");
        assert_eq!(m.container, "kube-apiserver");
        assert_eq!(
            m.image.as_deref(),
            Some("registry-vpc.cn-shenzhen.aliyuncs.com/acs/kube-apiserver:v1.20.4-aliyun.1")
        );
        let path = m.flag("audit-log-path").expect("flag");
        assert_eq!(path.value.as_deref(), Some("/var/log/kubernetes/kubernetes.audit"));
        assert_eq!(path.line, Some(12));
        assert_eq!(m.flags.len(), 5);
        assert_eq!(m.env[0].value, EnvValue::Text("/var/log/kubernetes/kubernetes.audit".into()));
        assert_eq!(m.env[0].line, 16);
        assert_eq!(m.env[1].value, EnvValue::Text("true".into()));
        assert_eq!(m.env[2].value, EnvValue::NotText("true".into()));
        assert_eq!(m.env[3].value, EnvValue::From);
        assert_eq!(m.env[4].value, EnvValue::Absent);
        assert!(m.mounts[1].read_only && !m.mounts[0].read_only);
        assert_eq!(m.volumes[1].host_path.as_ref().and_then(|h| h.kind.as_deref()), Some("FileOrCreate"));
    }

    #[test]
    fn container_paths_map_to_host_paths_through_the_most_specific_mount() {
        let m = parse_text(SEED).expect("seed manifest");
        match m.host_location("/var/log/kubernetes/kubernetes.audit") {
            Mapping::HostPath { host, mount, .. } => {
                assert_eq!(host, "/var/log/kubernetes/kubernetes.audit");
                assert_eq!(mount.name, "k8s-audit");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(m.host_location("/etc/kubernetes/audit-policy.yaml"), Mapping::HostPath { .. }));
        assert_eq!(m.host_location("/var/log/kubernetes-other/x"), Mapping::Unmounted);
        assert_eq!(m.host_location("/etc/kubernetes/pki/ca.crt"), Mapping::Unmounted);
    }

    #[test]
    fn sub_paths_and_renamed_host_directories() {
        let text = SEED.replace("      path: /var/log/kubernetes\n", "      path: /data/logs\n").replace(
            "    - mountPath: /var/log/kubernetes\n",
            "    - mountPath: /var/log/kubernetes/\n      subPath: audit\n",
        );
        let m = parse_text(&text).expect("manifest");
        match m.host_location("/var/log/kubernetes//kubernetes.audit") {
            Mapping::HostPath { host, .. } => assert_eq!(host, "/data/logs/audit/kubernetes.audit"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn mounts_without_a_host_path_volume() {
        let text = SEED.replace("DirectoryOrCreate\n    name: k8s-audit\n", "DirectoryOrCreate\n    name: renamed\n");
        let m = parse_text(&text).expect("manifest");
        assert!(matches!(
            m.host_location("/var/log/kubernetes/kubernetes.audit"),
            Mapping::NotHostPath { volume: None, .. }
        ));
    }

    #[test]
    fn flags_in_every_form() {
        let args: Vec<(String, Option<usize>)> =
            ["--a=1", "--b", "2", "--c", "--d=", "-v=4", "positional", "--", "--e=x=y"]
                .iter()
                .map(|s| (s.to_string(), None))
                .collect();
        let flags = parse_flags(&args);
        let pairs: Vec<(&str, Option<&str>)> = flags.iter().map(|f| (f.name.as_str(), f.value.as_deref())).collect();
        assert_eq!(
            pairs,
            [("a", Some("1")), ("b", Some("2")), ("c", None), ("d", Some("")), ("v", Some("4")), ("e", Some("x=y"))]
        );
        let twice: Vec<(String, Option<usize>)> = ["--x=1", "--x=2"].iter().map(|s| (s.to_string(), None)).collect();
        assert_eq!(last_flag(&parse_flags(&twice), "x").and_then(|f| f.value.as_deref()), Some("2"));
    }

    #[test]
    fn args_after_an_entrypoint_count_too() {
        let text = SEED.replace("  - command:\n    - kube-apiserver\n", "  - args:\n");
        let m = parse_text(&text).expect("manifest");
        assert!(m.flag("audit-log-maxbackup").is_some());
    }

    #[test]
    fn not_a_pod_is_an_input_error_naming_the_kind() {
        let e = parse_text("apiVersion: apps/v1\nkind: Deployment\nspec: {}\n").expect_err("not a pod");
        assert_eq!(e.line, Some(2));
        assert!(e.what.contains("Deployment") && e.what.contains("Pod"), "{e}");
        let e = parse_text("apiVersion: v1\nclusters: []\n").expect_err("a kubeconfig");
        assert!(e.what.contains("no kind"), "{e}");
        let e = parse_text("kind: Pod\nspec:\n  containers: []\n").expect_err("no container");
        assert!(e.what.contains("kube-apiserver container"), "{e}");
    }

    #[test]
    fn malformed_truncated_and_hostile_input_are_input_errors() {
        for (text, line) in [
            ("kind: Pod\nspec:\n  containers: [\n", Some(3)),
            ("kind: Pod\nspec:\n  containers: 5\n", Some(3)),
            ("- kind: Pod\n", Some(1)),
            ("", None),
            ("# only a comment\n", None),
            // What the kubelet refuses: `command` and `args` are lists of strings.
            ("kind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n    - 10\n", Some(6)),
            ("kind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    args: [--v, yes]\n", Some(5)),
            (
                "kind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    volumeMounts:\n    - {name: a, mountPath: /a, readOnly: \"true\"}\n",
                Some(6),
            ),
        ] {
            let e = parse_text(text).expect_err(text);
            assert_eq!(e.file, "kube-apiserver.yaml");
            if line.is_some() {
                assert_eq!(e.line, line, "{text:?}: {e}");
            }
        }
        let laughs = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
                      d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
                      g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nkind: Pod\n";
        assert!(parse_text(laughs).is_err());
        assert!(parse_text(&"[".repeat(100_000)).is_err());
        assert!(parse(&(0..=255u8).collect::<Vec<_>>(), Path::new("bin"), "kube-apiserver").is_err());
    }

    #[test]
    fn read_as_the_kubelet_reads_it() {
        // The first document only, and a repeated key keeps its last value.
        let m = parse_text(&format!("{SEED}---\nkind: [not yaml\n")).expect("first document");
        assert_eq!(m.container, "kube-apiserver");
        let twice = SEED.replace("    name: kube-apiserver\n", "    name: other\n    name: kube-apiserver\n");
        assert_eq!(parse_text(&twice).expect("last value wins").container, "kube-apiserver");
        let e = parse_text(
            &SEED
                .replace("--audit-log-maxage=30", "--audit-log-maxage")
                .replace("    - --audit-policy-file", "    - 30\n    - --audit-policy-file"),
        )
        .expect_err("an unquoted number in command");
        assert_eq!(e.line, Some(14), "{e}");
        assert!(e.what.contains("command is an unquoted number") && e.what.contains("the kubelet"), "{e}");
        let quoted = SEED.replace("    - --audit-policy-file", "    - \"30\"\n    - --audit-policy-file");
        assert!(parse_text(&quoted).is_ok());
    }

    #[test]
    fn every_truncation_of_the_seed_parses_or_is_an_input_error() {
        for end in crate::yaml::cut_points(SEED) {
            if let Err(e) = parse_text(&SEED[..end]) {
                assert_eq!(e.file, "kube-apiserver.yaml", "{end}: {e}");
            }
        }
    }
}
