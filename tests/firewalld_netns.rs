//! firewalld's stock layouts, tested for real: each setup is made with `firewall-offline-cmd
//! --system-config DIR` (a directory of this test; the host's `/etc/firewalld` is not touched), and
//! the tool's verdict on `firewalld:DIR` must equal its verdict on the nftables ruleset firewalld
//! itself generates for DIR. That ruleset comes from the real daemon, run inside a network
//! namespace this test creates (`firewalld --nofork --nopid --system-config DIR`) on a private D-Bus
//! system bus of this test, so that it never sees the host's network namespace or bus; the
//! namespace (and with it every rule firewalld loaded) is deleted at the end.
//!
//! Running the daemon, rather than reading firewalld's Python to predict its rules, makes firewalld
//! the judge of what its configuration means: zone choice, the order of deny and allow rich rules,
//! services from `/usr/lib/firewalld`, targets.
#![allow(clippy::expect_used, clippy::unwrap_used)] // in tests a panic is the failure report
mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Need, Netns, check, prerequisites};

/// A child process killed (and reaped) when the test ends, also on failure.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A D-Bus system bus of this test only.
fn private_bus(dir: &Path) -> (Owned, String) {
    let socket = dir.join("bus");
    let conf = dir.join("bus.conf");
    std::fs::write(
        &conf,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path={}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy>
</busconfig>"#,
            socket.display()
        ),
    )
    .expect("write bus config");
    let child = Command::new("dbus-daemon")
        .args(["--nofork", "--config-file", conf.to_str().expect("utf-8")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon");
    let started = Instant::now();
    while !socket.exists() {
        assert!(started.elapsed() < Duration::from_secs(5), "the private bus did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Owned(child), format!("unix:path={}", socket.display()))
}

/// The nft ruleset firewalld generates for `config`, from the daemon running in `ns`.
fn firewalld_ruleset(ns: &Netns, bus: &str, config: &Path) -> String {
    let daemon = Owned(
        ns.command("firewalld")
            .args(["--nofork", "--nopid", "--log-target", "console", "--system-config"])
            .arg(config)
            .env("DBUS_SYSTEM_BUS_ADDRESS", bus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("firewalld"),
    );
    // firewalld has loaded its rules when they stop changing.
    let started = Instant::now();
    let mut last = String::new();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = ns.exec_ok("nft -j list ruleset");
        if now.contains("filter_INPUT") && now == last {
            drop(daemon);
            return now;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "firewalld did not load its rules");
        last = now;
    }
}

fn verdicts(dir: &Path, spec: &str, iface: Option<&str>) -> Vec<(String, String, String)> {
    let regions = dir.join("regions.json");
    let doc = serde_json::json!({"source": "firewalld test (documentation addresses)", "updated": "2026-12-01",
        "regions": [{"id": "doc-fwd", "name_zh": "文档(firewalld)", "name_en": "Documentation (firewalld)",
                     "public_ips": ["203.0.113.7", "192.0.2.10"], "private_cidrs": ["198.51.100.0/25"], "vpc_supported": true}]});
    std::fs::write(&regions, doc.to_string()).expect("write");
    let mut cmd = common::bin();
    cmd.args(["--regions-file", regions.to_str().expect("utf-8"), "--region", "doc-fwd"]).args([
        "--apiserver",
        "192.0.2.1:6443",
        "--only",
        "firewall.allowlist",
        "--format",
        "json",
        "--firewall",
        spec,
    ]);
    if let Some(i) = iface {
        cmd.args(["--interface", i]);
    }
    let o = cmd.output().expect("runs");
    assert_ne!(o.status.code(), Some(2), "{spec}: exit 2: {}", common::stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let c = check(&report, "firewall.allowlist");
    c["evidence"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["entry"].to_string(), e["verdict"].to_string(), format!("{} {}", e["denied"], e["unknown"])))
        .collect()
}

#[test]
fn firewalld_configurations_mean_what_firewalld_makes_of_them() {
    let needs = [
        Need::Root,
        Need::Command("ip"),
        Need::Command("nft"),
        Need::Command("firewalld"),
        Need::Command("firewall-offline-cmd"),
        Need::Command("dbus-daemon"),
    ];
    if !prerequisites("firewalld_configurations_mean_what_firewalld_makes_of_them", &needs) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (_bus, address) = private_bus(dir.path());
    // (what it shows, firewall-offline-cmd arguments, the interface the pool arrives on)
    let setups: &[(&str, &[&str], Option<&str>)] = &[
        ("stock public zone: ssh and dhcpv6-client only", &[], None),
        ("kube-api is the kubelet, not the API server", &["--zone=public --add-service=kube-api"], None),
        ("kube-apiserver admits 6443", &["--zone=public --add-service=kube-apiserver"], None),
        (
            "deny rich rules run before allow rich rules",
            &[
                "--zone=public --add-rich-rule=rule family=ipv4 source address=198.51.100.0/25 port port=6443 protocol=tcp accept",
                "--zone=public --add-rich-rule=rule family=ipv4 source address=198.51.100.64/26 drop",
            ],
            None,
        ),
        (
            "a source zone wins over the default zone",
            &[
                "--new-zone=cloudsec",
                "--zone=cloudsec --add-source=203.0.113.0/24",
                "--zone=cloudsec --add-port=6443/tcp",
            ],
            None,
        ),
        (
            "an interface in the trusted zone, the pool arriving on it",
            &["--zone=trusted --add-interface=eth0"],
            Some("eth0"),
        ),
        (
            "drop as the default zone, with the API server's port",
            &["--set-default-zone=drop", "--zone=drop --add-port=6443/tcp"],
            None,
        ),
    ];
    let mut compared = 0;
    for (i, (what, args, iface)) in setups.iter().enumerate() {
        let config = dir.path().join(format!("setup{i}/etc/firewalld"));
        std::fs::create_dir_all(config.join("zones")).expect("mkdir");
        for a in *args {
            let (flag, value) = a.split_once('=').map_or((*a, None), |(f, v)| (f, Some(v)));
            let mut cmd = Command::new("firewall-offline-cmd");
            cmd.arg("--system-config").arg(&config);
            match (flag, value) {
                ("--zone", Some(v)) => {
                    let (zone, rest) = v.split_once(' ').expect("zone and option");
                    cmd.arg(format!("--zone={zone}"));
                    let (opt, val) = rest.split_once('=').expect("option=value");
                    if opt == "--add-rich-rule" {
                        // firewall-offline-cmd wants the rule's values quoted.
                        let quoted: Vec<String> = val
                            .split(' ')
                            .map(|w| match w.split_once('=') {
                                Some((k, v)) => format!("{k}=\"{v}\""),
                                None => w.to_string(),
                            })
                            .collect();
                        cmd.arg(format!("{opt}={}", quoted.join(" ")));
                    } else {
                        cmd.arg(format!("{opt}={val}"));
                    }
                }
                _ => {
                    cmd.arg(a);
                }
            }
            let o = cmd.output().expect("firewall-offline-cmd");
            assert!(o.status.success(), "{what}: firewall-offline-cmd {a}: {}", common::stderr(&o));
        }
        let ns = Netns::new(&format!("fwd{i}"));
        ns.exec_ok("ip link add eth0 type veth peer name eth0-peer && ip link set eth0 up && ip addr add 192.0.2.1/24 dev eth0");
        let json = firewalld_ruleset(&ns, &address, &config);
        let dump = dir.path().join(format!("setup{i}.json"));
        std::fs::write(&dump, json).expect("write");
        let from_config = verdicts(dir.path(), &format!("firewalld:{}", config.display()), *iface);
        let from_firewalld = verdicts(dir.path(), &format!("nft:{}", dump.display()), *iface);
        assert_eq!(from_config, from_firewalld, "{what}: firewalld:DIR and firewalld's own rules differ");
        eprintln!("{what}: {from_config:?}");
        compared += 1;
    }
    assert_eq!(compared, setups.len());
}
