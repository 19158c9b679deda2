//! Edition check: what cannot be seen from a host, stated as a manual step.

use serde_json::json;

use crate::check::{Category, CheckDef, Checked, Env, Outcome, Run, always, never};
use crate::t;

pub const REQUIREMENT: CheckDef = CheckDef {
    id: "edition.requirement",
    category: Category::Edition,
    needs: &[],
    after: &[],
    produces: &[],
    reads: &[],
    required: never,
    applies: always,
    run: Run::Sync(requirement),
};

fn requirement(_: &Env) -> Checked {
    Ok(Outcome::manual(t!("edition-confirm"))
        .evidence(
            json!({"editions": ["Ultimate (旗舰版, subscription)", "Host and Container Security (pay-as-you-go)"]}),
        )
        .fix(t!("edition-fix-upgrade")))
}
