//! Edition check: what cannot be seen from a host, stated as a manual step.

use serde_json::json;

use crate::check::{Category, CheckDef, Checked, Env, Outcome, Run, always, never};

pub const REQUIREMENT: CheckDef = CheckDef {
    id: "edition.requirement",
    category: Category::Edition,
    title: "Security Center edition",
    summary: "manual: Security Center Ultimate (旗舰版) or Host and Container Security is needed",
    explain: "Manual step: joining a self-built Kubernetes cluster needs Security Center Ultimate (旗舰版, \
subscription) or Host and Container Security (pay-as-you-go); other editions do not offer the feature. \
Nothing on the host shows the edition, so a person must confirm it in the console. Fix: buy or upgrade \
the edition in the Security Center console before generating the join command.",
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: never,
    applies: always,
    run: Run::Sync(requirement),
};

fn requirement(_: &Env) -> Checked {
    Ok(Outcome::manual(
        "confirm in the Security Center console that the account has Ultimate (旗舰版) or Host and Container Security (pay-as-you-go)",
    )
    .evidence(json!({"editions": ["Ultimate (旗舰版, subscription)", "Host and Container Security (pay-as-you-go)"]}))
    .fix("Security Center console → upgrade (升级与降配) to Ultimate if the account has another edition"))
}
