//! The run's outputs: JSON report against the published schema, JUnit, Markdown, the table
//! (snapshot), exit codes and the gate, `--report`, `--only`/`--skip`, `explain`, `schema`.
#![expect(clippy::expect_used, reason = "a test or benchmark: a panic is the failure report")]
mod common;

use common::{run, stderr, stdout};
use serde_json::Value;

/// A run that needs no network: VPC in a non-VPC region fails, the edition is manual.
const FAILING: &[&str] = &[
    "--region",
    "cn-qingdao",
    "--network",
    "vpc",
    "--apiserver",
    "https://10.0.0.5:6443",
    "--only",
    "region",
    "--only",
    "edition",
    "--root",
    "tests/fixtures/host/no-runtime",
];
/// A run that passes the default gate with a warn (auto network, unknown address, non-VPC region).
const WARNING: &[&str] =
    &["--region", "cn-qingdao", "--only", "region.known", "--only", "region.vpc-eligible", "--only", "edition"];

fn with(base: &[&str], more: &[&str]) -> Vec<String> {
    base.iter().chain(more).map(|s| (*s).to_string()).collect()
}

fn run_owned(args: &[String]) -> std::process::Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&refs)
}

fn json_report(args: &[&str]) -> (i32, Value) {
    let o = run_owned(&with(args, &["--format", "json"]));
    let v = common::report_json(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (o.status.code().expect("exit code"), v)
}

#[test]
fn json_report_validates_against_the_schema() {
    let (code, report) = json_report(FAILING);
    assert_eq!(code, 1);
    common::assert_valid_report(&report);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "k8sjoin-check");
    assert_eq!(report["target"]["region"], "cn-qingdao");
    assert_eq!(report["target"]["network"], "vpc");
    assert_eq!(report["target"]["network_source"], "flag");
    assert_eq!(report["target"]["apiserver"], "https://10.0.0.5:6443");
    let s = &report["summary"];
    assert_eq!(
        (s["gate"].as_str(), s["fail_on"].as_str(), s["exit_code"].as_i64()),
        (Some("fail"), Some("fail"), Some(1))
    );
    let counts = ["pass", "warn", "fail", "skip", "manual"].map(|k| s[k].as_u64());
    assert_eq!(counts, [Some(2), Some(0), Some(1), Some(1), Some(1)]);
    let ids: Vec<&str> = report["checks"].as_array().expect("checks").iter().filter_map(|c| c["id"].as_str()).collect();
    assert_eq!(
        ids,
        ["region.known", "region.vpc-eligible", "region.network-type", "region.cidr-conflict", "edition.requirement"],
        "catalogue order, selection only"
    );
    let (_, report) = json_report(WARNING);
    common::assert_valid_report(&report);
}

#[test]
fn the_schema_rejects_a_broken_report() {
    // The schema must be able to fail: a report with an unknown status does not validate.
    let (_, mut report) = json_report(FAILING);
    report["checks"][0]["status"] = Value::from("ok");
    assert!(common::schema_check(&report).is_err());
}

#[test]
fn report_file_is_the_complete_json_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.json");
    let o = run_owned(&with(FAILING, &["--format", "markdown", "--report", path.to_str().expect("utf-8")]));
    assert_eq!(o.status.code(), Some(1));
    let report: Value = common::report_json(&std::fs::read(&path).expect("report written")).expect("json");
    common::assert_valid_report(&report);
    assert_eq!(report["checks"].as_array().map(Vec::len), Some(5));
    let o = run_owned(&with(FAILING, &["--report", "/nonexistent-dir/report.json"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent-dir/report.json"), "{}", stderr(&o));
}

#[test]
fn fail_on_warn_turns_a_warning_into_a_failed_gate() {
    let (code, report) = json_report(WARNING);
    assert_eq!(report["summary"]["warn"], 1, "{report:#}");
    assert_eq!(code, 0);
    let (code, report) =
        json_report(&with(WARNING, &["--fail-on", "warn"]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["gate"], "fail");
    assert_eq!(report["summary"]["fail_on"], "warn");
}

#[test]
fn junit_is_xml_with_a_suite_per_category() {
    let o = run_owned(&with(FAILING, &["--format", "junit"]));
    assert_eq!(o.status.code(), Some(1));
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    let names: Vec<&str> = suites.iter().filter_map(|s| s.attribute("name")).collect();
    assert_eq!(names, ["region", "edition"]);
    let case =
        |id: &str| doc.descendants().find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(id)).expect(id);
    assert!(case("region.vpc-eligible").children().any(|n| n.has_tag_name("failure")));
    assert!(case("edition.requirement").children().any(|n| n.has_tag_name("skipped")));
    assert!(!case("region.known").children().any(|n| n.has_tag_name("failure") || n.has_tag_name("skipped")));
    assert_eq!(root.attribute("failures"), Some("1"));
    // Under --fail-on warn, a warn is a failure too, so CI and the exit code agree.
    let o = run_owned(&with(WARNING, &["--format", "junit", "--fail-on", "warn"]));
    let xml = stdout(&o);
    let doc = roxmltree::Document::parse(&xml).expect("xml");
    let warned = doc.descendants().find(|n| n.attribute("name") == Some("region.vpc-eligible")).expect("case");
    assert!(warned.children().any(|n| n.has_tag_name("failure") && n.attribute("type") == Some("warn")));
}

#[test]
fn markdown_has_a_summary_and_one_row_per_check() {
    let o = run_owned(&with(FAILING, &["--format", "markdown"]));
    let md = stdout(&o);
    let lines: Vec<&str> = md.lines().collect();
    assert!(lines[0].contains("gate **FAIL**") && lines[0].contains("2 pass") && lines[0].contains("1 fail"), "{md}");
    let rows: Vec<&&str> = lines.iter().filter(|l| l.starts_with("| ") && l.contains('`')).collect();
    assert_eq!(rows.len(), 5, "{md}");
    for row in rows {
        assert_eq!(row.matches(" | ").count() + 2, 5, "four cells, no stray pipes: {row}");
    }
}

#[test]
fn table_output_snapshot() {
    let o = run_owned(&with(FAILING, &[]));
    assert_eq!(o.status.code(), Some(1));
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\s+\d+ ms", " [time]");
    settings.add_filter(r"vantage: .*", "vantage: [host]");
    settings.add_filter(r"k8sjoin-check \d+\.\d+\.\d+", "k8sjoin-check [version]");
    settings.bind(|| insta::assert_snapshot!("table_failing_vpc_region", stdout(&o)));
}

#[test]
fn no_colour_when_not_a_terminal() {
    let mut cmd = common::bin();
    cmd.env_remove("NO_COLOR").args(FAILING);
    let o = cmd.output().expect("runs");
    assert!(!stdout(&o).contains('\x1b'), "piped output has no ANSI escapes");
}

/// On a terminal (a pseudo-terminal made by `script`) the status is coloured, unless NO_COLOR is set.
#[test]
fn colour_on_a_terminal_unless_no_color() {
    if !common::prerequisites("colour_on_a_terminal_unless_no_color", &[common::Need::Command("script")]) {
        return;
    }
    let command = format!("{} {}", env!("CARGO_BIN_EXE_k8sjoin-check"), FAILING.join(" "));
    let tty = |no_color: Option<&str>| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"]).env_remove("NO_COLOR").env("HOME", "/nonexistent");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        stdout(&cmd.output().expect("script runs"))
    };
    let coloured = tty(None);
    assert!(coloured.contains("\x1b[") && coloured.contains("FAIL"), "{coloured}");
    assert!(!tty(Some("1")).contains("\x1b["), "NO_COLOR=1 turns colour off");
}

#[test]
fn unknown_check_ids_and_formats_exit_2() {
    let o = run(&["--region", "cn-hangzhou", "--only", "firewal.allowlist"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown check id \"firewal.allowlist\" in --only"), "{}", stderr(&o));
    let o = run(&["--region", "cn-hangzhou", "--skip", "nonsense"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("in --skip"));
    let o = run(&["--region", "cn-hangzhou", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("yaml"), "{}", stderr(&o));
    let o = run(&["regions", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["--region", "cn-hangzhou", "--timeout", "soon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a duration"), "{}", stderr(&o));
    let o = run(&["--region", "cn-hangzhou", "--apiserver", "http://192.0.2.1:6443"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("HTTPS"), "{}", stderr(&o));
    {
        let o = run(&["--only", "region", "--skip", "region", "--region", "cn-hangzhou"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("leave no check"), "{}", stderr(&o));
    }
}

#[test]
fn skip_removes_checks_and_dependents_say_why() {
    let (_, report) = json_report(&["--region", "cn-hangzhou", "--skip", "region.known", "--only", "region"]);
    let checks = report["checks"].as_array().expect("checks");
    assert!(checks.iter().all(|c| c["id"] != "region.known"));
    let vpc = checks.iter().find(|c| c["id"] == "region.vpc-eligible").expect("reported");
    assert_eq!(vpc["status"], "skip");
    assert!(vpc["message"].as_str().is_some_and(|m| m.contains("region.known")), "{vpc}");
}

#[test]
fn explain_and_schema_commands() {
    let o = run(&["explain", "region.vpc-eligible"]);
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(text.starts_with("region.vpc-eligible"), "{text}");
    assert!(text.contains("cn-hongkong") && text.contains("Requires: region.known"), "{text}");
    let o = run(&["explain", "region"]);
    assert!(stdout(&o).contains("region.known") && stdout(&o).contains("region.network-type"));
    let o = run(&["explain", "region.nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown check id"));
    let o = run(&["schema"]);
    let schema: Value = serde_json::from_str(&stdout(&o)).expect("schema is JSON");
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

#[test]
fn every_catalogue_check_is_explained_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for id in k8sjoin_check::checks::CATALOGUE.iter().map(|d| d.id) {
        assert!(readme.contains(&format!("`{id}`")), "README.md does not list {id}");
    }
}

/// The report knows only the model: one read back from its JSON renders exactly as the run did.
#[test]
fn every_format_renders_from_a_report_read_back_from_json() {
    use k8sjoin_check::cli::OutputFormat;
    use k8sjoin_check::report::{Report, table};
    let dir = tempfile::tempdir().expect("tempdir");
    for (flag, format) in [
        ("table", OutputFormat::Table),
        ("json", OutputFormat::Json),
        ("junit", OutputFormat::Junit),
        ("markdown", OutputFormat::Markdown),
    ] {
        let path = dir.path().join(format!("{flag}.json"));
        let mut cmd = common::bin();
        cmd.env("COLUMNS", "120").args(FAILING).args(["--format", flag, "--report", path.to_str().expect("utf-8")]);
        let o = cmd.output().expect("runs");
        let text = std::fs::read_to_string(&path).expect("report written");
        let report: Report = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        let rendered = match format {
            OutputFormat::Table => table::render(
                &report,
                table::Style { color: false, width: 120, verbose: false },
                k8sjoin_check::i18n::Lang::En,
            ),
            other => k8sjoin_check::render(&report, other, false, k8sjoin_check::i18n::Lang::En),
        };
        assert_eq!(rendered, stdout(&o), "{flag} from the read-back report");
    }
}

const README_BEGIN: &str = "<!-- checks:begin (generated: k8sjoin-check list --format markdown) -->\n";
const README_END: &str = "<!-- checks:end -->";

/// The README's check table is `list --format markdown`, so it cannot drift from the catalogue.
#[test]
fn readme_check_table_is_generated_from_the_catalogue() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let start = readme.find(README_BEGIN).expect("README has the checks:begin marker") + README_BEGIN.len();
    let end = readme[start..].find(README_END).expect("README has the checks:end marker") + start;
    let generated = stdout(&run(&["list", "--format", "markdown"]));
    assert!(
        readme[start..end] == generated,
        "README.md's check table differs from the catalogue; replace it with the output of \
         `k8sjoin-check list --format markdown`:\n{generated}"
    );
}

#[test]
fn list_prints_the_catalogue() {
    let o = run(&["list", "--format", "json"]);
    assert!(o.status.success());
    let list: Value = serde_json::from_slice(&o.stdout).expect("json");
    let ids: Vec<&str> = list.as_array().expect("array").iter().filter_map(|c| c["id"].as_str()).collect();
    // The run's catalogue, then the fleet report's own check.
    let mut catalogue: Vec<&str> = k8sjoin_check::checks::CATALOGUE.iter().map(|d| d.id).collect();
    catalogue.push("fleet.drift");
    assert_eq!(ids, catalogue);
    assert!(list.as_array().expect("array").iter().all(|c| c["summary"].as_str().is_some_and(|s| !s.is_empty())));
    let table = stdout(&run(&["list"]));
    assert!(table.contains("firewall.allowlist") && table.contains("checks; `k8sjoin-check explain ID`"), "{table}");
}
