//! k8sjoin-check: preflight checks before joining a self-built Kubernetes cluster to Alibaba Cloud
//! Security Center. `run` takes the parsed command line and returns the process exit code:
//! cli → setup (a `Context`) → runner (the checks) → report.

pub(crate) mod addressplan;
pub mod audit;
pub mod check;
pub mod checks;
pub mod cli;
mod commands;
pub(crate) mod container_runtime;
pub mod context;
pub mod endpoint;
pub mod error;
pub mod firewall;
pub mod forward;
pub mod hostfs;
pub mod kubeconfig;
pub mod manifest;
pub(crate) mod probe;
pub mod region;
pub mod report;
pub(crate) mod runner;
pub(crate) mod setup;
pub(crate) mod units;
pub(crate) mod vantage;
pub(crate) mod yaml;

use std::io::Write;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use cli::{Cli, Command, OutputFormat, RunArgs};
use error::Error;
use region::RegionTable;
use report::{Report, Summary, VantageReport};
use runner::StopReason;
use units::human_duration;

/// Runs the command line and returns the exit code; errors are printed to stderr here.
pub fn run(cli: Cli) -> i32 {
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            if e.exit_code() != error::EXIT_PASS {
                eprintln!("k8sjoin-check: error: {e}");
            }
            e.exit_code()
        }
    }
}

fn dispatch(cli: Cli) -> Result<i32, Error> {
    let table = match &cli.regions_file {
        Some(path) => RegionTable::from_file(path)?,
        None => RegionTable::embedded()?,
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
        Some(Command::List { format }) => commands::list(format),
    };
    print_stdout(&text)?;
    Ok(error::EXIT_PASS)
}

fn run_checks(args: &RunArgs, table: RegionTable) -> Result<i32, Error> {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let ctx = Arc::new(setup::context(args, table, started + args.deadline)?);
    let plan = runner::plan(checks::CATALOGUE, &ctx, &args.only, &args.skip)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    // The deadline counts from the start of the process: reading the input was part of the run.
    let remaining = args.deadline.saturating_sub(started.elapsed());
    let deadline = args.deadline;
    let result = runtime.block_on(runner::execute(ctx.clone(), &plan, async move {
        tokio::select! {
            () = tokio::time::sleep(remaining) => StopReason::Deadline(deadline),
            Ok(()) = tokio::signal::ctrl_c() => StopReason::Interrupted,
        }
    }));
    // Probes that outlived a deadline are abandoned, not awaited.
    runtime.shutdown_background();
    for e in &result.internal_errors {
        eprintln!("k8sjoin-check: internal error: {e}");
    }
    let stopped = result.stopped.map(|s| match s {
        StopReason::Deadline(d) => format!("--deadline {} reached", human_duration(d)),
        StopReason::Interrupted => "interrupted (Ctrl-C)".to_string(),
    });
    let this_host = vantage::Vantage::of_this_host();
    let vantage = VantageReport {
        hostname: this_host.hostname,
        addresses: this_host.addresses,
        cannot_see: setup::cannot_see(&ctx),
    };
    let target = setup::target(&ctx, result.addresses.as_deref());
    let summary = Summary::of(&result.checks, args.fail_on, !result.internal_errors.is_empty(), stopped);
    let report = Report::new(target, vantage, result.checks, summary, started_at, started.elapsed());
    let json = report.to_json();
    if let Some(path) = &args.report {
        std::fs::write(path, format!("{json}\n"))
            .map_err(|e| Error::Output { what: format!("the report {}", path.display()), source: e })?;
    }
    print_stdout(&render(&report, args.format))?;
    Ok(report.summary.exit_code)
}

/// The report in a stdout format.
pub fn render(report: &Report, format: OutputFormat) -> String {
    match format {
        OutputFormat::Table => report::table::render(report, report::table::Style::detect()),
        OutputFormat::Json => format!("{}\n", report.to_json()),
        OutputFormat::Junit => report::junit::render(report),
        OutputFormat::Markdown => report::markdown::render(report),
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a message.
fn print_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Output { what: "standard output".into(), source: e })
}
