//! The subcommands other than the run: `regions`, `allowlist`, `explain`, `list`, `audit-policy`. Each
//! returns the text to print.

use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table, presets};
use serde_json::json;

use crate::check::CheckDef;
use crate::check::selects;
use crate::checks::CATALOGUE;
use crate::cli::{AllowlistFormat, ListFormat, RegionsFormat};
use crate::error::Error;
use crate::firewall::fix::{self, Admit};
use crate::i18n::Text;
use crate::i18n::{Lang, check_text};
use crate::region::{PoolPart, RegionTable};
use crate::report::fleet;
use crate::t;

pub fn regions(table: &RegionTable, format: RegionsFormat) -> String {
    match format {
        // Exactly the region objects of the table, nothing added: scripts compare it with the vendor's page.
        RegionsFormat::Json => {
            format!("{}\n", serde_json::to_string_pretty(&table.regions).unwrap_or_else(|e| format!("\"{e}\"")))
        }
        RegionsFormat::Table => regions_table(table),
    }
}

fn regions_table(table: &RegionTable) -> String {
    let shared = table.shared_private_cidrs();
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(140);
    t.force_no_tty();
    t.set_header(["id", "名称", "name", "public IPs", "private CIDR", "VPC"]);
    for r in &table.regions {
        let private: Vec<String> = r
            .private_cidrs
            .iter()
            .map(|net| {
                let marked =
                    shared.iter().any(|s| (s.a == r.id && s.a_cidr == *net) || (s.b == r.id && s.b_cidr == *net));
                format!("{net}{}", if marked { " *" } else { "" })
            })
            .collect();
        t.add_row(vec![
            r.id.clone(),
            r.name_zh.clone(),
            r.name_en.clone(),
            r.public_ips.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
            private.join("\n"),
            if r.vpc_supported { "yes".into() } else { "no".into() },
        ]);
    }
    let mut out = format!("{t}\n");
    for s in &shared {
        let _ = writeln!(
            out,
            "* {} ({}) and {} ({}) overlap: the vendor's table lists it this way; kept as published.",
            s.a_cidr, s.a, s.b_cidr, s.b
        );
    }
    let _ = writeln!(
        out,
        "{} regions; VPC-type clusters may join only where VPC = yes. Source: {} (updated {}, {}).",
        table.regions.len(),
        table.source,
        table.updated,
        table.origin
    );
    out
}

pub fn allowlist(
    table: &RegionTable,
    region: &str,
    port: u16,
    pool: PoolPart,
    format: AllowlistFormat,
) -> Result<String, Error> {
    if port == 0 {
        return Err(Error::Usage(t!("setup-port-zero")));
    }
    let region = table.resolve(region).map_err(|e| Error::Usage(e.text()))?;
    let entries = region.pool(pool);
    if entries.is_empty() {
        return Err(Error::Usage(t!(
            "allowlist-no-entries",
            region = &region.id,
            pool = format!("{pool:?}").to_lowercase()
        )));
    }
    let label = format!("k8sjoin-check {}", region.id);
    let admit = Admit { entries: &entries, port, label: &label, region: &region.id };
    Ok(match format {
        AllowlistFormat::Cidr => fix::cidr_lines(&admit),
        AllowlistFormat::Json => {
            let doc = json!({
                "region": region.id,
                "port": port,
                "protocol": "tcp",
                "pool": pool,
                "entries": entries,
            });
            format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
        }
        AllowlistFormat::Iptables => fix::iptables_restore(&admit),
        AllowlistFormat::Nft => fix::nft_commands(&admit),
        AllowlistFormat::Firewalld => fix::firewalld_commands(&admit),
        AllowlistFormat::EcsSg => fix::ecs_sg_command(&admit),
    })
}

/// `audit-policy`: the vendor's sample policy in the apiVersion that version accepts.
pub fn audit_policy(k8s_version: Option<&str>) -> Result<String, Error> {
    let version = match k8s_version {
        Some(text) => {
            Some(text.parse().map_err(|e: Text| Error::Usage(t!("setup-bad-flag", flag = "--k8s-version", why = e)))?)
        }
        None => None,
    };
    Ok(crate::audit::policy::recommended(version))
}

/// `completions SHELL`: the shell's completion script.
pub fn completions(shell: clap_complete::Shell) -> String {
    let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "k8sjoin-check", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// `man`: the man page, roff on stdout.
pub fn man() -> Result<String, Error> {
    let cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .map_err(|e| Error::Internal(format!("cannot render the man page: {e}")))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `list`: the catalogue, one line a check.
pub fn list(format: ListFormat, lang: Lang) -> String {
    let drift_title = check_text(lang, fleet::DRIFT, None);
    let drift_summary = check_text(lang, fleet::DRIFT, Some("summary"));
    match format {
        ListFormat::Json => {
            let checks: Vec<serde_json::Value> = CATALOGUE
                .iter()
                .map(|d| {
                    json!({
                        "id": d.id,
                        "category": d.category,
                        "title": d.title(lang),
                        "summary": d.summary(lang),
                        "needs": d.needs,
                    })
                })
                .collect();
            let mut checks = checks;
            checks.push(json!({"id": fleet::DRIFT, "category": "fleet", "title": drift_title, "summary": drift_summary, "needs": []}));
            format!("{}\n", serde_json::to_string_pretty(&checks).unwrap_or_default())
        }
        ListFormat::Markdown => {
            let mut out = format!("| id | {} |\n|---|---|\n", t!("list-verifies").render(lang));
            for d in CATALOGUE {
                let _ = writeln!(out, "| `{}` | {} |", d.id, d.summary(lang).replace('|', "\\|"));
            }
            let _ = writeln!(out, "| `{}` | {} |", fleet::DRIFT, drift_summary.replace('|', "\\|"));
            out
        }
        ListFormat::Table => {
            let mut t = Table::new();
            t.load_style(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(120);
            t.force_no_tty();
            t.set_header(["id".to_string(), t!("list-category").render(lang), t!("list-verifies").render(lang)]);
            for d in CATALOGUE {
                t.add_row(vec![d.id.to_string(), d.category.as_str().to_string(), d.summary(lang)]);
            }
            t.add_row(vec![fleet::DRIFT.to_string(), "fleet".to_string(), drift_summary]);
            format!("{t}\n{}\n", t!("list-footer", n = CATALOGUE.len() + 1).render(lang))
        }
    }
}

pub fn explain(id: &str, lang: Lang) -> Result<String, Error> {
    if let Some(def) = CATALOGUE.iter().find(|d| d.id == id) {
        return Ok(explain_one(def, lang));
    }
    if selects(id, fleet::DRIFT) {
        let head =
            t!("explain-head", id = fleet::DRIFT, title = check_text(lang, fleet::DRIFT, None), category = "fleet");
        return Ok(format!("{}\n\n{}", head.render(lang), wrap(&check_text(lang, fleet::DRIFT, Some("explain")), 100)));
    }
    let in_category: Vec<&CheckDef> = CATALOGUE.iter().filter(|d| selects(id, d.id)).collect();
    if !in_category.is_empty() {
        return Ok(in_category.iter().map(|d| explain_one(d, lang)).collect::<Vec<_>>().join("\n"));
    }
    let mut ids: Vec<&str> = CATALOGUE.iter().map(|d| d.id).collect();
    ids.sort_unstable();
    Err(Error::Usage(t!("explain-unknown", id = format!("{id:?}"), checks = ids.join(", "))))
}

fn explain_one(def: &CheckDef, lang: Lang) -> String {
    let head = t!("explain-head", id = def.id, title = def.title(lang), category = def.category.as_str());
    let mut out = format!("{}\n\n", head.render(lang));
    out.push_str(&wrap(&def.explain(lang), 100));
    if !def.needs.is_empty() {
        let _ = writeln!(out, "\n{}", t!("explain-requires", checks = def.needs.join(", ")).render(lang));
    }
    // The checks whose findings this one reads: the producers of its facts, and the checks it quotes.
    let producers = crate::runner::producers(CATALOGUE);
    let mut reads: Vec<&str> = Vec::new();
    for id in def.after.iter().copied().chain(def.reads.iter().filter_map(|k| producers.get(k).copied())) {
        if !reads.contains(&id) && !def.needs.contains(&id) {
            reads.push(id);
        }
    }
    if !reads.is_empty() {
        let _ = writeln!(out, "{}", t!("explain-reads", checks = reads.join(", ")).render(lang));
    }
    out
}

/// `text` wrapped to `width` columns (display width: Chinese takes two), as lines.
fn wrap(text: &str, width: usize) -> String {
    crate::report::text::wrap(text, width).into_iter().map(|l| l + "\n").collect()
}
