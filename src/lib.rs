//! k8sjoin-check: preflight checks before joining a self-built Kubernetes cluster to Alibaba Cloud
//! Security Center. `run` takes the parsed command line and returns the process exit code.

pub mod addressplan;
pub mod audit;
pub mod check;
pub mod checks;
pub mod cli;
mod commands;
pub mod context;
pub mod endpoint;
pub mod error;
pub mod firewall;
pub mod fleet;
pub mod forward;
pub mod kubeconfig;
pub mod manifest;
pub mod probe;
pub mod region;
pub mod report;
pub mod runner;
pub mod runtime;
pub mod vantage;
pub mod yaml;

use std::io::Write;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use cli::{Cli, Command, OutputFormat, RunArgs};
use context::Context;
use error::Error;
use region::RegionTable;
use report::Report;
use runner::StopReason;

/// Runs the command line and returns the exit code; errors are printed to stderr here.
pub fn run(cli: Cli) -> i32 {
    let then_sleep = cli.run.then_sleep;
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.exit_code() != error::EXIT_PASS {
                eprintln!("k8sjoin-check: error: {e}");
            }
            e.exit_code()
        }
    };
    if then_sleep {
        fleet::wait_for_termination();
    }
    code
}

fn dispatch(cli: Cli) -> Result<i32, Error> {
    let table = match &cli.regions_file {
        // fleet's --regions-file names a file on the nodes, for the pods to read.
        Some(path) if !matches!(cli.command, Some(Command::Fleet { .. })) => RegionTable::from_file(path)?,
        _ => RegionTable::embedded()?,
    };
    let text = match cli.command {
        None => return run_checks(&cli.run, table),
        Some(Command::Regions { format }) => commands::regions(&table, format),
        Some(Command::Allowlist { region, port, pool, format }) => {
            commands::allowlist(&table, &region, port, pool, format)?
        }
        Some(Command::Explain { check_id }) => commands::explain(&check_id)?,
        Some(Command::Schema) => report::schema::REPORT_SCHEMA.to_string(),
        Some(Command::AuditPolicy { k8s_version }) => commands::audit_policy(k8s_version.as_deref())?,
        Some(Command::Fleet { image, namespace, given, .. }) => {
            fleet::manifests(&fleet::Fleet { image: &image, namespace: &namespace, options: &given })?
        }
    };
    print_stdout(&text)?;
    Ok(error::EXIT_PASS)
}

fn run_checks(args: &RunArgs, table: RegionTable) -> Result<i32, Error> {
    let ctx = Arc::new(Context::from_args(args, table)?);
    let plan = runner::plan(checks::CATALOGUE, &ctx, &args.only, &args.skip)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    let started_at = SystemTime::now();
    let started = Instant::now();
    let deadline = ctx.deadline;
    let result = runtime.block_on(runner::execute(ctx.clone(), &plan, async move {
        tokio::select! {
            () = tokio::time::sleep(deadline) => StopReason::Deadline(deadline),
            Ok(()) = tokio::signal::ctrl_c() => StopReason::Interrupted,
        }
    }));
    // Probes that outlived a deadline are abandoned, not awaited.
    runtime.shutdown_background();
    for e in &result.internal_errors {
        eprintln!("k8sjoin-check: internal error: {e}");
    }
    let stopped = result.stopped.map(|s| match s {
        StopReason::Deadline(d) => format!("--deadline {} reached", report::human_duration(d)),
        StopReason::Interrupted => "interrupted (Ctrl-C)".to_string(),
    });
    let mut report =
        Report::new(&ctx, result.checks, started_at, started.elapsed(), !result.internal_errors.is_empty(), stopped);
    if let Some(node) = &args.node {
        report.vantage.host.hostname.clone_from(node);
    }
    let json = report.to_json();
    if let Some(path) = &args.report {
        std::fs::write(path, format!("{json}\n"))
            .map_err(|e| Error::Output { what: format!("the report {}", path.display()), source: e })?;
    }
    let text = match args.format {
        OutputFormat::Table => report::table::render(&report, report::table::Style::detect()),
        OutputFormat::Json => format!("{json}\n"),
        OutputFormat::JsonLine => format!(
            "{}\n",
            serde_json::to_string(&report).map_err(|e| Error::Internal(format!("cannot write the report: {e}")))?
        ),
        OutputFormat::Junit => report::junit::render(&report),
        OutputFormat::Markdown => report::markdown::render(&report),
    };
    print_stdout(&text)?;
    Ok(report.summary.exit_code)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a message.
fn print_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Output { what: "standard output".into(), source: e })
}
