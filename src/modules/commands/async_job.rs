//! Background jobs (`async`): starts a `command`/`shell` program detached on the target, in
//! its own session with stdin and stdout closed, so that it outlives the connection. The job
//! writes its result where Ansible's async_wrapper writes it (`~/.ansible_async/<jid>`, one
//! JSON object, written to a temporary file and renamed), in the same shape, so that
//! Ansible's `async_status` reads a job rsible started. Only POSIX sh, awk and date are used
//! on the target. Held back in check mode, the job still starts (as Ansible's does, so that
//! `async_status` finds it) but runs only the `creates`/`removes` checks and records what
//! would have run. Knows nothing of polling or of playbooks: the engine decides when to read
//! the job (see `async_status`).

use super::common::guards::{Guard, Stop};
use super::common::program::Program;
use crate::connection::become_wrap::nonce;
use crate::connection::quote::quote;
use crate::modules::framework::report::{Report, MARK_FN};
use crate::modules::{Ctx, Failure, Output};
use serde_json::{json, Map, Value};

/// The job's supervisor, run as `sh JOB.sh RESULT_FILE LEADER` (LEADER is 1 when it runs in
/// a session of its own and may kill its whole process group on timeout). `@LIMIT@`,
/// `@STRIP@`, `@CMD@`, `@MARK@` and the `@J_*@` results are filled in by [`job_script`]. The
/// `creates`/`removes` lines are the words [`Guard::word`] prints.
const JOB: &str = r#"f=$1
leader=$2
trap '' HUP
umask 022
rsible_now() { date '+%Y-%m-%d %H:%M:%S.%N %s.%N'; }
t0=$(rsible_now)
/bin/sh "$f.run" <"$f.in" >"$f.out" 2>"$f.err" &
p=$!
(
  n=0
  while [ "$n" -lt @LIMIT@ ]; do sleep 1; n=$((n+1)); done
  printf '{"msg": "Timeout exceeded", "failed": true, "child_pid": %s}' "$p" >"$f.tmp" && mv -f "$f.tmp" "$f"
  rm -f "$f.sh" "$f.run" "$f.in" "$f.out" "$f.err"
  if [ "$leader" = 1 ]; then kill -KILL 0; else : >"$f.to"; kill -KILL "$p"; fi
) </dev/null >/dev/null 2>&1 &
w=$!
wait "$p"
rc=$?
kill "$w" 2>/dev/null
if [ -e "$f.to" ]; then rm -f "$f.to"; exit 0; fi
t1=$(rsible_now)
l1=
IFS= read -r l1 <"$f.out"
case $l1 in
"@MARK@ creates") printf '%s' @J_CREATES@ >"$f.tmp" ;;
"@MARK@ removes") printf '%s' @J_REMOVES@ >"$f.tmp" ;;
"@MARK@ chdir") printf '%s' @J_CHDIR@ >"$f.tmp" ;;
"@MARK@ held") printf '%s' @J_HELD@ >"$f.tmp" ;;
*)
  printf x >>"$f.out"
  printf x >>"$f.err"
  {
    printf '{"cmd": %s' @CMD@
    LC_ALL=C awk -v rc="$rc" -v strip=@STRIP@ -v t0="$t0" -v t1="$t1" @AWK@ "$f.out" "$f.err"
  } >"$f.tmp"
  ;;
esac
mv -f "$f.tmp" "$f"
rm -f "$f.sh" "$f.run" "$f.in" "$f.out" "$f.err"
"#;

/// Writes the rest of a command result as JSON: the times, `stdout` and `stderr` (the two
/// files, each ending in one extra `x` so that a missing last newline is seen), `rc`, `msg`.
const AWK: &str = r#"
function put(s) {
  while (match(s, re)) {
    printf "%s%s", substr(s, 1, RSTART - 1), t[substr(s, RSTART, 1)]
    s = substr(s, RSTART + 1)
  }
  printf "%s", s
}
function emit(piece,   body, tail) {
  if (!strip) { put(piece); return }
  if (piece ~ /^[\r\n]*$/) { pend = pend piece; return }
  body = piece; tail = ""
  while (body ~ /\r$/) { body = substr(body, 1, length(body) - 1); tail = "\r" tail }
  put(pend); put(body); pend = tail
}
function file(path,   line, prev, have, first) {
  pend = ""; have = 0; first = 1
  while ((getline line < path) > 0) {
    if (have) { emit((first ? "" : "\n") prev); first = 0 }
    prev = line; have = 1
  }
  close(path)
  if (have) { emit((first ? "" : "\n") substr(prev, 1, length(prev) - 1)) }
  if (!strip) { put(pend) }
}
function stamp(d, s) {
  if (s ~ /N$/) { s = substr(s, 1, length(s) - 1) "000000" } else { s = substr(s, 1, length(s) - 3) }
  return d " " s
}
function delta(a, b,   d, h, m) {
  d = b - a; if (d < 0) { d = 0 }
  h = int(d / 3600); d -= h * 3600; m = int(d / 60); d -= m * 60
  return sprintf("%d:%02d:%09.6f", h, m, d)
}
BEGIN {
  for (i = 1; i < 32; i++) { t[sprintf("%c", i)] = sprintf("\\u%04x", i) }
  t["\t"] = "\\t"; t["\n"] = "\\n"; t["\r"] = "\\r"; t["\""] = "\\\""; t["\\"] = "\\\\"
  re = "[\001-\037\"\\\\]"
  split(t0, a, " "); split(t1, b, " ")
  printf ", \"start\": \"%s\", \"end\": \"%s\", \"delta\": \"%s\"", stamp(a[1], a[2]), stamp(b[1], b[2]), delta(a[3], b[3])
  printf ", \"stdout\": \""; file(ARGV[1]); printf "\""
  printf ", \"stderr\": \""; file(ARGV[2]); printf "\""
  printf ", \"rc\": %d, \"changed\": true", rc
  if (rc != 0) { printf ", \"failed\": true, \"msg\": \"non-zero return code\"" } else { printf ", \"msg\": \"\"" }
  printf "}\n"
  exit
}
"#;

/// What a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    /// The program.
    Program,
    /// Only its `chdir` and `creates`/`removes` checks: the program is held back (check
    /// mode), and the job records whether it would have run.
    HeldBack,
}

/// Starts `p` as a background job limited to `limit` seconds; returns what Ansible returns
/// for a started job (`ansible_job_id`, `started`, `finished`, `results_file`). The launch is
/// an apply; in check mode the framework launches the job of [`Job::HeldBack`] instead (it
/// runs nothing of the user's; its record is the job file), through [`Ctx::apply_or_record`].
pub async fn start(p: &Program, limit: u64, ctx: &Ctx<'_>) -> Result<Output, Failure> {
    let jid_base = format!("j{}", random_digits());
    let mark = format!("rsible-async-{}", nonce());
    let launch = |job| launch_script(p, limit, job, &jid_base, &mark);
    let out = ctx
        .apply_or_record(launch(Job::Program), launch(Job::HeldBack))
        .await?;
    let report = Report::parse("async", &String::from_utf8_lossy(&out.stdout))?;
    let (Some(jid), Some(file)) = (report.get("jid"), report.get("file")) else {
        return Err(Failure::Failed(format!(
            "could not start the background job: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    };
    let mut o = Output {
        changed: true,
        ..Output::default()
    };
    o.fields.insert("ansible_job_id".into(), json!(jid));
    o.fields.insert("started".into(), json!(true));
    o.fields.insert("finished".into(), json!(false));
    o.fields.insert("results_file".into(), json!(file));
    Ok(o)
}

/// Twelve random-looking digits for a job id (Ansible's ids are `j<digits>.<pid>`).
fn random_digits() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(nonce().as_bytes());
    h.finish() % 1_000_000_000_000
}

/// The script that writes the job's files under `~/.ansible_async`, starts the supervisor
/// detached and reports the job's `jid` and result `file`.
fn launch_script(p: &Program, limit: u64, job: Job, jid_base: &str, mark: &str) -> Vec<u8> {
    let mut s = Vec::new();
    s.extend_from_slice(b"rsible_d=\"$HOME/.ansible_async\"\nmkdir -p \"$rsible_d\" || exit 1\n");
    s.extend_from_slice(format!("rsible_jid={jid_base}.$$\n").as_bytes());
    s.extend_from_slice(b"rsible_f=\"$rsible_d/$rsible_jid\"\n");
    s.extend_from_slice(
        b"printf '{\"started\": true, \"finished\": false, \"ansible_job_id\": \"%s\"}' \"$rsible_jid\" >\"$rsible_f.tmp\" && mv -f \"$rsible_f.tmp\" \"$rsible_f\" || exit 1\n",
    );
    for (suffix, body) in [
        ("sh", job_script(p, limit, job, mark)),
        ("run", run_script(p, job, mark)),
        ("in", p.stdin.clone()),
    ] {
        s.extend_from_slice(b"printf '%s' ");
        s.extend(quote(&body));
        s.extend_from_slice(format!(" >\"$rsible_f.{suffix}\" || exit 1\n").as_bytes());
    }
    s.extend_from_slice(
        b"if command -v setsid >/dev/null 2>&1; then\n  setsid /bin/sh \"$rsible_f.sh\" \"$rsible_f\" 1 </dev/null >/dev/null 2>&1 &\nelse\n  nohup /bin/sh \"$rsible_f.sh\" \"$rsible_f\" 0 </dev/null >/dev/null 2>&1 &\nfi\n",
    );
    s.extend_from_slice(MARK_FN.as_bytes());
    s.extend_from_slice(b"m jid \"$rsible_jid\"\nmx file \"$rsible_f\"\n");
    s
}

/// The program the job runs: `chdir`, the `creates`/`removes` checks, then the body (held
/// back, only a marker).
fn run_script(p: &Program, job: Job, mark: &str) -> Vec<u8> {
    let mut s = p.prelude(
        mark,
        &format!("{{ printf '%s\\n' '{mark} chdir'; exit 1; }}"),
    );
    match job {
        Job::Program => s.extend_from_slice(&p.body),
        Job::HeldBack => s.extend_from_slice(format!("printf '%s\\n' '{mark} held'\n").as_bytes()),
    }
    s
}

/// [`JOB`] with this job's values.
fn job_script(p: &Program, limit: u64, job: Job, mark: &str) -> Vec<u8> {
    let q = |v: &Value| String::from_utf8_lossy(&quote(v.to_string().as_bytes())).into_owned();
    let skipped = |guard: Guard, path: &Option<String>| {
        let stop = Stop {
            guard,
            path: path.as_deref().unwrap_or_default(),
        };
        let mut m = base(p);
        m.insert("rc".into(), json!(0));
        m.insert("msg".into(), json!(stop.not_run(job == Job::Program)));
        m.insert("stdout".into(), json!(stop.skipped()));
        Value::Object(m)
    };
    let mut chdir = base(p);
    chdir.insert("failed".into(), json!(true));
    chdir.insert(
        "msg".into(),
        json!("Unable to change directory before execution."),
    );
    let mut held = base(p);
    held.insert("rc".into(), json!(0));
    held.insert(
        "msg".into(),
        json!("Command would have run if not in check mode"),
    );
    if p.guards().any() {
        held.insert("changed".into(), json!(true));
    } else {
        held.insert("skipped".into(), json!(true));
    }
    JOB.replace("@LIMIT@", &limit.to_string())
        .replace("@STRIP@", if p.strip { "1" } else { "0" })
        .replace("@CMD@", &q(&p.cmd))
        .replace("@MARK@", mark)
        .replace("@J_CREATES@", &q(&skipped(Guard::Creates, &p.creates)))
        .replace("@J_REMOVES@", &q(&skipped(Guard::Removes, &p.removes)))
        .replace("@J_CHDIR@", &q(&Value::Object(chdir)))
        .replace("@J_HELD@", &q(&Value::Object(held)))
        .replace("@AWK@", &String::from_utf8_lossy(&quote(AWK.as_bytes())))
        .into_bytes()
}

/// The fields of a command result that did not run a program (Ansible's initial values).
fn base(p: &Program) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("changed".into(), json!(false));
    m.insert("stdout".into(), json!(""));
    m.insert("stderr".into(), json!(""));
    m.insert("rc".into(), Value::Null);
    m.insert("cmd".into(), p.cmd.clone());
    m.insert("start".into(), Value::Null);
    m.insert("end".into(), Value::Null);
    m.insert("delta".into(), Value::Null);
    m.insert("msg".into(), json!(""));
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn program(body: &str, strip: bool) -> Program {
        Program {
            body: body.as_bytes().to_vec(),
            cmd: json!(body),
            stdin: b"in\n".to_vec(),
            user_code: true,
            strip,
            chdir: None,
            creates: None,
            removes: None,
        }
    }

    /// Runs the job supervisor directly (in the foreground) and returns the result file.
    fn run_job(p: &Program, limit: u64, job: Job) -> Value {
        run_job_as(p, limit, job, false)
    }

    /// As [`run_job`]; `leader` runs it under `setsid`, as a job in a session of its own.
    fn run_job_as(p: &Program, limit: u64, job: Job, leader: bool) -> Value {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("j1.1");
        let fs = f.to_str().unwrap();
        std::fs::write(format!("{fs}.sh"), job_script(p, limit, job, "MK")).unwrap();
        std::fs::write(format!("{fs}.run"), run_script(p, job, "MK")).unwrap();
        std::fs::write(format!("{fs}.in"), &p.stdin).unwrap();
        let mut cmd = if leader {
            let mut c = Command::new("setsid");
            c.args(["--wait", "/bin/sh"]);
            c
        } else {
            Command::new("/bin/sh")
        };
        cmd.arg(format!("{fs}.sh"))
            .arg(fs)
            .arg(if leader { "1" } else { "0" });
        let st = cmd.status().unwrap();
        assert!(st.success() || leader);
        let text = std::fs::read_to_string(&f).unwrap();
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "only the result file remains");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn a_job_writes_ansibles_command_result() {
        let p = program(
            "printf 'a\"b\\\\c\\tq\\001\\n\\n'; echo err >&2; cat; exit 3",
            true,
        );
        let r = run_job(&p, 30, Job::Program);
        assert_eq!(r["stdout"], json!("a\"b\\c\tq\u{1}\n\nin"));
        assert_eq!(r["stderr"], json!("err"));
        assert_eq!(r["rc"], json!(3));
        assert_eq!(r["failed"], json!(true));
        assert_eq!(r["msg"], json!("non-zero return code"));
        assert_eq!(r["changed"], json!(true));
        assert_eq!(r["cmd"], p.cmd);
        let start = r["start"].as_str().unwrap();
        assert_eq!(start.len(), "2026-11-27 13:35:54.437390".len());
        assert!(r["delta"].as_str().unwrap().starts_with("0:00:00."));
    }

    #[test]
    fn strip_empty_ends_false_keeps_the_newlines() {
        let r = run_job(&program("printf 'x\\r\\n\\n'", false), 30, Job::Program);
        assert_eq!(r["stdout"], json!("x\r\n\n"));
        assert_eq!(r["msg"], json!(""));
        assert!(r.get("failed").is_none());
        let r = run_job(&program("printf 'x\\r\\n\\n'", true), 30, Job::Program);
        assert_eq!(r["stdout"], json!("x"));
    }

    #[test]
    fn a_job_over_its_limit_is_killed() {
        for leader in [false, true] {
            let r = run_job_as(&program("sleep 5", true), 1, Job::Program, leader);
            assert_eq!(r["msg"], json!("Timeout exceeded"));
            assert_eq!(r["failed"], json!(true));
            assert!(r["child_pid"].is_u64());
        }
    }

    #[test]
    fn creates_and_check_mode_write_the_results_ansible_writes() {
        let mut p = program("echo no", true);
        p.creates = Some("/".into());
        let r = run_job(&p, 30, Job::Program);
        assert_eq!(r["msg"], json!("Did not run command since '/' exists"));
        assert_eq!(r["stdout"], json!("skipped, since / exists"));
        assert_eq!(r["changed"], json!(false));
        assert_eq!(r["start"], Value::Null);
        let r = run_job(&program("echo no", true), 30, Job::HeldBack);
        assert_eq!(r["skipped"], json!(true));
        assert_eq!(r["stdout"], json!(""));
        let mut p = program("echo no", true);
        p.chdir = Some("/nonexistent/dir".into());
        let r = run_job(&p, 30, Job::Program);
        assert_eq!(
            r["msg"],
            json!("Unable to change directory before execution.")
        );
    }
}
