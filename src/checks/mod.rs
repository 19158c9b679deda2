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
mod pool;
pub mod region;
mod words;

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
    use crate::check::FactKind;
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
            for lang in crate::i18n::Lang::ALL {
                for attribute in [None, Some("summary"), Some("explain")] {
                    let id = format!(
                        "check-{}{}",
                        def.id.replace('.', "-"),
                        attribute.map(|a| format!(".{a}")).unwrap_or_default()
                    );
                    assert!(crate::i18n::has_message(lang, &id), "{id} in locales/{}", lang.as_str());
                }
            }
        }
    }

    #[test]
    fn each_fact_has_one_producer_and_every_read_has_one() {
        for kind in FactKind::ALL {
            let producers: Vec<&str> = CATALOGUE.iter().filter(|d| d.produces.contains(&kind)).map(|d| d.id).collect();
            assert_eq!(producers.len(), 1, "{kind:?} is produced by {producers:?}");
        }
        for def in CATALOGUE {
            for kind in def.reads {
                assert!(!def.produces.contains(kind), "{} reads what it produces", def.id);
            }
            let summary = def.summary(crate::i18n::Lang::En);
            assert!(!summary.is_empty() && !summary.contains('\n'), "{}: one line of summary", def.id);
        }
    }

    /// Every check of the catalogue runs in some configuration; together these make every check
    /// read and produce what it touches, so an undeclared read shows up as a bug in the results.
    #[test]
    fn the_catalogue_runs_without_misusing_the_model() {
        use crate::cli::Cli;
        use clap::Parser;
        use std::sync::Arc;
        let dir = tempfile::tempdir().expect("tempdir");
        for args in [
            vec!["--region", "cn-hangzhou", "--apiserver", "https://127.0.0.1:1", "--no-icmp"],
            vec!["--region", "cn-hangzhou", "--audit", "--k8s-version", "1.28", "--apiserver", "127.0.0.1:1"],
            vec!["--region", "cn-hangzhou", "--forward", "16443:192.0.2.50:6443", "--apiserver", "127.0.0.1:1"],
        ] {
            let mut argv = vec!["k8sjoin-check", "--root", dir.path().to_str().expect("utf-8"), "--timeout", "200ms"];
            argv.extend(args);
            let cli = Cli::try_parse_from(argv).expect("arguments");
            let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
            let ctx = Arc::new(
                crate::setup::context(&cli.run, crate::region::RegionTable::embedded().expect("table"), until)
                    .expect("context"),
            );
            let plan = crate::runner::plan(CATALOGUE, &ctx, &[], &[]).expect("plan");
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            let r = rt.block_on(crate::runner::execute(ctx, &plan, std::future::pending(), |_| {}));
            assert!(r.internal_errors.is_empty(), "{:?}", r.internal_errors);
        }
    }

    #[test]
    fn dependencies_exist_and_come_without_cycles() {
        let producers = crate::runner::producers(CATALOGUE);
        let deps = |def: &CheckDef| -> Vec<&'static str> {
            def.needs
                .iter()
                .chain(def.after)
                .copied()
                .chain(def.reads.iter().filter_map(|k| producers.get(k).copied()))
                .collect()
        };
        for def in CATALOGUE {
            for dep in deps(def) {
                assert!(find(dep).is_some(), "{} depends on unknown {dep}", def.id);
            }
        }
        // Depth-first search for a cycle.
        fn visit(id: &str, stack: &mut Vec<String>) {
            assert!(!stack.iter().any(|s| s == id), "dependency cycle: {stack:?} -> {id}");
            stack.push(id.to_string());
            let def = find(id).expect("known id");
            let producers = crate::runner::producers(CATALOGUE);
            for dep in def
                .needs
                .iter()
                .chain(def.after)
                .copied()
                .chain(def.reads.iter().filter_map(|k| producers.get(k).copied()))
            {
                visit(dep, stack);
            }
            stack.pop();
        }
        for def in CATALOGUE {
            visit(def.id, &mut Vec::new());
        }
    }
}
