//! Rules that admit address blocks to tcp/PORT, written in each layer's own syntax: what a user
//! pastes (`allowlist`), and the fixes the firewall checks print.

use ipnet::IpNet;

use crate::region::PoolEntry;

/// A set of pool entries to admit on one TCP port, and the label rules carry as a comment.
#[derive(Debug, Clone, Copy)]
pub struct Admit<'a> {
    pub entries: &'a [PoolEntry],
    pub port: u16,
    /// A short label (`k8sjoin-check cn-hangzhou`); letters, digits, `-`, `.` and spaces only.
    pub label: &'a str,
    /// The region id, for commands that need it (ECS `--RegionId`).
    pub region: &'a str,
}

impl Admit<'_> {
    fn v4(&self) -> impl Iterator<Item = &PoolEntry> {
        self.entries.iter().filter(|e| matches!(e.entry, IpNet::V4(_)))
    }
    fn v6(&self) -> impl Iterator<Item = &PoolEntry> {
        self.entries.iter().filter(|e| matches!(e.entry, IpNet::V6(_)))
    }
    fn comment(&self, e: &PoolEntry) -> String {
        format!("{} {}", self.label, e.pool.as_str())
    }
}

/// One CIDR per line: the format of `--firewall cidrs:FILE`, an SLB access control list, or any tool
/// that takes a list.
pub fn cidr_lines(admit: &Admit<'_>) -> String {
    admit.entries.iter().map(|e| format!("{}\n", e.entry)).collect()
}

/// An `iptables-restore --noflush` fragment (and an `ip6tables-restore` one for IPv6 entries) that
/// inserts an ACCEPT per entry at the top of INPUT, ahead of any rule that could drop the pool.
pub fn iptables_restore(admit: &Admit<'_>) -> String {
    let mut out = String::new();
    for (v6, entries) in [(false, admit.v4().collect::<Vec<_>>()), (true, admit.v6().collect())] {
        if entries.is_empty() {
            continue;
        }
        let tool = if v6 { "ip6tables-restore" } else { "iptables-restore" };
        out.push_str(&format!(
            "# {}: admit {} to tcp/{}. Apply with: {tool} --noflush < FILE\n# (-I puts each rule first in INPUT; make it persistent with your distribution's iptables-save service)\n*filter\n",
            admit.label,
            if v6 { "the IPv6 entries" } else { "the pool" },
            admit.port
        ));
        for e in entries {
            out.push_str(&format!(
                "-I INPUT -s {} -p tcp -m tcp --dport {} -m comment --comment \"{}\" -j ACCEPT\n",
                e.entry,
                admit.port,
                admit.comment(e)
            ));
        }
        out.push_str("COMMIT\n");
    }
    out
}

/// `nft insert rule` commands for the chain that filters input, quoted for a POSIX shell (the braces
/// and the comment's quotes must reach nft intact). Table and chain names differ between hosts, so the
/// first line says how to find them; `inet filter input` is the Debian/RHEL default.
pub fn nft_commands(admit: &Admit<'_>) -> String {
    let mut out = format!(
        "# {}: admit the pool to tcp/{}. Replace \"inet filter input\" with your input chain (nft list chains);\n# every base chain on the input hook must accept, so insert into each one that can drop.\n",
        admit.label, admit.port
    );
    for (family, entries) in [("ip", admit.v4().collect::<Vec<_>>()), ("ip6", admit.v6().collect())] {
        if entries.is_empty() {
            continue;
        }
        let set: Vec<String> = entries.iter().map(|e| e.entry.to_string()).collect();
        out.push_str(&format!(
            "nft 'insert rule inet filter input {family} saddr {{ {} }} tcp dport {} accept comment \"{}\"'\n",
            set.join(", "),
            admit.port,
            admit.label
        ));
    }
    out
}

/// firewalld rich rules in the zone the traffic lands in (`public` by default), made permanent and
/// then loaded.
pub fn firewalld_commands(admit: &Admit<'_>) -> String {
    let mut out = format!(
        "# {}: admit the pool to tcp/{}. Use the zone the API server's interface is in (firewall-cmd --get-active-zones).\n",
        admit.label, admit.port
    );
    for e in admit.entries {
        let family = if matches!(e.entry, IpNet::V6(_)) { "ipv6" } else { "ipv4" };
        out.push_str(&format!(
            "firewall-cmd --permanent --zone=public --add-rich-rule='rule family=\"{family}\" source address=\"{}\" port port=\"{}\" protocol=\"tcp\" accept'\n",
            e.entry, admit.port
        ));
    }
    out.push_str("firewall-cmd --reload\n");
    out
}

/// One `aliyun ecs AuthorizeSecurityGroup` call with a permission per entry, priority 1 (the
/// highest) so no Drop rule of lower priority can shadow it.
pub fn ecs_sg_command(admit: &Admit<'_>) -> String {
    let mut out = format!(
        "# {}: admit the pool to tcp/{} in the security group of the API server's ECS instances (replace sg-REPLACE-ME).\naliyun ecs AuthorizeSecurityGroup --RegionId {} --SecurityGroupId sg-REPLACE-ME",
        admit.label, admit.port, admit.region
    );
    for (i, e) in admit.entries.iter().enumerate() {
        let n = i + 1;
        let source = if matches!(e.entry, IpNet::V6(_)) { "Ipv6SourceCidrIp" } else { "SourceCidrIp" };
        out.push_str(&format!(
            " \\\n  --Permissions.{n}.IpProtocol TCP --Permissions.{n}.PortRange {p}/{p} --Permissions.{n}.{source} {} --Permissions.{n}.Policy accept --Permissions.{n}.Priority 1 --Permissions.{n}.Description \"{}\"",
            e.entry,
            admit.comment(e),
            p = admit.port
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::PoolKind;

    fn entries() -> Vec<PoolEntry> {
        vec![
            PoolEntry { entry: "192.0.2.10/32".parse().expect("net"), pool: PoolKind::Public },
            PoolEntry { entry: "198.51.100.0/26".parse().expect("net"), pool: PoolKind::Private },
            PoolEntry { entry: "2001:db8::/64".parse().expect("net"), pool: PoolKind::Private },
        ]
    }

    #[test]
    fn iptables_fragment_splits_families() {
        let e = entries();
        let text = iptables_restore(&Admit { entries: &e, port: 6443, label: "k8sjoin-check doc-1", region: "doc-1" });
        assert_eq!(text.matches("*filter").count(), 2);
        assert!(text.contains("-I INPUT -s 192.0.2.10/32 -p tcp -m tcp --dport 6443 -m comment --comment \"k8sjoin-check doc-1 public\" -j ACCEPT"));
        assert!(text.contains("ip6tables-restore"));
    }

    #[test]
    fn ecs_numbers_permissions() {
        let e = entries();
        let text = ecs_sg_command(&Admit { entries: &e, port: 8443, label: "k", region: "doc-1" });
        assert!(text.contains("--Permissions.3.Ipv6SourceCidrIp 2001:db8::/64"));
        assert!(text.contains("--Permissions.1.PortRange 8443/8443"));
    }
}
