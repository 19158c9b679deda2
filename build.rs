//! Records what `--version` prints besides the version: the git commit the binary was built from
//! ("unknown" outside a git checkout, e.g. from a source tarball) and the target triple.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok().filter(|o| o.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    let commit = git(&["rev-parse", "--short", "HEAD"]);
    println!("cargo::rustc-env=K8SJOIN_CHECK_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
    println!("cargo::rustc-env=K8SJOIN_CHECK_TARGET={}", std::env::var("TARGET").unwrap_or_default());

    // Naming any file turns off cargo's default of rerunning on every change in the package.
    println!("cargo::rerun-if-changed=build.rs");
    if commit.is_none() {
        return;
    }
    // A commit moves the branch's ref (or packed-refs), a checkout moves HEAD. Only existing files
    // are named: cargo reruns a build script each time for a named file that is missing. `--git-path`
    // answers for worktrees too, where HEAD and the refs live in different directories.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(&["symbolic-ref", "--quiet", "HEAD"]));
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]).map(PathBuf::from).filter(|p| p.exists()) {
            println!("cargo::rerun-if-changed={}", path.display());
        }
    }
}
