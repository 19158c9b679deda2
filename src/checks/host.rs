//! Host checks: what the vendor's procedure assumes is installed on the cluster's servers.

use serde_json::json;

use crate::check::{Category, CheckDef, Checked, Env, Outcome, Run, always, never};
use crate::container_runtime::{Runtime, detect};

pub const CONTAINER_RUNTIME: CheckDef = CheckDef {
    id: "host.container-runtime",
    category: Category::Host,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: never,
    applies: always,
    run: Run::Sync(container_runtime),
};

fn container_runtime(env: &Env) -> Checked {
    let ctx = &env.ctx;
    let path = std::env::var("PATH").ok();
    let found = detect(&ctx.root, path.as_deref());
    let evidence = json!({ "root": ctx.root, "found": found });
    let docker: Vec<String> = found
        .iter()
        .filter(|s| s.runtime == Runtime::Docker)
        .map(|s| format!("{} {}", s.kind, s.path.display()))
        .collect();
    let others: Vec<String> = found
        .iter()
        .filter(|s| s.runtime != Runtime::Docker)
        .map(|s| format!("{:?} {} {}", s.runtime, s.kind, s.path.display()).to_lowercase())
        .collect();
    let outcome = if !docker.is_empty() {
        Outcome::pass(format!("Docker found: {}", docker.join(", ")))
    } else if !others.is_empty() {
        Outcome::warn(format!(
            "no Docker, but {}: the vendor's procedure requires Docker (前提条件: 已安装Docker)",
            others.join(", ")
        ))
        .fix("install Docker on the cluster's nodes, or confirm with Alibaba Cloud support that this runtime is supported")
    } else {
        Outcome::fail(format!(
            "no container runtime found under {} (no Docker or containerd socket or binary)",
            ctx.root.display()
        ))
        .fix("install Docker (the vendor's prerequisite), e.g. https://docs.docker.com/engine/install/")
        .fix("checking a copied node? pass its root directory with --root")
    };
    Ok(outcome.evidence(evidence))
}
