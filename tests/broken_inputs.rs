//! The corpus of broken inputs (tests/broken/cases.txt): bad YAML, wrong types, unknown
//! modules, keywords and arguments, undefined variables, broken templates, bad patterns,
//! missing files, alias bombs. Each case's exit code, stderr and stdout are compared with its
//! snapshot in tests/broken/expected/ (`RSIBLE_BLESS=1` rewrites them after a deliberate
//! change). Every load error must name file:line:col; nothing may panic.

mod common;

use common::run::Run;
use common::Rsible;
use std::path::Path;

struct Case {
    name: String,
    args: Vec<String>,
}

fn cases(dir: &Path) -> Vec<Case> {
    std::fs::read_to_string(dir.join("cases.txt"))
        .expect("tests/broken/cases.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, args) = l.split_once('|').expect("NAME | args");
            Case {
                name: name.trim().to_string(),
                args: shlex::split(args.trim()).expect("shell words"),
            }
        })
        .collect()
}

/// What a run printed, without what changes from run to run (elapsed times, the private
/// HOME's path, where the checkout is).
fn observed(out: &Run, home: &Path, corpus: &Path) -> String {
    let home = home.display().to_string();
    let corpus = corpus.display().to_string();
    let clean = |b: &str| {
        b.replace(&home, "$HOME")
            .replace(&corpus, "$CORPUS")
            .lines()
            .filter(|l| !l.starts_with("Total time:"))
            .map(|l| format!("{}\n", l.trim_end()))
            .collect::<String>()
    };
    format!(
        "exit: {}\n--- stderr\n{}--- stdout\n{}",
        match out.code {
            -1 => "signal".into(),
            c => c.to_string(),
        },
        clean(&out.stderr),
        clean(&out.stdout)
    )
}

#[test]
fn every_broken_input_fails_clearly_and_as_recorded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let bless = std::env::var_os("RSIBLE_BLESS").is_some();
    let home = tempfile::tempdir().unwrap();
    let all = cases(&dir);
    assert!(
        all.len() >= 50,
        "the corpus has {} cases, fewer than 50",
        all.len()
    );
    let location = regex::Regex::new(r"[\w./-]+\.(yml|ini|yaml):\d+(:\d+)?").unwrap();
    let mut problems = Vec::new();
    for case in &all {
        let out = Rsible::new(home.path())
            .dir(&dir)
            .args(&case.args)
            // No ansible-core on the controller, whatever this machine has: a Python module
            // is refused at load the same way everywhere.
            .env("RSIBLE_PYTHON", "/nonexistent/python3")
            .timeout(std::time::Duration::from_secs(60))
            .run();
        let text = observed(&out, home.path(), &dir);
        let code = out.code;
        if !matches!(code, 1 | 2 | 4 | 5) {
            problems.push(format!(
                "{}: exit {code:?} (expected 1, 2, 4 or 5)\n{text}",
                case.name
            ));
        }
        if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
            problems.push(format!("{}: panicked\n{text}", case.name));
        }
        // Command-line cases may name only a file (a missing one has no line).
        if code == 4 && !case.name.starts_with("cli-") && !location.is_match(&text) {
            problems.push(format!(
                "{}: a load error without file:line\n{text}",
                case.name
            ));
        }
        let snap = dir.join("expected").join(format!("{}.txt", case.name));
        if bless {
            std::fs::write(&snap, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&snap) {
            Ok(want) if want == text => {}
            Ok(want) => problems.push(format!(
                "{}: output changed (RSIBLE_BLESS=1 to accept)\n--- expected\n{want}--- got\n{text}",
                case.name
            )),
            Err(_) => problems.push(format!("{}: no snapshot {}", case.name, snap.display())),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
