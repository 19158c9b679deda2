//! Runs the selected checks: concurrently, each as soon as the checks it depends on have finished,
//! bounded by the run's deadline and by Ctrl-C.
//!
//! Every check is a task. A check waits for the checks in its `needs` and `after` lists (those that
//! are part of this run), is skipped when a `needs` check failed or was skipped, and otherwise runs:
//! synchronous checks on the blocking pool (they parse files and evaluate rulesets), asynchronous
//! ones on the runtime. When the run stops early, every check that has not finished is reported as
//! `skip` with the reason, so the report is always complete.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::check::{Check, CheckDef, Env, Outcome, Run, Status};
use crate::context::Context;
use crate::error::Error;

/// Results of finished checks, shared by the running tasks.
#[derive(Debug)]
pub struct Done {
    slots: HashMap<&'static str, OnceLock<Check>>,
    finished: watch::Sender<usize>,
}

impl Done {
    fn new(ids: impl IntoIterator<Item = &'static str>) -> Self {
        Done { slots: ids.into_iter().map(|id| (id, OnceLock::new())).collect(), finished: watch::Sender::new(0) }
    }

    /// The result of a check that is part of this run and has finished.
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.slots.get(id).and_then(OnceLock::get)
    }

    fn in_run(&self, id: &str) -> bool {
        self.slots.contains_key(id)
    }

    fn finish(&self, check: Check) {
        if let Some(slot) = self.slots.get(check.id) {
            let _ = slot.set(check);
        }
        self.finished.send_modify(|n| *n += 1);
    }
}

/// Which checks run, and which of them the report shows.
#[derive(Debug, Clone)]
pub struct Plan {
    /// In catalogue order.
    pub run: Vec<&'static CheckDef>,
    /// Ids the report shows: the selected checks, not the dependencies pulled in for them.
    pub reported: BTreeSet<&'static str>,
}

/// Does a `--only`/`--skip` pattern select this id? Patterns match whole dotted segments:
/// `apiserver` and `apiserver.tls` match `apiserver.tls`; `apiserver.t` matches nothing.
pub fn pattern_matches(pattern: &str, id: &str) -> bool {
    let pattern = pattern.trim_end_matches('.');
    id == pattern || id.strip_prefix(pattern).is_some_and(|rest| rest.starts_with('.'))
}

/// Chooses the checks for this run from the catalogue.
pub fn plan(catalogue: &'static [CheckDef], ctx: &Context, only: &[String], skip: &[String]) -> Result<Plan, Error> {
    for (flag, patterns) in [("--only", only), ("--skip", skip)] {
        for p in patterns {
            if !catalogue.iter().any(|d| pattern_matches(p, d.id)) {
                return Err(Error::Usage(unknown_check_message(catalogue, flag, p)));
            }
        }
    }
    let skipped = |id: &str| skip.iter().any(|p| pattern_matches(p, id));
    let applicable: Vec<&'static CheckDef> = catalogue.iter().filter(|d| (d.applies)(ctx)).collect();
    let reported: BTreeSet<&'static str> = applicable
        .iter()
        .filter(|d| only.is_empty() || only.iter().any(|p| pattern_matches(p, d.id)))
        .filter(|d| !skipped(d.id))
        .map(|d| d.id)
        .collect();
    if reported.is_empty() {
        let hint = if only.iter().any(|p| p.starts_with("audit")) && !ctx.audit {
            ": the audit checks run only with --audit"
        } else {
            ""
        };
        return Err(Error::Usage(format!("--only/--skip leave no check to run{hint}")));
    }
    // Pull in what the reported checks depend on, unless the user skipped it explicitly.
    let mut wanted = reported.clone();
    let mut frontier: Vec<&'static str> = reported.iter().copied().collect();
    while let Some(id) = frontier.pop() {
        let Some(def) = applicable.iter().find(|d| d.id == id) else { continue };
        for dep in def.needs.iter().chain(def.after) {
            if !skipped(dep) && applicable.iter().any(|d| d.id == *dep) && wanted.insert(dep) {
                frontier.push(dep);
            }
        }
    }
    let run = applicable.into_iter().filter(|d| wanted.contains(d.id)).collect();
    Ok(Plan { run, reported })
}

fn unknown_check_message(catalogue: &[CheckDef], flag: &str, pattern: &str) -> String {
    let mut ids: Vec<&str> = catalogue.iter().map(|d| d.id).collect();
    ids.sort_by_key(|id| common_prefix(id, pattern));
    let closest = ids.last().copied().filter(|id| common_prefix(id, pattern) >= 3);
    let categories: BTreeSet<&str> = catalogue.iter().filter_map(|d| d.id.split('.').next()).collect();
    let mut msg = format!("unknown check id {pattern:?} in {flag}");
    if let Some(id) = closest {
        msg.push_str(&format!("; did you mean {id}?"));
    }
    msg.push_str(&format!(
        " Ids are dotted (category.name); categories: {}. `k8sjoin-check explain ID` describes one.",
        categories.into_iter().collect::<Vec<_>>().join(", ")
    ));
    msg
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Why a run stopped before every check finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Deadline(std::time::Duration),
    Interrupted,
}

impl StopReason {
    fn message(self) -> String {
        match self {
            StopReason::Deadline(d) => {
                format!(
                    "the run's --deadline of {} passed before this check finished",
                    crate::report::human_duration(d)
                )
            }
            StopReason::Interrupted => "interrupted (Ctrl-C) before this check finished".into(),
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct RunResult {
    /// The reported checks, in catalogue order.
    pub checks: Vec<Check>,
    pub stopped: Option<StopReason>,
    /// Checks that crashed (bugs); the process exits 3 when there is any.
    pub internal_errors: Vec<String>,
}

/// Runs the plan until every check has finished or `stop` resolves.
pub async fn execute(ctx: Arc<Context>, plan: &Plan, stop: impl std::future::Future<Output = StopReason>) -> RunResult {
    let done = Arc::new(Done::new(plan.run.iter().map(|d| d.id)));
    let env = Env { ctx, done: done.clone() };
    let mut tasks = JoinSet::new();
    for def in &plan.run {
        let env = env.clone();
        let def: &'static CheckDef = def;
        tasks.spawn(async move {
            let check = run_one(def, env.clone()).await;
            env.done.finish(check);
        });
    }
    let mut internal_errors = Vec::new();
    let all_finished = async {
        while let Some(joined) = tasks.join_next().await {
            if let Err(e) = joined {
                internal_errors.push(format!("a check task ended abnormally: {e}"));
            }
        }
    };
    let stopped = tokio::select! {
        () = all_finished => None,
        reason = stop => Some(reason),
    };
    let checks = plan
        .run
        .iter()
        .filter(|def| plan.reported.contains(def.id))
        .map(|def| match done.get(def.id) {
            Some(check) => check.clone(),
            None => {
                let why = stopped.map_or_else(|| "the check did not finish".to_string(), StopReason::message);
                Check::from_outcome(def, Outcome::skip(why), 0)
            }
        })
        .collect::<Vec<_>>();
    for check in &checks {
        if check.evidence.get("internal_error").is_some() {
            internal_errors.push(format!("{}: {}", check.id, check.message));
        }
    }
    RunResult { checks, stopped, internal_errors }
}

async fn run_one(def: &'static CheckDef, env: Env) -> Check {
    let deps: Vec<&str> = def.needs.iter().chain(def.after).copied().filter(|d| env.done.in_run(d)).collect();
    let mut finished = env.done.finished.subscribe();
    // The sender lives as long as `done`, which this task holds, so waiting cannot fail.
    let _ = finished.wait_for(|_| deps.iter().all(|d| env.done.get(d).is_some())).await;
    if let Some(outcome) = blocked_by_needs(def, &env) {
        return Check::from_outcome(def, outcome, 0);
    }
    let started = Instant::now();
    let outcome = match def.run {
        Run::Sync(f) => {
            let env = env.clone();
            tokio::task::spawn_blocking(move || f(&env)).await.unwrap_or_else(|e| crashed(&e))
        }
        Run::Async(f) => {
            let env = env.clone();
            tokio::spawn(async move { f(&env).await }).await.unwrap_or_else(|e| crashed(&e))
        }
    };
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Check::from_outcome(def, outcome, ms)
}

/// A check whose required input failed or is missing is skipped with that reason.
fn blocked_by_needs(def: &CheckDef, env: &Env) -> Option<Outcome> {
    for need in def.needs {
        match env.done.get(need) {
            // A need that was itself skipped for a need of its own already names the root cause.
            Some(c) if c.status == Status::Skip && c.message.starts_with("needs ") => {
                return Some(Outcome::skip(c.message.clone()));
            }
            Some(c) if matches!(c.status, Status::Fail | Status::Skip) => {
                let how = if c.status == Status::Fail { "failed" } else { "was skipped" };
                return Some(
                    Outcome::skip(format!("needs {need}, which {how}: {}", headline(&c.message)))
                        .evidence(serde_json::json!({ "blocked_by": need })),
                );
            }
            Some(_) => {}
            None => return Some(Outcome::skip(format!("needs {need}, which was not run in this selection"))),
        }
    }
    None
}

/// The first clause of a message: what a dependent check repeats of the cause (the full message
/// stays on the check that has it, one row up in every report).
fn headline(message: &str) -> &str {
    let cut = [": ", " (", "; "].iter().filter_map(|sep| message.find(sep)).filter(|&i| i >= 12).min();
    cut.map_or(message, |i| &message[..i])
}

fn crashed(e: &tokio::task::JoinError) -> Outcome {
    Outcome::fail(format!("internal error: the check crashed ({e}); please report this as a bug"))
        .evidence(serde_json::json!({ "internal_error": e.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{BoxFuture, Category, always};
    use crate::cli::Cli;
    use crate::region::RegionTable;
    use clap::Parser;
    use std::sync::LazyLock;
    use std::time::Duration;

    fn ctx(args: &[&str]) -> Arc<Context> {
        let cli = Cli::parse_from(std::iter::once("k8sjoin-check").chain(args.iter().copied()));
        Arc::new(Context::from_args(&cli.run, RegionTable::embedded().expect("table")).expect("context"))
    }

    const fn def(id: &'static str, needs: &'static [&'static str], run: Run) -> CheckDef {
        CheckDef { id, category: Category::Region, title: "t", explain: "e", needs, after: &[], applies: always, run }
    }

    static BARRIER: LazyLock<tokio::sync::Barrier> = LazyLock::new(|| tokio::sync::Barrier::new(2));

    fn meet(_: &Env) -> BoxFuture<'_> {
        Box::pin(async {
            BARRIER.wait().await;
            Outcome::pass("met")
        })
    }
    fn hang(_: &Env) -> BoxFuture<'_> {
        Box::pin(async {
            std::future::pending::<()>().await;
            Outcome::pass("never")
        })
    }
    fn fails(_: &Env) -> Outcome {
        Outcome::fail("broken input")
    }
    fn passes(_: &Env) -> Outcome {
        Outcome::pass("fine")
    }
    fn panics(_: &Env) -> Outcome {
        panic!("bug in a check")
    }

    static CATALOGUE: &[CheckDef] = &[
        def("region.a", &[], Run::Async(meet)),
        def("region.b", &[], Run::Async(meet)),
        def("region.hang", &[], Run::Async(hang)),
        def("region.broken", &[], Run::Sync(fails)),
        def("region.after-broken", &["region.broken"], Run::Sync(passes)),
        def("region.after-hang", &["region.hang"], Run::Sync(passes)),
        def("region.crash", &[], Run::Sync(panics)),
    ];

    async fn run_with(only: &[&str], stop_after: Duration) -> RunResult {
        let ctx = ctx(&[]);
        let only: Vec<String> = only.iter().map(|s| (*s).to_string()).collect();
        let plan = plan(CATALOGUE, &ctx, &only, &[]).expect("plan");
        execute(ctx, &plan, async move {
            tokio::time::sleep(stop_after).await;
            StopReason::Deadline(stop_after)
        })
        .await
    }

    fn status_of<'a>(r: &'a RunResult, id: &str) -> &'a Check {
        r.checks.iter().find(|c| c.id == id).expect("reported")
    }

    #[tokio::test]
    async fn independent_checks_run_concurrently() {
        // Each waits for the other at a barrier: run one after the other, they would never finish.
        let r = run_with(&["region.a", "region.b"], Duration::from_secs(10)).await;
        assert_eq!(r.stopped, None);
        assert!(r.checks.iter().all(|c| c.status == Status::Pass), "{:?}", r.checks);
    }

    #[tokio::test]
    async fn a_failed_need_skips_the_dependent_with_the_reason() {
        let r = run_with(&["region.after-broken"], Duration::from_secs(10)).await;
        // The dependency ran (it is needed) but is not reported (it was not selected).
        assert_eq!(r.checks.len(), 1);
        let c = status_of(&r, "region.after-broken");
        assert_eq!(c.status, Status::Skip);
        assert_eq!(c.message, "needs region.broken, which failed: broken input");
    }

    #[tokio::test]
    async fn the_deadline_reports_unfinished_checks_as_skipped() {
        let r = run_with(&["region.hang", "region.after-hang", "region.broken"], Duration::from_millis(200)).await;
        assert_eq!(r.stopped, Some(StopReason::Deadline(Duration::from_millis(200))));
        assert_eq!(status_of(&r, "region.broken").status, Status::Fail, "finished checks keep their result");
        for id in ["region.hang", "region.after-hang"] {
            let c = status_of(&r, id);
            assert_eq!(c.status, Status::Skip);
            assert!(c.message.contains("--deadline of 200ms"), "{}", c.message);
        }
    }

    #[tokio::test]
    async fn a_crashing_check_is_an_internal_error_not_a_pass() {
        let r = run_with(&["region.crash"], Duration::from_secs(10)).await;
        assert_eq!(status_of(&r, "region.crash").status, Status::Fail);
        assert_eq!(r.internal_errors.len(), 1);
    }

    #[test]
    fn plan_rejects_unknown_ids_and_pulls_in_dependencies() {
        let ctx = ctx(&[]);
        let err = plan(CATALOGUE, &ctx, &["region.brokn".into()], &[]).unwrap_err();
        assert!(err.to_string().contains("did you mean region.broken?"), "{err}");
        let p = plan(CATALOGUE, &ctx, &["region.after-broken".into()], &[]).expect("plan");
        let run: Vec<&str> = p.run.iter().map(|d| d.id).collect();
        assert_eq!(run, ["region.broken", "region.after-broken"]);
        assert_eq!(p.reported.iter().copied().collect::<Vec<_>>(), ["region.after-broken"]);
        // An explicitly skipped dependency is not pulled back in.
        let p = plan(CATALOGUE, &ctx, &["region.after-broken".into()], &["region.broken".into()]).expect("plan");
        assert_eq!(p.run.len(), 1);
    }

    #[test]
    fn headlines_cut_at_the_first_clause() {
        assert_eq!(headline("no API server endpoint: no --apiserver, and no kubeconfig (x)"), "no API server endpoint");
        assert_eq!(headline("broken input"), "broken input");
        assert_eq!(headline("a: b"), "a: b", "too short a clause is kept whole");
    }

    #[test]
    fn patterns_match_whole_segments() {
        assert!(pattern_matches("apiserver", "apiserver.tls"));
        assert!(pattern_matches("apiserver.tls", "apiserver.tls"));
        assert!(pattern_matches("apiserver.", "apiserver.tls"));
        assert!(!pattern_matches("apiserver.t", "apiserver.tls"));
        assert!(!pattern_matches("api", "apiserver.tls"));
        assert!(!pattern_matches("forward", "forwarder.reach"));
    }
}
