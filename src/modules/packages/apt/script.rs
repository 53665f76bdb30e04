//! The remote program of `apt`, as the probe and the apply of one gated program. The probe
//! reads dpkg-query and apt-cache, decides per package, and simulates each transaction
//! (`apt-get -s`: what check mode shows); the apply refreshes the cache when it is stale
//! (then decides again on the fresh cache), writes a temporary policy-rc.d through the
//! atomic writer and runs the transactions the probe found. Knows nothing of how the answer
//! is read.

use super::{Plan, State};
use crate::connection::quote::quote_str;
use crate::modules::packages::common::backend::REDO;
use crate::modules::packages::common::MARK_FN;

/// Where a temporary policy-rc.d goes.
pub const POLICY_RC_D: &str = "/usr/sbin/policy-rc.d";

/// The `A` function: apt-get with the options of every transaction.
fn apt_fn(p: &Plan) -> String {
    let a = &p.args;
    let mut w = vec![
        "apt-get".to_string(),
        "-y".into(),
        "-q".into(),
        "-o".into(),
        format!("DPkg::Lock::Timeout={}", a.lock_timeout),
    ];
    for o in a.dpkg_options.iter().flatten() {
        w.push("-o".into());
        w.push(format!("Dpkg::Options::=--{}", o.trim_start_matches('-')));
    }
    match a.install_recommends {
        Some(true) => w.extend(["-o".into(), "APT::Install-Recommends=true".into()]),
        Some(false) => w.push("--no-install-recommends".into()),
        None => {}
    }
    if a.allow_downgrade {
        w.push("--allow-downgrades".into());
    }
    if a.allow_unauthenticated || a.force {
        w.push("--allow-unauthenticated".into());
    }
    if a.allow_change_held_packages {
        w.push("--allow-change-held-packages".into());
    }
    if a.fail_on_autoremove {
        w.push("--no-remove".into());
    }
    if let Some(r) = &a.default_release {
        w.extend(["-t".into(), r.clone()]);
    }
    let words: Vec<String> = w.iter().map(|x| quote_str(x)).collect();
    format!("A() {{ {} \"$@\"; }}\n", words.join(" "))
}

/// The shell functions deciding, per package, whether it is installed in the wanted form.
const DECIDE: &str = r#"q() { dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$1" 2>/dev/null | head -n 1; }
cand() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1; }
want() { # name, version pattern (may be empty), present|latest
  s=$(q "$1"); ab=${s%%|*}; cur=${s#*|}
  case $ab in ?i*) have=1;; *) have=''; cur='';; esac
  c=$(cand "$1")
  if [ -n "$2" ]; then
    if [ -n "$have" ]; then case $cur in $2) return;; esac; fi
    v=''
    for x in $(apt-cache madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}'); do
      case $x in $2) v=$x; break;; esac
    done
    [ -n "$v" ] || { miss="$miss $1=$2"; return; }
    m before "$1" "${cur:-absent}"; inst="$inst $1=$v"; names="$names $1"; return
  fi
  if [ -n "$have" ]; then
    [ "$3" = latest ] || return
    [ -n "$c" ] && [ "$c" != '(none)' ] && dpkg --compare-versions "$c" gt "$cur" || return
    case $ab in h*) [ -n "$HELD_OK" ] || { m held "$1"; return; };; esac
  else
    { [ -z "$c" ] || [ "$c" = '(none)' ]; } && { miss="$miss $1"; return; }
    [ -n "$ONLY_UPGRADE" ] && return
  fi
  m before "$1" "${cur:-absent}"; inst="$inst $1"; names="$names $1"
}
drop() { # name
  s=$(q "$1"); ab=${s%%|*}; cur=${s#*|}
  case $ab in ''|?n*) return;; ?c*) [ -n "$PURGE" ] || return; cur='config-files';; esac
  m before "$1" "$cur"; rem="$rem $1"; names="$names $1"
}
sim() { [ -z "$1" ] || printf '%s\n' "$1" | sed 's/^/@@rsible sim /'; }
"#;

/// The cache's age and whether it is stale (`stale=1`, with `cache_updated`: the apply
/// refreshes it).
fn cache_part(p: &Plan) -> String {
    let a = &p.args;
    let mut s = String::from(
        "st=/var/lib/apt/periodic/update-success-stamp\n\
         ct() { if [ -e $st ]; then stat -c %Y $st; else stat -c %Y /var/lib/apt/lists; fi; }\n\
         stale=''\n",
    );
    if a.update_cache || a.cache_valid_time > 0 {
        let fresh = if a.cache_valid_time > 0 {
            format!("[ $(( $(date +%s) - $(ct) )) -lt {} ]", a.cache_valid_time)
        } else {
            "false".into()
        };
        s.push_str(&format!(
            "if ! {fresh}; then stale=1; m cache_updated 1; fi\n"
        ));
    }
    s.push_str("m cache_time \"$(ct)\"\n");
    s
}

/// The `.deb`: a URL is fetched into the temp dir; its package name and version are read.
fn deb_fetch(deb: &str) -> String {
    format!(
        "debf0={}\n\
         case $debf0 in *://*)\n  f=\"$td/package.deb\"\n  \
         if command -v curl >/dev/null 2>&1; then curl -fsSL -o \"$f\" \"$debf0\"; \
         elif command -v wget >/dev/null 2>&1; then wget -q -O \"$f\" \"$debf0\"; \
         else m fail the target has neither curl nor wget to download the deb; exit 0; fi \
         || {{ m fail could not download \"$debf0\"; exit 0; }}\n  debf0=$f;;\nesac\n\
         [ -f \"$debf0\" ] || {{ m fail \"$debf0\" does not exist on the target; exit 0; }}\n\
         case $debf0 in /*) ;; *) debf0=\"./$debf0\";; esac\n\
         dn=$(dpkg-deb -f \"$debf0\" Package) && dv=$(dpkg-deb -f \"$debf0\" Version) \
         || {{ m fail \"$debf0\" is not a valid deb file; exit 0; }}\n",
        quote_str(deb)
    )
}

/// Inside `plan`: the `.deb` is left out when that version is installed.
const DEB_DECIDE: &str = "  debf=$debf0\n  \
    s=$(q \"$dn\"); case ${s%%|*} in ?i*) [ \"${s#*|}\" = \"$dv\" ] && debf='';; esac\n  \
    if [ -n \"$debf\" ]; then m before \"$dn\" \"$(s=$(q \"$dn\"); echo ${s#*|})\"; \
    names=\"$names $dn\"; fi\n";

/// The subcommands after the package transactions: (marker, shell variable, apt-get words).
fn extras(p: &Plan) -> Vec<(&'static str, &'static str, String)> {
    let a = &p.args;
    let purge = if a.purge { "--purge " } else { "" };
    let mut extra = Vec::new();
    if a.autoremove && p.state != State::Absent {
        extra.push(("autoremove", "xa", format!("{purge}autoremove")));
    }
    if let Some(up) = p.upgrade {
        extra.push(("upgrade", "xu", up.to_string()));
    }
    extra
}

/// The install and remove words of apt-get (after `A`, before the packages).
fn words(p: &Plan) -> (String, String) {
    let a = &p.args;
    let fix = if p.state == State::Fixed { "-f " } else { "" };
    let purge = if a.purge { "--purge " } else { "" };
    let autorem = if a.autoremove { "--autoremove " } else { "" };
    (format!("{fix}install"), format!("{purge}{autorem}remove"))
}

/// The `plan` function: decides every package and simulates each transaction; returns 1
/// after printing a failure marker.
fn plan_fn(p: &Plan) -> String {
    let (install, remove) = words(p);
    let mut s =
        String::from("plan() {\n  inst=''; names=''; rem=''; miss=''; debf=''; xa=''; xu=''\n");
    if p.args.deb.is_some() {
        s.push_str(DEB_DECIDE);
    }
    for spec in &p.specs {
        let n = quote_str(&spec.name);
        let v = quote_str(spec.version.as_deref().unwrap_or(""));
        match p.state {
            State::Absent => s.push_str(&format!("  drop {n}\n")),
            State::Latest => s.push_str(&format!("  want {n} '' latest\n")),
            State::Present | State::Fixed | State::BuildDep => {
                s.push_str(&format!("  want {n} {v} present\n"))
            }
        }
    }
    s.push_str(&format!(
        "  [ -z \"$miss\" ] || {{ m missing $miss; return 1; }}\n  \
         if [ -n \"$inst$debf\" ]; then\n    m changed install\n    \
         so=$(A -s {install} $inst ${{debf:+\"$debf\"}}); rc=$?; sim \"$so\"\n    \
         [ $rc -eq 0 ] || {{ m failed install $rc; return 1; }}\n  fi\n  \
         if [ -n \"$rem\" ]; then\n    m changed remove\n    \
         so=$(A -s {remove} $rem); rc=$?; sim \"$so\"\n    \
         [ $rc -eq 0 ] || {{ m failed remove $rc; return 1; }}\n  fi\n"
    ));
    for (what, var, cmd) in extras(p) {
        s.push_str(&format!(
            "  so=$(A -s {cmd} 2>\"$td/err\"); rc=$?\n  \
             if printf '%s\\n' \"$so\" | grep -q '^\\(Inst\\|Remv\\) '; then\n    \
             m changed {what}; sim \"$so\"; cat \"$td/err\" >&2\n    \
             [ $rc -eq 0 ] || {{ m failed {what} $rc; return 1; }}\n    {var}=1\n  fi\n"
        ));
    }
    s.push_str("  return 0\n}\n");
    s
}

/// The probe: reads, decides and simulates; sets `rsible_change=1` when the apply has work.
pub fn probe(p: &Plan) -> String {
    let a = &p.args;
    let mut s = String::from(
        "LC_ALL=C; export LC_ALL; DEBIAN_FRONTEND=noninteractive; export DEBIAN_FRONTEND\n\
         set -f\n",
    );
    s.push_str(MARK_FN);
    s.push_str(&format!(
        "command -v apt-get >/dev/null 2>&1 || {{ m fail apt-get was not found on the target; exit 0; }}\n\
         td=$(mktemp -d) || exit 1; prc=''\n\
         cl() {{ rm -rf \"$td\"; if [ -n \"$prc\" ]; then rm -f {POLICY_RC_D}; \
         [ -e {POLICY_RC_D}.rsible ] && mv -f {POLICY_RC_D}.rsible {POLICY_RC_D}; fi; }}\n\
         trap cl EXIT\n"
    ));
    s.push_str(&apt_fn(p));
    let flag = |on: bool, name: &str| format!("{name}={}\n", if on { "1" } else { "''" });
    s.push_str(&flag(a.allow_change_held_packages, "HELD_OK"));
    s.push_str(&flag(a.only_upgrade, "ONLY_UPGRADE"));
    s.push_str(&flag(a.purge, "PURGE"));
    s.push_str(DECIDE);
    s.push_str(&cache_part(p));
    if let Some(deb) = &a.deb {
        s.push_str(&deb_fetch(deb));
    }
    s.push_str(&plan_fn(p));
    s.push_str(
        "plan || [ -n \"$stale\" ] || exit 0\n\
         [ -z \"$stale$inst$debf$rem$xa$xu\" ] || rsible_change=1\n",
    );
    if a.autoclean || a.clean {
        s.push_str("rsible_change=1\n");
    }
    s
}

/// The apply: the cache refresh (then `plan` again), policy-rc.d, the transactions, the
/// cleaning, and the packages' new state. `policy` is the atomic write of policy-rc.d.
pub fn apply(p: &Plan, policy: Option<&[u8]>) -> String {
    let a = &p.args;
    let mut s = String::new();
    if a.update_cache || a.cache_valid_time > 0 {
        let tries = a.update_cache_retries.unwrap_or(5).max(1);
        let delay = a.update_cache_retry_max_delay.unwrap_or(12).max(1);
        s.push_str(&format!(
            "if [ -n \"$stale\" ]; then\n  m {REDO}\n  n=0; d=1\n  \
             until apt-get update -q -o DPkg::Lock::Timeout={} >/dev/null; do\n    \
             n=$((n+1)); [ $n -ge {tries} ] && {{ m update_failed; exit 0; }}\n    \
             sleep $d; d=$((d*2)); [ $d -gt {delay} ] && d={delay}\n  done\n  \
             mkdir -p /var/lib/apt/periodic && touch $st; m cache_updated 1; m cache_time \"$(ct)\"\n  \
             plan || exit 0\nfi\n",
            a.lock_timeout
        ));
    }
    s.push_str("m applied\n");
    if let Some(write) = policy {
        s.push_str(&format!(
            "if [ -e {POLICY_RC_D} ]; then mv -f {POLICY_RC_D} {POLICY_RC_D}.rsible || exit 1; fi\nprc=1\n"
        ));
        s.push_str(&String::from_utf8_lossy(write));
        s.push_str(" || exit 1\n");
    }
    let (install, remove) = words(p);
    s.push_str(&format!(
        "if [ -n \"$inst$debf\" ]; then\n  A {install} $inst ${{debf:+\"$debf\"}}; rc=$?\n  \
         [ $rc -eq 0 ] || {{ m failed install $rc; exit 0; }}\nfi\n\
         if [ -n \"$rem\" ]; then\n  A {remove} $rem; rc=$?\n  \
         [ $rc -eq 0 ] || {{ m failed remove $rc; exit 0; }}\nfi\n"
    ));
    for (what, var, cmd) in extras(p) {
        s.push_str(&format!(
            "if [ -n \"${var}\" ]; then\n  A {cmd}; rc=$?; [ $rc -eq 0 ] || {{ m failed {what} $rc; exit 0; }}\nfi\n"
        ));
    }
    if a.autoclean {
        s.push_str("A autoclean >/dev/null || { m failed autoclean 1; exit 0; }\n");
    }
    if a.clean {
        s.push_str("A clean || { m failed clean 1; exit 0; }\n");
    }
    s.push_str("for n in $names; do s=$(q \"$n\"); case ${s%%|*} in ?i*) m after \"$n\" \"${s#*|}\";; ?c*) m after \"$n\" config-files;; *) m after \"$n\" absent;; esac; done\n");
    s
}
