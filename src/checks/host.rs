//! Host checks: what the vendor's procedure assumes is installed on the cluster's servers.

use serde_json::json;

use crate::check::{Category, CheckDef, Checked, Env, Outcome, Run, always, never};
use crate::container_runtime::{Runtime, detect};
use crate::i18n::{Sep, Text};
use crate::t;

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
    let docker: Vec<Text> = found
        .iter()
        .filter(|s| s.runtime == Runtime::Docker)
        .map(|s| t!("host-sighting", kind = s.kind.text(), path = s.path.display().to_string()))
        .collect();
    let others: Vec<Text> = found
        .iter()
        .filter(|s| s.runtime != Runtime::Docker)
        .map(|s| {
            t!(
                "host-sighting-of",
                runtime = s.runtime.name(),
                kind = s.kind.text(),
                path = s.path.display().to_string()
            )
        })
        .collect();
    let outcome = if !docker.is_empty() {
        Outcome::pass(t!("host-docker-found", found = Text::join(docker, Sep::Comma)))
    } else if !others.is_empty() {
        Outcome::warn(t!("host-no-docker", found = Text::join(others, Sep::Comma)))
            .fix(t!("host-fix-docker-or-confirm"))
    } else {
        Outcome::fail(t!("host-no-runtime", root = ctx.root.display().to_string()))
            .fix(t!("host-fix-install-docker", url = "https://docs.docker.com/engine/install/"))
            .fix(t!("host-fix-root"))
    };
    Ok(outcome.evidence(evidence))
}
