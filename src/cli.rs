//! The command line (clap definitions only; meaning is given in `context.rs`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::check::FailOn;
use crate::context::NetworkChoice;
use crate::fleet::GivenOption;
use crate::i18n::Lang;
use crate::region::PoolPart;
use crate::units::parse_duration;

/// Preflight checks before joining a self-built Kubernetes cluster to Alibaba Cloud Security Center
/// (云安全中心 接入K8s自建集群): will the security center reach and admit this cluster, and if not,
/// exactly what must change?
#[derive(Debug, Parser)]
#[command(name = "k8sjoin-check", version, long_version = LONG_VERSION, max_term_width = 110)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,

    /// Replace the embedded region table (same JSON format as data/regions.json).
    #[arg(long, global = true, value_name = "PATH")]
    pub regions_file: Option<PathBuf>,

    /// Language of human output: en or zh (default: from LC_ALL, LC_MESSAGES or LANG; zh* is
    /// Chinese). Ids, statuses and JSON keys never change.
    #[arg(long, global = true, value_name = "en|zh")]
    pub lang: Option<Lang>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the regions, their address pools and whether VPC-type clusters may join.
    Regions {
        #[arg(long, value_enum, default_value_t = RegionsFormat::Table)]
        format: RegionsFormat,
    },
    /// Print what to paste into a firewall so that it admits a region's pool.
    Allowlist {
        /// Region: id, Chinese or English name.
        #[arg(long)]
        region: String,
        /// The API server port to admit.
        #[arg(long, default_value_t = 6443)]
        port: u16,
        /// Which part of the pool to admit.
        #[arg(long, value_enum, default_value_t = PoolPart::Both)]
        pool: PoolPart,
        #[arg(long, value_enum, default_value_t = AllowlistFormat::Cidr)]
        format: AllowlistFormat,
    },
    /// Explain what a check verifies, why, and how to fix it.
    Explain {
        /// A check id such as `firewall.allowlist`.
        check_id: String,
    },
    /// Print the JSON Schema of the report.
    Schema,
    /// List the checks: id, category and what each verifies.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on standard output.
    Man,
    /// Print a correct audit policy (the vendor's sample) for a Kubernetes version.
    AuditPolicy {
        /// The cluster's Kubernetes version (e.g. 1.28); decides the policy's apiVersion.
        #[arg(long, value_name = "V")]
        k8s_version: Option<String>,
    },
    /// Print Kubernetes manifests that run the checks on every control-plane node.
    ///
    /// A Namespace, a ServiceAccount and a DaemonSet, in YAML. The run options given here go to every
    /// pod as given; paths are as the pod sees them (the node's / is at /host).
    Fleet {
        // Boxed: the variant would otherwise be the size of every run option.
        #[command(flatten)]
        run: Box<RunArgs>,
        /// The image with the static binary as its entrypoint (built from the Containerfile).
        #[arg(long, value_name = "IMAGE", default_value = concat!("k8sjoin-check:", env!("CARGO_PKG_VERSION")))]
        image: String,
        /// The namespace the DaemonSet runs in (created by the manifests).
        #[arg(long, value_name = "NS", default_value = "k8sjoin-check")]
        namespace: String,
        /// The run options as given on the command line (filled in by `parse_from_env`).
        #[arg(skip)]
        given: Vec<GivenOption>,
    },
    /// Merge the nodes' reports into one fleet report (each node's status, the fleet's verdict,
    /// and fleet.drift: what differs between the masters).
    ///
    /// Reads `kubectl logs --prefix` output of the fleet's pods, JSON lines, or report files.
    Merge {
        /// Reports to merge; `-` reads standard input.
        #[arg(value_name = "FILE", default_value = "-")]
        files: Vec<PathBuf>,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Also write the fleet report (JSON) to PATH.
        #[arg(long, value_name = "PATH")]
        report: Option<PathBuf>,
        /// List every check in the table, passes included.
        #[arg(short, long)]
        verbose: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegionsFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    /// The README's check table.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AllowlistFormat {
    Cidr,
    Json,
    Iptables,
    Nft,
    Firewalld,
    EcsSg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    /// The JSON report on one line (JSON Lines), as each fleet pod prints it for `merge`.
    JsonLine,
    Junit,
    Markdown,
}

/// clap's value parsing for the model's enums, which know nothing of clap: the names are the ones
/// reports use.
macro_rules! value_enum {
    ($ty:ty { $($variant:path => $name:literal),+ $(,)? }) => {
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                &[$($variant),+]
            }
            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                Some(clap::builder::PossibleValue::new(match self { $($variant => $name),+ }))
            }
        }
    };
}

value_enum!(NetworkChoice { NetworkChoice::Auto => "auto", NetworkChoice::Vpc => "vpc", NetworkChoice::Public => "public" });
value_enum!(PoolPart { PoolPart::Both => "both", PoolPart::Public => "public", PoolPart::Private => "private" });
value_enum!(FailOn { FailOn::Fail => "fail", FailOn::Warn => "warn" });

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The cluster's region: id (cn-hangzhou), Chinese name (华东1(杭州)) or English name
    /// (China (Hangzhou)); case and bracket width do not matter.
    #[arg(long, value_name = "ID")]
    pub region: Option<String>,

    /// Network type of the cluster; `auto` infers it from the API server address.
    #[arg(long, value_enum, default_value_t = NetworkChoice::Auto)]
    pub network: NetworkChoice,

    /// Which part of the region's pool must be admitted.
    #[arg(long, value_enum, default_value_t = PoolPart::Both)]
    pub pool: PoolPart,

    /// API server: https://host:port or host:port (default: the kubeconfig's current context).
    #[arg(long, value_name = "URL")]
    pub apiserver: Option<String>,

    /// Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, <root>/etc/kubernetes/admin.conf).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use instead of current-context.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Hybrid cloud, run anywhere: the ECS forwarder's HOST:PORT (port A).
    #[arg(long, value_name = "HOST:PORT")]
    pub forwarder: Option<String>,

    /// Hybrid cloud, run on the forwarder: this host forwards its port A to the API server HOST:PORT.
    #[arg(long, value_name = "A:HOST:PORT")]
    pub forward: Option<String>,

    /// Kubernetes version, when /version cannot be reached.
    #[arg(long, value_name = "V")]
    pub k8s_version: Option<String>,

    /// An access-control layer: iptables:FILE, nft:FILE, firewalld:PATH, ecs-sg:FILE, cidrs:FILE,
    /// netsh:FILE, or live. Repeatable, or a comma list (iptables:a.txt,nft:b.json); layers are in
    /// series.
    #[arg(long, value_name = "SPEC")]
    pub firewall: Vec<String>,

    /// `ipset save` output, so that `-m set` matches can be decided. Repeatable, or a comma list.
    #[arg(long, value_name = "FILE", value_delimiter = ',')]
    pub ipset: Vec<PathBuf>,

    /// The API server port the firewall checks evaluate (default: the endpoint's port, else 6443).
    #[arg(long, value_name = "P")]
    pub port: Option<u16>,

    /// The interface the pool's traffic arrives on (decides -i / iifname matches).
    #[arg(long, value_name = "IF")]
    pub interface: Option<String>,

    /// On a forwarder: the IDC routes replies back through this host, so no SNAT is needed.
    #[arg(long)]
    pub assume_return_route: bool,

    /// Prefix for host files (/etc/kubernetes, /proc/sys/net, /var/log/kubernetes), to check a copied node.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,

    /// Also run the audit-log threat-detection checks.
    #[arg(long)]
    pub audit: bool,

    /// The cluster id the security center shows, for the collector env var names.
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,

    /// Resolve with this DNS server instead of the system's.
    #[arg(long, value_name = "IP:PORT")]
    pub dns_server: Option<String>,

    /// Time limit for each network phase (e.g. 3s, 500ms).
    #[arg(long, value_name = "DUR", default_value = "3s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Time limit for the whole run.
    #[arg(long, value_name = "DUR", default_value = "30s", value_parser = parse_duration)]
    pub deadline: Duration,

    /// Do not ping the API server.
    #[arg(long)]
    pub no_icmp: bool,

    /// Skip checks whose id is or starts with ID. (e.g. `apiserver.icmp`, `audit`). Repeatable, or a
    /// comma list.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Run only checks whose id is or starts with ID. (plus what they need). Repeatable, or a comma
    /// list.
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Also write the complete JSON report to PATH.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,

    /// Which statuses fail the gate (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,

    /// After the output, wait for SIGTERM or SIGINT instead of exiting: a fleet pod's image has no
    /// shell and no sleep, and its log must outlive the run (set by the fleet DaemonSet only).
    #[arg(long, hide = true)]
    pub then_sleep: bool,

    /// Accepted risks: a YAML or JSON list of {id, reason, expires: YYYY-MM-DD, node}.
    #[arg(long, value_name = "FILE")]
    pub waivers: Vec<PathBuf>,

    /// An accepted risk: ID=REASON@YYYY-MM-DD (expires at most 365 days ahead). Repeatable.
    #[arg(long, value_name = "ID=REASON@DATE")]
    pub waive: Vec<String>,

    /// An incomplete verdict exits 0 instead of 4 (the report still says incomplete).
    #[arg(long)]
    pub allow_incomplete: bool,

    /// List every check in the table, passes included.
    #[arg(short, long)]
    pub verbose: bool,

    /// No progress line on standard error.
    #[arg(short, long)]
    pub quiet: bool,

    /// The name the report gives the host it ran on (default: its host name).
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
}

/// `--version`: what a bug report needs to name the build (commit and target from build.rs).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("K8SJOIN_CHECK_COMMIT"),
    "\ntarget: ",
    env!("K8SJOIN_CHECK_TARGET")
);

/// The file name kubectl looks for on the PATH to run `kubectl k8sjoin-check` (a dash in a plugin's
/// command becomes an underscore in its file name).
pub const KUBECTL_PLUGIN_FILE: &str = "kubectl-k8sjoin_check";

/// Parses the process's command line, as `Cli::parse` does, and adds what only the raw command
/// line knows: invoked as `kubectl-k8sjoin_check`, help and usage name `kubectl k8sjoin-check`;
/// for `fleet`, the run options exactly as the user gave them, for the pods.
pub fn parse_from_env() -> Cli {
    let mut command = Cli::command();
    let invoked_as = std::env::args_os().next().map(PathBuf::from);
    if invoked_as.as_deref().and_then(Path::file_name).is_some_and(|name| name == KUBECTL_PLUGIN_FILE) {
        command = command.bin_name("kubectl k8sjoin-check");
    }
    // fleet refuses what the DaemonSet sets itself, so its help does not offer it.
    command = command.mut_subcommand("fleet", |mut fleet| {
        for (long, _) in crate::fleet::SET_BY_THE_DAEMONSET {
            let ids: Vec<clap::Id> =
                fleet.get_arguments().filter(|a| a.get_long() == Some(long)).map(|a| a.get_id().clone()).collect();
            for id in ids {
                fleet = fleet.mut_arg(id, |arg| arg.hide(true));
            }
        }
        fleet
    });
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lang = Lang::choose(lang_flag(&args), |var| std::env::var(var).ok());
    // The help texts are shown only by help and by errors: translated then, not on every run
    // (translating them is most of the tool's start-up). They do not change what is parsed.
    let fail = |command: &clap::Command, e: clap::Error| -> ! {
        let mut command = localized(command.clone(), lang);
        let usage = command.render_usage().to_string();
        match command.try_get_matches_from_mut(&args) {
            Err(e) => exit_with(&e, lang, &usage),
            Ok(_) => exit_with(&e.format(&mut command), lang, &usage),
        }
    };
    let matches = command.try_get_matches_from_mut(&args).unwrap_or_else(|e| fail(&command, e));
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| fail(&command, e));
    if let Some(Command::Fleet { given, .. }) = &mut cli.command
        && let Some((fleet, fleet_matches)) = command.find_subcommand("fleet").zip(matches.subcommand_matches("fleet"))
    {
        *given = given_options(&command, &matches, false)
            .into_iter()
            .chain(given_options(fleet, fleet_matches, true))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| fail(&command, e));
    }
    cli
}

/// `--lang` as written on the command line, before clap has parsed it: the language of clap's own
/// messages (help, usage errors) must be known before parsing.
fn lang_flag(args: &[std::ffi::OsString]) -> Option<Lang> {
    let mut args = args.iter().filter_map(|a| a.to_str());
    while let Some(a) = args.next() {
        if a == "--" {
            break;
        }
        let value = match a.strip_prefix("--lang") {
            Some("") => args.next(),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        if let Some(lang) = value.and_then(|v| v.parse().ok()) {
            return Some(lang);
        }
    }
    None
}

/// The command with its help in `lang`: every argument's help and every heading from the catalogue
/// (`cli-…` messages), so that `--help` speaks the language the run does.
fn localized(command: clap::Command, lang: Lang) -> clap::Command {
    fn walk(mut command: clap::Command, lang: Lang, path: &str) -> clap::Command {
        let ids: Vec<clap::Id> = command.get_arguments().map(|a| a.get_id().clone()).collect();
        for id in ids {
            // A subcommand's own option, else the run option it shares (`fleet` takes them all).
            let arg = id.as_str().replace('_', "-");
            let message = [format!("cli-{path}{arg}"), format!("cli-{arg}")]
                .into_iter()
                .find(|m| crate::i18n::has_message(lang, m));
            if let Some(message) = message {
                let help = crate::i18n::message(lang, &message);
                command = command.mut_arg(id, |a| a.help(help));
            }
        }
        let about = format!("cli-{path}about");
        if crate::i18n::has_message(lang, &about) {
            command = command.about(crate::i18n::message(lang, &about));
        }
        let names: Vec<String> = command.get_subcommands().map(|c| c.get_name().to_string()).collect();
        for name in names {
            let sub_path = format!("{path}{name}-");
            command = command.mut_subcommand(&name, |sub| walk(sub, lang, &sub_path));
        }
        command
    }
    // Built first, so that the generated `--help`, `--version` and `help` are there to translate.
    let mut command = command;
    command.build();
    let command = walk(command, lang, "");
    if lang == Lang::En {
        return command;
    }
    command
        .help_template(format!("{}\n", crate::i18n::message(lang, "cli-help-template")))
        .subcommand_help_heading(crate::i18n::message(lang, "cli-heading-commands"))
        .mut_args(
            |a| if a.is_positional() { a } else { a.help_heading(crate::i18n::message(lang, "cli-heading-options")) },
        )
}

/// Prints a command-line error in `lang` and exits 2 (help and `--version` print and exit 0).
/// English is clap's own text; Chinese says the same from the catalogue, with clap's usage line.
fn exit_with(e: &clap::Error, lang: Lang, usage: &str) -> ! {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if lang == Lang::En
        || matches!(
            e.kind(),
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        )
    {
        e.exit()
    }
    let context = |kind: ContextKind| -> String {
        match e.get(kind) {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(list)) => list.join(", "),
            Some(ContextValue::StyledStr(s)) => s.to_string(),
            Some(ContextValue::StyledStrs(list)) => list.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
            Some(ContextValue::Number(n)) => n.to_string(),
            Some(ContextValue::Bool(b)) => b.to_string(),
            _ => String::new(),
        }
    };
    let arg = context(ContextKind::InvalidArg);
    let value = context(ContextKind::InvalidValue);
    let message = match e.kind() {
        ErrorKind::UnknownArgument => match context(ContextKind::SuggestedArg) {
            s if s.is_empty() => crate::t!("cli-error-unknown-argument", arg = arg),
            suggestion => crate::t!("cli-error-unknown-argument-suggest", arg = arg, suggestion = suggestion),
        },
        ErrorKind::InvalidSubcommand => crate::t!("cli-error-unknown-subcommand", name = arg),
        ErrorKind::InvalidValue => {
            crate::t!("cli-error-invalid-value", arg = arg, value = value, valid = context(ContextKind::ValidValue))
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e).map(ToString::to_string).unwrap_or_default();
            crate::t!("cli-error-value-validation", arg = arg, value = value, why = why)
        }
        ErrorKind::MissingRequiredArgument => crate::t!("cli-error-missing", args = arg),
        ErrorKind::ArgumentConflict => {
            crate::t!("cli-error-conflict", arg = arg, other = context(ContextKind::PriorArg))
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            crate::t!("cli-error-values", arg = arg)
        }
        ErrorKind::NoEquals => crate::t!("cli-error-no-equals", arg = arg),
        _ => {
            crate::i18n::Text::verbatim(e.to_string().lines().next().unwrap_or_default().trim_start_matches("error: "))
        }
    };
    let usage = usage.trim_start_matches("Usage: ").trim();
    eprintln!(
        "k8sjoin-check: {}\n\n{}\n\n{}",
        crate::t!("error-prefix", message = message).render(lang),
        crate::t!("cli-usage", usage = usage).render(lang),
        crate::i18n::message(lang, "cli-more-help")
    );
    std::process::exit(crate::error::EXIT_USAGE)
}

/// The run options given on the command line at one level (`k8sjoin-check … fleet …`), in their
/// long form; defaults and environment values are left out, since the pods decide those on the
/// node. Global options are counted at the subcommand only (clap copies them to both levels).
fn given_options(
    command: &clap::Command,
    matches: &clap::ArgMatches,
    with_globals: bool,
) -> Vec<Result<GivenOption, clap::Error>> {
    let run_ids: Vec<clap::Id> =
        RunArgs::augment_args(clap::Command::new("run")).get_arguments().map(|a| a.get_id().clone()).collect();
    let mut given = Vec::new();
    for arg in command.get_arguments() {
        let id = arg.get_id();
        let wanted = run_ids.contains(id) || (with_globals && arg.is_global_set());
        if !wanted || matches.value_source(id.as_str()) != Some(ValueSource::CommandLine) {
            continue;
        }
        let Some(long) = arg.get_long() else { continue };
        if !arg.get_action().takes_values() {
            given.push(Ok(GivenOption { long: long.to_string(), value: None }));
            continue;
        }
        for raw in matches.get_raw(id.as_str()).into_iter().flatten() {
            given.push(
                raw.to_str().map(|v| GivenOption { long: long.to_string(), value: Some(v.to_string()) }).ok_or_else(
                    || clap::Error::raw(clap::error::ErrorKind::InvalidUtf8, format!("--{long} is not UTF-8\n")),
                ),
            );
        }
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
