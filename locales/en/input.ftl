# Bad input in the other files the tool reads: firewalld, ECS security groups, CIDR lists, manifests,
# forwarding state, dates, --forward and --firewall specs, versions (exit 2, FILE:LINE).
