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
pub mod fleet;
pub mod forward;
pub mod hostfs;
pub mod i18n;
pub mod kubeconfig;
pub mod manifest;
pub(crate) mod probe;
mod progress;
pub mod region;
pub mod report;
pub(crate) mod runner;
pub(crate) mod setup;
mod signals;
pub(crate) mod units;
pub(crate) mod vantage;
pub mod waivers;
pub(crate) mod yaml;

use std::io::Write;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use cli::{Cli, Command, OutputFormat, RunArgs};
use error::Error;
use i18n::Lang;
use region::RegionTable;
use report::{Ending, Report, Summary, VantageReport};
use runner::StopReason;

/// Runs the command line and returns the exit code; errors are printed to stderr here.
pub fn run(cli: Cli) -> i32 {
    let then_sleep = cli.run.then_sleep;
    let lang = Lang::choose(cli.lang, |var| std::env::var(var).ok());
    let code = match dispatch(cli, lang) {
        Ok(code) => code,
        Err(e) => {
            if e.exit_code() != error::EXIT_PASS {
                eprintln!("k8sjoin-check: {}", t!("error-prefix", message = e.render(lang)).render(lang));
            }
            e.exit_code()
        }
    };
    // A fleet pod: its log must outlive the run (there is no shell in the image to sleep with).
    if then_sleep {
        fleet::wait_for_termination();
    }
    code
}

fn dispatch(cli: Cli, lang: Lang) -> Result<i32, Error> {
    let table = match &cli.regions_file {
        // fleet's --regions-file names a file on the nodes, for the pods to read.
        Some(path) if !matches!(cli.command, Some(Command::Fleet { .. })) => RegionTable::from_file(path)?,
        _ => RegionTable::embedded()?,
    };
    let text = match cli.command {
        None => return run_checks(&cli.run, table, lang),
        Some(Command::Regions { format }) => commands::regions(&table, format),
        Some(Command::Allowlist { region, port, pool, format }) => {
            commands::allowlist(&table, &region, port, pool, format)?
        }
        Some(Command::Explain { check_id }) => commands::explain(&check_id, lang)?,
        Some(Command::Schema) => report::schema::REPORT_SCHEMA.to_string(),
        Some(Command::AuditPolicy { k8s_version }) => commands::audit_policy(k8s_version.as_deref())?,
        Some(Command::List { format }) => commands::list(format, lang),
        Some(Command::Completions { shell }) => commands::completions(shell),
        Some(Command::Man) => commands::man()?,
        Some(Command::Merge { files, format, report, verbose }) => {
            return merge(&files, format, report.as_deref(), verbose, lang);
        }
        Some(Command::Fleet { image, namespace, given, .. }) => {
            fleet::manifests(&fleet::Fleet { image: &image, namespace: &namespace, options: &given })?
        }
    };
    print_stdout(&text)?;
    Ok(error::EXIT_PASS)
}

fn run_checks(args: &RunArgs, table: RegionTable, lang: Lang) -> Result<i32, Error> {
    let started_at = SystemTime::now();
    let started = Instant::now();
    // Waivers are read first: a malformed one must not cost a run.
    let today = units::Date::of(started_at);
    let mut waivers = Vec::new();
    for path in &args.waivers {
        waivers.extend(waivers::read_file(path, today)?);
    }
    for text in &args.waive {
        waivers.push(waivers::parse_flag(text, today)?);
    }
    let ctx = Arc::new(setup::context(args, table, started + args.deadline)?);
    let plan = runner::plan(checks::CATALOGUE, &ctx, &args.only, &args.skip)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start the async runtime: {e}")))?;
    // The deadline counts from the start of the process: reading the input was part of the run.
    let remaining = args.deadline.saturating_sub(started.elapsed());
    let deadline = args.deadline;
    let progress = progress::Line::start(args.quiet, lang);
    let result = runtime.block_on(async {
        let stop = async move {
            tokio::select! {
                () = tokio::time::sleep(remaining) => StopReason::Deadline(deadline),
                signal = signals::first() => StopReason::Signal(signal),
            }
        };
        runner::execute(ctx.clone(), &plan, stop, |p| progress.show(p)).await
    });
    progress.clear();
    // Probes that outlived a deadline are abandoned, not awaited.
    runtime.shutdown_background();
    // iptables dumps are read a chain at a time, as the judgements reach them: a malformed rule
    // found so is bad input (exit 2, FILE:LINE), as it would have been had the dump been read at once.
    if let Some(e) = firewall::read_error(&ctx.firewall.layers) {
        return Err(e.into());
    }
    for e in &result.internal_errors {
        eprintln!("k8sjoin-check: {}", t!("error-internal", what = e).render(lang));
    }
    let this_host = vantage::Vantage::of_this_host();
    let node = args.node.clone().unwrap_or_else(|| this_host.hostname.clone());
    let mut checks: Vec<check::Check> = result.checks.iter().map(|f| check::Check::localized(f, lang)).collect();
    let waiver_uses = waivers::apply(&mut checks, &waivers, &node, SystemTime::now());
    // A fleet pod's log must hold its report line only (`merge` refuses anything else); the
    // report's summary.waivers says the same.
    let warn = args.format != OutputFormat::JsonLine;
    for u in waiver_uses.iter().filter(|_| warn) {
        if u.expired {
            let warning = t!("warning-waiver-expired", id = &u.id, source = &u.source, expires = &u.expires);
            eprintln!("k8sjoin-check: {}", warning.render(lang));
        } else if u.stale() {
            let warning = t!("warning-waiver-stale", id = &u.id, source = &u.source);
            eprintln!("k8sjoin-check: {}", warning.render(lang));
        }
    }
    let vantage = VantageReport {
        hostname: node,
        addresses: this_host.addresses,
        cannot_see: setup::cannot_see(&ctx).iter().map(|t| t.render(lang)).collect(),
    };
    let target = setup::target(&ctx, result.addresses.as_deref(), lang);
    let ending = Ending {
        fail_on: args.fail_on,
        required: plan.required.iter().map(|id| (*id).to_string()).collect(),
        on_request: result.on_request,
        stopped: result.stopped.map(|s| {
            let code = match s {
                StopReason::Signal(signal) => Some(signal.exit_code()),
                StopReason::Deadline(_) => None,
            };
            (s.describe().render(lang), code)
        }),
        internal_error: !result.internal_errors.is_empty(),
        allow_incomplete: args.allow_incomplete,
        waivers: waiver_uses,
    };
    let summary = Summary::of(&checks, ending, lang);
    let mut report = Report::new(target, vantage, checks, summary, started_at, started.elapsed());
    let facts = setup::node_facts(&ctx, result.server_version.as_deref());
    report.node = (!facts.is_empty()).then_some(facts);
    let code = report.summary.exit_code;
    if let Some(path) = &args.report {
        write_report(path, &format!("{}\n", report.to_json()))?;
    }
    // The run ends with the process: freeing what it read (a 100,000-rule dump's index and the
    // chains the judgements parsed, some 100,000 allocations) would only delay the exit.
    std::mem::forget(ctx);
    match print_stdout(&render(&report, args.format, args.verbose, lang)) {
        // A closed pipe (`| head`) does not change the answer.
        Err(Error::Output { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e),
        Ok(()) => Ok(code),
    }
}

/// `merge`: one fleet report from the nodes' reports; exits with the fleet's verdict.
fn merge(
    files: &[std::path::PathBuf],
    format: OutputFormat,
    report_path: Option<&std::path::Path>,
    verbose: bool,
    lang: Lang,
) -> Result<i32, Error> {
    let mut texts: Vec<(String, String)> = Vec::new();
    for path in files {
        let (name, bytes) = if path.as_os_str() == "-" {
            // `kubectl logs` of a large fleet may take a while to arrive.
            let until = Instant::now() + std::time::Duration::from_secs(600);
            ("<stdin>".to_string(), hostfs::read_stdin(hostfs::Kind::Report, until)?)
        } else {
            (path.display().to_string(), hostfs::read_file(path, hostfs::Kind::Report)?)
        };
        let text = hostfs::utf8(bytes, std::path::Path::new(&name), hostfs::Kind::Report)?;
        texts.push((name, text));
    }
    let inputs: Vec<report::fleet::Input<'_>> =
        texts.iter().map(|(name, text)| report::fleet::Input { name, text }).collect();
    let fleet = report::fleet::merge(report::fleet::read(&inputs)?, lang)?;
    let code = fleet.summary.exit_code;
    if let Some(path) = report_path {
        write_report(path, &format!("{}\n", fleet.to_json()))?;
    }
    match print_stdout(&render(&fleet, format, verbose, lang)) {
        Err(Error::Output { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e),
        Ok(()) => Ok(code),
    }
}

/// Writes the report to a new file beside `path` and renames it over `path`: a symlink at `path`
/// is replaced, not followed, a reader never sees half a report, and the file is the owner's
/// alone (0600: it names hosts, addresses and rules).
fn write_report(path: &std::path::Path, text: &str) -> Result<(), Error> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt;
    let failed = |e: std::io::Error| Error::Output { what: format!("the report {}", path.display()), source: e };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&temp)
        .map_err(failed)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(failed(e));
    }
    Ok(())
}

/// The report in a stdout format; `verbose` lists every check in the table.
pub fn render(report: &Report, format: OutputFormat, verbose: bool, lang: Lang) -> String {
    match format {
        OutputFormat::Table => report::table::render(report, report::table::Style::detect(verbose), lang),
        OutputFormat::Json => format!("{}\n", report.to_json()),
        // One line, so that `kubectl logs` of a fleet pod holds the whole report on one line.
        OutputFormat::JsonLine => format!("{}\n", report.to_json_line()),
        OutputFormat::Junit => report::junit::render(report, lang),
        OutputFormat::Markdown => report::markdown::render(report, lang),
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a message.
fn print_stdout(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::Output { what: "standard output".into(), source: e })
}
