//! The catalogue: every check, in the order reports list them.
//!
//! A check lives in `checks/<category>.rs` as a `CheckDef` constant plus the function that runs it.

pub mod apiserver;
pub mod audit;
pub mod edition;
pub mod firewall;
pub mod forward;
pub mod forwarder;
pub mod host;
pub mod region;

use crate::check::CheckDef;

/// Every check, in catalogue (report) order.
pub static CATALOGUE: &[CheckDef] = &[
    region::KNOWN,
    region::VPC_ELIGIBLE,
    region::NETWORK_TYPE,
    region::CIDR_CONFLICT,
    apiserver::ENDPOINT,
    apiserver::DNS,
    apiserver::TCP,
    apiserver::TLS,
    apiserver::HEALTH,
    apiserver::VERSION,
    apiserver::ICMP,
    forwarder::REACH,
    firewall::SOURCES,
    firewall::ALLOWLIST,
    firewall::SHADOWED,
    firewall::EXPOSURE,
    forward::IP_FORWARD_CHECK,
    forward::DNAT,
    forward::FILTER,
    forward::RETURN_PATH,
    host::CONTAINER_RUNTIME,
    audit::K8S_VERSION,
    audit::POLICY_FILE,
    audit::POLICY_CONTENT,
    audit::APISERVER_FLAGS,
    audit::APISERVER_MOUNTS,
    audit::COLLECTOR_ENV,
    audit::APISERVER_RUNNING,
    audit::LOG_WRITTEN,
    audit::APISERVER_IMAGE,
    audit::POOL_SEEN,
    edition::REQUIREMENT,
    audit::COLLECTOR_INSTALLED,
];

/// Looks a check up by its exact id.
pub fn find(id: &str) -> Option<&'static CheckDef> {
    CATALOGUE.iter().find(|d| d.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_dotted_and_match_their_category() {
        let mut seen = HashSet::new();
        for def in CATALOGUE {
            assert!(seen.insert(def.id), "duplicate id {}", def.id);
            let (category, name) = def.id.split_once('.').expect("dotted id");
            assert_eq!(category, def.category.as_str(), "{}", def.id);
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                def.id
            );
            assert!(!def.explain.is_empty() && !def.title.is_empty(), "{}", def.id);
        }
    }

    #[test]
    fn dependencies_exist_and_come_without_cycles() {
        for def in CATALOGUE {
            for dep in def.needs.iter().chain(def.after) {
                assert!(find(dep).is_some(), "{} depends on unknown {dep}", def.id);
            }
        }
        // Depth-first search for a cycle.
        fn visit(id: &str, stack: &mut Vec<String>) {
            assert!(!stack.iter().any(|s| s == id), "dependency cycle: {stack:?} -> {id}");
            stack.push(id.to_string());
            let def = find(id).expect("known id");
            for dep in def.needs.iter().chain(def.after) {
                visit(dep, stack);
            }
            stack.pop();
        }
        for def in CATALOGUE {
            visit(def.id, &mut Vec::new());
        }
    }
}
