# Bad input in firewall rulesets read from files: iptables-save, nft JSON, ipset (exit 2, FILE:LINE).
