//! Runs the selected checks: concurrently, each as soon as the checks it depends on have finished,
//! bounded by the run's deadline and by Ctrl-C.
//!
//! Every check is a task. A check waits for the checks in its `needs` and `after` lists (those that
//! are part of this run), is skipped when a `needs` check failed or was skipped, and otherwise runs:
//! synchronous checks on the blocking pool (they parse files and evaluate rulesets), asynchronous
//! ones on the runtime. When the run stops early, every check that has not finished is reported as
//! `skip` with the reason, so the report is always complete.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::check::{Cause, CheckDef, Env, Fact, FactKind, Finished, Outcome, Results, Run, Status, selects};
use crate::context::Context;
use crate::error::Error;
use crate::i18n::Text;
use crate::units::human_duration;

/// Which checks run, which of them the report shows, and what each waits for.
#[derive(Debug, Clone)]
pub struct Plan {
    /// In catalogue order.
    pub run: Vec<&'static CheckDef>,
    /// Ids the report shows: the selected checks, not the dependencies pulled in for them.
    pub reported: BTreeSet<&'static str>,
    /// The reported checks the verdict needs (DESIGN §2.1; `--only` narrows them).
    pub required: BTreeSet<&'static str>,
    /// For each check, the checks of the run it starts after: its `needs` and `after`, and the
    /// producers of the facts it reads.
    waits_for: HashMap<&'static str, Vec<&'static str>>,
}

/// Chooses the checks for this run from the catalogue.
pub fn plan(catalogue: &'static [CheckDef], ctx: &Context, only: &[String], skip: &[String]) -> Result<Plan, Error> {
    for (flag, patterns) in [("--only", only), ("--skip", skip)] {
        for p in patterns {
            if !catalogue.iter().any(|d| selects(p, d.id)) {
                return Err(Error::Usage(unknown_check_message(catalogue, flag, p)));
            }
        }
    }
    let skipped = |id: &str| skip.iter().any(|p| selects(p, id));
    let applicable: Vec<&'static CheckDef> = catalogue.iter().filter(|d| (d.applies)(ctx)).collect();
    let reported: BTreeSet<&'static str> = applicable
        .iter()
        .filter(|d| only.is_empty() || only.iter().any(|p| selects(p, d.id)))
        .filter(|d| !skipped(d.id))
        .map(|d| d.id)
        .collect();
    if reported.is_empty() {
        return Err(Error::Usage(if only.iter().any(|p| p.starts_with("audit")) && !ctx.audit {
            crate::t!("runner-nothing-to-run-audit")
        } else {
            crate::t!("runner-nothing-to-run")
        }));
    }
    // Pull in what the reported checks depend on, unless the user skipped it explicitly.
    let producers = producers(catalogue);
    let deps = |def: &CheckDef| -> Vec<&'static str> {
        let mut d: Vec<&'static str> = def.needs.iter().chain(def.after).copied().collect();
        d.extend(def.reads.iter().filter_map(|k| producers.get(k).copied()));
        d.sort_unstable();
        d.dedup();
        d
    };
    let mut wanted = reported.clone();
    let mut frontier: Vec<&'static str> = reported.iter().copied().collect();
    while let Some(id) = frontier.pop() {
        let Some(def) = applicable.iter().find(|d| d.id == id) else { continue };
        for dep in deps(def) {
            if !skipped(dep) && applicable.iter().any(|d| d.id == dep) && wanted.insert(dep) {
                frontier.push(dep);
            }
        }
    }
    let required = applicable.iter().filter(|d| reported.contains(d.id) && (d.required)(ctx)).map(|d| d.id).collect();
    let run: Vec<&'static CheckDef> = applicable.into_iter().filter(|d| wanted.contains(d.id)).collect();
    // A reader waits for the producers of what it reads whenever they are part of the run, also
    // when `--only` did not pull them in (they were selected themselves).
    let waits_for =
        run.iter().map(|def| (def.id, deps(def).into_iter().filter(|d| wanted.contains(d)).collect())).collect();
    Ok(Plan { run, reported, required, waits_for })
}

/// The check that produces each kind of fact.
pub fn producers(catalogue: &[CheckDef]) -> HashMap<FactKind, &'static str> {
    let mut out = HashMap::new();
    for def in catalogue {
        for kind in def.produces {
            out.insert(*kind, def.id);
        }
    }
    out
}

fn unknown_check_message(catalogue: &[CheckDef], flag: &str, pattern: &str) -> Text {
    let mut ids: Vec<&str> = catalogue.iter().map(|d| d.id).collect();
    ids.sort_by_key(|id| common_prefix(id, pattern));
    let closest = ids.last().copied().filter(|id| common_prefix(id, pattern) >= 3);
    let categories: BTreeSet<&str> = catalogue.iter().filter_map(|d| d.id.split('.').next()).collect();
    let categories = categories.into_iter().collect::<Vec<_>>().join(", ");
    let pattern = format!("{pattern:?}");
    match closest {
        Some(id) => {
            crate::t!(
                "runner-unknown-check-did-you-mean",
                pattern = pattern,
                flag = flag,
                id = id,
                categories = categories
            )
        }
        None => crate::t!("runner-unknown-check", pattern = pattern, flag = flag, categories = categories),
    }
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// Why a run stopped before every check finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Deadline(std::time::Duration),
    /// A signal asked the run to end: Ctrl-C (SIGINT), SIGTERM (CI runners, `timeout`) or SIGHUP.
    Signal(Signal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    HangUp,
}

impl Signal {
    /// The exit code of a process ended by this signal: 128 + its number.
    pub fn exit_code(self) -> i32 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
            Signal::HangUp => 129,
        }
    }

    /// How the report names it.
    pub fn describe(self) -> Text {
        match self {
            Signal::Interrupt => crate::t!("signal-interrupt"),
            Signal::Terminate => crate::t!("signal-terminate"),
            Signal::HangUp => crate::t!("signal-hangup"),
        }
    }
}

impl StopReason {
    /// The summary's `stopped`.
    pub fn describe(self) -> Text {
        match self {
            StopReason::Deadline(d) => crate::t!("stopped-deadline", deadline = human_duration(d)),
            StopReason::Signal(s) => s.describe(),
        }
    }

    fn message(self) -> Text {
        match self {
            StopReason::Deadline(d) => crate::t!("runner-deadline-passed", deadline = human_duration(d)),
            StopReason::Signal(s) => crate::t!("runner-signal-before-finish", signal = s.describe()),
        }
    }

    /// What would let an unfinished check finish.
    fn input(self) -> Text {
        match self {
            StopReason::Deadline(_) => crate::t!("runner-needs-longer-deadline"),
            StopReason::Signal(_) => crate::t!("runner-needs-uninterrupted"),
        }
    }
}

/// What a run produced.
#[derive(Debug)]
pub struct RunResult {
    /// The reported checks, in catalogue order.
    pub checks: Vec<Finished>,
    pub stopped: Option<StopReason>,
    /// Checks that crashed and misuses of the check model (bugs); the process exits 3 when there
    /// is any.
    pub internal_errors: Vec<String>,
    /// The API server's addresses as the run found them (for the report's network type).
    pub addresses: Option<Vec<IpAddr>>,
    /// Reported checks skipped because a check they need was left out on request (`--skip`).
    pub on_request: BTreeSet<String>,
    /// The gitVersion `/version` reported, when it was reached.
    pub server_version: Option<String>,
}

/// Which checks are running, for a progress line.
#[derive(Debug, Clone)]
pub struct Progress {
    /// The checks running now, with how long each has run.
    pub running: Vec<(&'static str, Duration)>,
    pub finished: usize,
    pub total: usize,
}

/// How often the progress callback is called.
const TICK: Duration = Duration::from_millis(100);

/// Runs the plan until every check has finished or `stop` resolves; `tick` sees the progress every
/// 100 ms.
pub async fn execute(
    ctx: Arc<Context>,
    plan: &Plan,
    stop: impl std::future::Future<Output = StopReason>,
    tick: impl Fn(&Progress),
) -> RunResult {
    let results = Arc::new(Results::new(plan.run.iter().map(|d| d.id)));
    let running: Arc<Mutex<Vec<(&'static str, Instant)>>> = Arc::new(Mutex::new(Vec::new()));
    let (finished, _) = watch::channel(0usize);
    let finished = Arc::new(finished);
    let mut tasks = JoinSet::new();
    for def in &plan.run {
        let def: &'static CheckDef = def;
        let env = Env::new(ctx.clone(), results.clone(), def);
        let waits_for = plan.waits_for.get(def.id).cloned().unwrap_or_default();
        let (results, finished, running) = (results.clone(), finished.clone(), running.clone());
        tasks.spawn(async move {
            let mut notified = finished.subscribe();
            // The sender lives as long as this task holds it, so waiting cannot fail.
            let _ = notified.wait_for(|_| waits_for.iter().all(|d| results.get(d).is_some())).await;
            if let Ok(mut r) = running.lock() {
                r.push((def.id, Instant::now()));
            }
            let (check, cause) = run_one(def, &env, &results).await;
            if let Ok(mut r) = running.lock() {
                r.retain(|(id, _)| *id != def.id);
            }
            results.finish(check, cause);
            finished.send_modify(|n| *n += 1);
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
    let total = plan.run.len();
    let ticker = async {
        loop {
            tokio::time::sleep(TICK).await;
            let now = Instant::now();
            let active = running.lock().map(|r| r.iter().map(|(id, t)| (*id, now - *t)).collect()).unwrap_or_default();
            tick(&Progress { running: active, finished: *finished.borrow(), total });
        }
    };
    let stopped = tokio::select! {
        () = all_finished => None,
        reason = stop => Some(reason),
        () = ticker => None,
    };
    let checks = plan
        .run
        .iter()
        .filter(|def| plan.reported.contains(def.id))
        .map(|def| match results.get(def.id) {
            Some(check) => check.clone(),
            None => {
                let outcome = match stopped {
                    Some(s) => Outcome::skip(s.message()).needing(s.input()),
                    None => Outcome::skip(crate::t!("runner-did-not-finish")),
                };
                Finished { def, outcome, duration_ms: 0 }
            }
        })
        .collect::<Vec<_>>();
    for check in &checks {
        if check.outcome.evidence.get("internal_error").is_some() {
            internal_errors.push(format!("{}: {}", check.id(), check.outcome.message));
        }
    }
    internal_errors.extend(results.bugs().into_iter().map(|b| format!("bug: {b}")));
    let addresses = match results.fact(FactKind::Addresses) {
        Some(Fact::Addresses(r)) => Some(r.addresses.clone()),
        _ => ctx.literal_addresses().map(|r| r.addresses),
    };
    let on_request =
        checks.iter().filter(|c| results.cause(c.id()) == Cause::OnRequest).map(|c| c.id().to_string()).collect();
    let server_version = match results.fact(FactKind::ServerVersion) {
        Some(Fact::ServerVersion(v)) => Some(v.clone()),
        _ => None,
    };
    RunResult { checks, stopped, internal_errors, addresses, on_request, server_version }
}

/// Runs one check whose dependencies have finished.
async fn run_one(def: &'static CheckDef, env: &Env, results: &Results) -> (Finished, Cause) {
    if let Some((outcome, cause)) = blocked_by_needs(def, results) {
        return (Finished { def, outcome, duration_ms: 0 }, cause);
    }
    let started = Instant::now();
    let outcome = match def.run {
        Run::Sync(f) => {
            let env = env.clone();
            tokio::task::spawn_blocking(move || flatten(f(&env))).await.unwrap_or_else(|e| crashed(&e))
        }
        Run::Async(f) => {
            let env = env.clone();
            tokio::spawn(async move { flatten(f(&env).await) }).await.unwrap_or_else(|e| crashed(&e))
        }
    };
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    (Finished { def, outcome, duration_ms: ms }, Cause::Ran)
}

/// Both arms of a check body's result are its outcome.
fn flatten(checked: crate::check::Checked) -> Outcome {
    checked.unwrap_or_else(|early| *early.0)
}

/// A check whose required input failed or is missing is skipped with that reason, and with what
/// would let the root cause run.
fn blocked_by_needs(def: &CheckDef, results: &Results) -> Option<(Outcome, Cause)> {
    let with_input = |o: Outcome, c: &Finished| match &c.outcome.input {
        Some(input) => o.needing(input.clone()),
        None => o,
    };
    for need in def.needs {
        match results.get(need) {
            // A need that was itself skipped for a need of its own already names the root cause.
            Some(c) if c.status() == Status::Skip && results.cause(need) != Cause::Ran => {
                return Some((with_input(Outcome::skip(c.outcome.message.clone()), c), results.cause(need)));
            }
            Some(c) if matches!(c.status(), Status::Fail | Status::Skip) => {
                let cause = Text::Headline(Box::new(c.outcome.message.clone()));
                let o = if c.status() == Status::Fail {
                    Outcome::skip(crate::t!("runner-needs-failed", need = *need, cause = cause))
                } else {
                    Outcome::skip(crate::t!("runner-needs-skipped", need = *need, cause = cause))
                }
                .evidence(serde_json::json!({ "blocked_by": need }));
                return Some((with_input(o, c), Cause::Blocked));
            }
            Some(_) => {}
            None => {
                let o = Outcome::skip(crate::t!("runner-needs-not-selected", need = *need));
                return Some((o, Cause::OnRequest));
            }
        }
    }
    None
}

fn crashed(e: &tokio::task::JoinError) -> Outcome {
    Outcome::fail(crate::t!("runner-crashed", error = e.to_string()))
        .evidence(serde_json::json!({ "internal_error": e.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{BoxFuture, Category, Checked, always};
    use crate::cli::Cli;
    use crate::region::RegionTable;
    use clap::Parser;
    use std::sync::LazyLock;
    use std::time::Duration;

    fn ctx(args: &[&str]) -> Arc<Context> {
        let cli = Cli::parse_from(std::iter::once("k8sjoin-check").chain(args.iter().copied()));
        let until = Instant::now() + Duration::from_secs(30);
        Arc::new(crate::setup::context(&cli.run, RegionTable::embedded().expect("table"), until).expect("context"))
    }

    const fn def(id: &'static str, needs: &'static [&'static str], run: Run) -> CheckDef {
        CheckDef {
            id,
            category: Category::Region,
            needs,
            after: &[],
            produces: &[],
            reads: &[],
            required: always,
            applies: always,
            run,
        }
    }

    static BARRIER: LazyLock<tokio::sync::Barrier> = LazyLock::new(|| tokio::sync::Barrier::new(2));

    fn meet(_: &Env) -> BoxFuture<'_> {
        Box::pin(async {
            BARRIER.wait().await;
            Ok(Outcome::pass(Text::verbatim("met")))
        })
    }
    fn hang(_: &Env) -> BoxFuture<'_> {
        Box::pin(async {
            std::future::pending::<()>().await;
            Ok(Outcome::pass(Text::verbatim("never")))
        })
    }
    fn fails(_: &Env) -> Checked {
        Ok(Outcome::fail(Text::verbatim("broken input")))
    }
    fn passes(_: &Env) -> Checked {
        Ok(Outcome::pass(Text::verbatim("fine")))
    }
    fn panics(_: &Env) -> Checked {
        panic!("bug in a check")
    }
    fn early(_: &Env) -> Checked {
        Err(Outcome::skip(Text::verbatim("nothing to look at")))?;
        Ok(Outcome::pass(Text::verbatim("never")))
    }
    async fn slowly() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fn produces_version(env: &Env) -> BoxFuture<'_> {
        Box::pin(async {
            // Late on purpose: a reader that did not wait would see nothing.
            slowly().await;
            env.produce(Fact::ServerVersion("v1.28.3".into()));
            Ok(Outcome::pass(Text::verbatim("produced")))
        })
    }
    fn reads_version(env: &Env) -> Checked {
        Ok(Outcome::pass(Text::verbatim(env.server_version().unwrap_or("none"))))
    }
    fn produces_twice(env: &Env) -> Checked {
        env.produce(Fact::ServerVersion("a".into()));
        env.produce(Fact::ServerVersion("b".into()));
        Ok(Outcome::pass(Text::verbatim("twice")))
    }

    static CATALOGUE: &[CheckDef] = &[
        def("region.a", &[], Run::Async(meet)),
        def("region.b", &[], Run::Async(meet)),
        def("region.hang", &[], Run::Async(hang)),
        def("region.broken", &[], Run::Sync(fails)),
        def("region.after-broken", &["region.broken"], Run::Sync(passes)),
        def("region.after-hang", &["region.hang"], Run::Sync(passes)),
        def("region.crash", &[], Run::Sync(panics)),
        def("region.early", &[], Run::Sync(early)),
        CheckDef { produces: &[FactKind::ServerVersion], ..def("region.producer", &[], Run::Async(produces_version)) },
        CheckDef { reads: &[FactKind::ServerVersion], ..def("region.reader", &[], Run::Sync(reads_version)) },
        def("region.undeclared", &[], Run::Sync(reads_version)),
    ];

    static TWICE: &[CheckDef] =
        &[CheckDef { produces: &[FactKind::ServerVersion], ..def("region.twice", &[], Run::Sync(produces_twice)) }];

    async fn run_with(only: &[&str], stop_after: Duration) -> RunResult {
        run_in(CATALOGUE, only, &[], stop_after).await
    }

    async fn run_in(catalogue: &'static [CheckDef], only: &[&str], skip: &[&str], stop_after: Duration) -> RunResult {
        let ctx = ctx(&[]);
        let only: Vec<String> = only.iter().map(|s| (*s).to_string()).collect();
        let skip: Vec<String> = skip.iter().map(|s| (*s).to_string()).collect();
        let plan = plan(catalogue, &ctx, &only, &skip).expect("plan");
        execute(
            ctx,
            &plan,
            async move {
                tokio::time::sleep(stop_after).await;
                StopReason::Deadline(stop_after)
            },
            |_| {},
        )
        .await
    }

    /// The status and English message of a reported check.
    fn status_of(r: &RunResult, id: &str) -> (Status, String) {
        let c = r.checks.iter().find(|c| c.id() == id).expect("reported");
        (c.status(), c.outcome.message.en())
    }

    #[tokio::test]
    async fn independent_checks_run_concurrently() {
        // Each waits for the other at a barrier: run one after the other, they would never finish.
        let r = run_with(&["region.a", "region.b"], Duration::from_secs(10)).await;
        assert_eq!(r.stopped, None);
        assert!(r.checks.iter().all(|c| c.status() == Status::Pass), "{:?}", r.checks);
    }

    #[tokio::test]
    async fn a_failed_need_skips_the_dependent_with_the_reason() {
        let r = run_with(&["region.after-broken"], Duration::from_secs(10)).await;
        // The dependency ran (it is needed) but is not reported (it was not selected).
        assert_eq!(r.checks.len(), 1);
        let (status, message) = status_of(&r, "region.after-broken");
        assert_eq!(status, Status::Skip);
        assert_eq!(message, "needs region.broken, which failed: broken input");
    }

    #[tokio::test]
    async fn the_deadline_reports_unfinished_checks_as_skipped() {
        let r = run_with(&["region.hang", "region.after-hang", "region.broken"], Duration::from_millis(200)).await;
        assert_eq!(r.stopped, Some(StopReason::Deadline(Duration::from_millis(200))));
        assert_eq!(status_of(&r, "region.broken").0, Status::Fail, "finished checks keep their result");
        for id in ["region.hang", "region.after-hang"] {
            let (status, message) = status_of(&r, id);
            assert_eq!(status, Status::Skip);
            assert!(message.contains("--deadline of 200ms"), "{message}");
        }
    }

    #[tokio::test]
    async fn a_crashing_check_is_an_internal_error_not_a_pass() {
        let r = run_with(&["region.crash"], Duration::from_secs(10)).await;
        assert_eq!(status_of(&r, "region.crash").0, Status::Fail);
        assert_eq!(r.internal_errors.len(), 1);
    }

    #[tokio::test]
    async fn an_early_outcome_is_the_outcome() {
        let r = run_with(&["region.early"], Duration::from_secs(10)).await;
        assert_eq!(status_of(&r, "region.early").1, "nothing to look at");
    }

    #[tokio::test]
    async fn a_reader_waits_for_the_producer_whatever_is_skipped_or_selected() {
        // Selected together: the reader waits for the producer.
        let r = run_with(&["region.producer", "region.reader"], Duration::from_secs(10)).await;
        assert_eq!(status_of(&r, "region.reader").1, "v1.28.3");
        // Only the reader selected: the producer is pulled in, unreported.
        let r = run_with(&["region.reader"], Duration::from_secs(10)).await;
        assert_eq!((r.checks.len(), status_of(&r, "region.reader").1.as_str()), (1, "v1.28.3"));
        // The producer skipped: nothing to read, and no bug.
        let r = run_in(CATALOGUE, &["region.reader"], &["region.producer"], Duration::from_secs(10)).await;
        assert_eq!(status_of(&r, "region.reader").1, "none");
        assert!(r.internal_errors.is_empty(), "{:?}", r.internal_errors);
    }

    #[tokio::test]
    async fn reading_an_undeclared_fact_or_producing_one_twice_is_a_bug() {
        let r = run_with(&["region.undeclared"], Duration::from_secs(10)).await;
        assert_eq!(r.internal_errors.len(), 1, "{:?}", r.internal_errors);
        assert!(r.internal_errors[0].contains("region.undeclared read ServerVersion"), "{:?}", r.internal_errors);
        let r = run_in(TWICE, &[], &[], Duration::from_secs(10)).await;
        assert!(r.internal_errors.iter().any(|e| e.contains("a second time")), "{:?}", r.internal_errors);
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
    fn patterns_match_whole_segments() {
        assert!(selects("apiserver", "apiserver.tls"));
        assert!(selects("apiserver.tls", "apiserver.tls"));
        assert!(selects("apiserver.", "apiserver.tls"));
        assert!(!selects("apiserver.t", "apiserver.tls"));
        assert!(!selects("api", "apiserver.tls"));
        assert!(!selects("forward", "forwarder.reach"));
    }
}
