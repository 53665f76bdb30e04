//! The remote program of `apt`: the apt-get command line every transaction shares, the
//! per-package decisions (dpkg-query and apt-cache in sh), the cache update, the `.deb`
//! download and the transactions themselves. Knows nothing of how the answer is read.

use super::{Plan, State};
use crate::connection::quote::quote_str;
use crate::modules::packages::common::MARK_FN;

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
const DECIDE: &str = r#"inst=''; names=''; rem=''; miss=''
q() { dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$1" 2>/dev/null | head -n 1; }
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
"#;

/// The cache update: `apt-get update` unless the cache is younger than `cache_valid_time`.
fn update_part(p: &Plan, check: bool) -> String {
    let a = &p.args;
    let mut s = String::from(
        "st=/var/lib/apt/periodic/update-success-stamp\n\
         ct() { if [ -e $st ]; then stat -c %Y $st; else stat -c %Y /var/lib/apt/lists; fi; }\n",
    );
    if a.update_cache || a.cache_valid_time > 0 {
        let fresh = if a.cache_valid_time > 0 {
            format!("[ $(( $(date +%s) - $(ct) )) -lt {} ]", a.cache_valid_time)
        } else {
            "false".into()
        };
        let tries = a.update_cache_retries.unwrap_or(5).max(1);
        let delay = a.update_cache_retry_max_delay.unwrap_or(12).max(1);
        let run = if check {
            "m cache_updated 1".to_string()
        } else {
            format!(
                "n=0; d=1\n  until apt-get update -q -o DPkg::Lock::Timeout={} >/dev/null; do\n    \
                 n=$((n+1)); [ $n -ge {tries} ] && {{ m update_failed; exit 0; }}\n    \
                 sleep $d; d=$((d*2)); [ $d -gt {delay} ] && d={delay}\n  done\n  \
                 mkdir -p /var/lib/apt/periodic && touch $st; m cache_updated 1",
                a.lock_timeout
            )
        };
        s.push_str(&format!("if ! {fresh}; then\n  {run}\nfi\n"));
    }
    s.push_str("m cache_time \"$(ct)\"\n");
    s
}

/// The `.deb` part: fetch a URL into a temp dir, compare with what is installed.
fn deb_part(deb: &str) -> String {
    format!(
        "debf={}\n\
         case $debf in *://*)\n  td=$(mktemp -d) || exit 1; f=\"$td/package.deb\"\n  \
         if command -v curl >/dev/null 2>&1; then curl -fsSL -o \"$f\" \"$debf\"; \
         elif command -v wget >/dev/null 2>&1; then wget -q -O \"$f\" \"$debf\"; \
         else m fail the target has neither curl nor wget to download the deb; exit 0; fi \
         || {{ m fail could not download \"$debf\"; exit 0; }}\n  debf=$f;;\nesac\n\
         [ -f \"$debf\" ] || {{ m fail \"$debf\" does not exist on the target; exit 0; }}\n\
         case $debf in /*) ;; *) debf=\"./$debf\";; esac\n\
         dn=$(dpkg-deb -f \"$debf\" Package) && dv=$(dpkg-deb -f \"$debf\" Version) \
         || {{ m fail \"$debf\" is not a valid deb file; exit 0; }}\n\
         s=$(q \"$dn\"); case ${{s%%|*}} in ?i*) [ \"${{s#*|}}\" = \"$dv\" ] && debf='';; esac\n\
         if [ -n \"$debf\" ]; then m before \"$dn\" \"$(s=$(q \"$dn\"); echo ${{s#*|}})\"; \
         names=\"$names $dn\"; fi\n",
        quote_str(deb)
    )
}

/// The whole remote program for `p`.
pub fn program(p: &Plan, check: bool) -> String {
    let a = &p.args;
    let mut s = String::from(
        "LC_ALL=C; export LC_ALL; DEBIAN_FRONTEND=noninteractive; export DEBIAN_FRONTEND\n\
         set -f\n",
    );
    s.push_str(MARK_FN);
    s.push_str(
        "command -v apt-get >/dev/null 2>&1 || { m fail apt-get was not found on the target; exit 0; }\n\
         td=''; prc=''\n\
         cl() { [ -n \"$td\" ] && rm -rf \"$td\"; if [ -n \"$prc\" ]; then rm -f /usr/sbin/policy-rc.d; \
         [ -e /usr/sbin/policy-rc.d.rsible ] && mv -f /usr/sbin/policy-rc.d.rsible /usr/sbin/policy-rc.d; fi; }\n\
         trap cl EXIT\n",
    );
    s.push_str(&apt_fn(p));
    if a.allow_change_held_packages {
        s.push_str("HELD_OK=1\n");
    } else {
        s.push_str("HELD_OK=''\n");
    }
    s.push_str(if a.only_upgrade {
        "ONLY_UPGRADE=1\n"
    } else {
        "ONLY_UPGRADE=''\n"
    });
    s.push_str(if a.purge { "PURGE=1\n" } else { "PURGE=''\n" });
    s.push_str(DECIDE);
    s.push_str(&update_part(p, check));
    if let (Some(code), false) = (a.policy_rc_d, check) {
        s.push_str(&format!(
            "[ -e /usr/sbin/policy-rc.d ] && mv -f /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.rsible\n\
             prc=1; printf '#!/bin/sh\\nexit %d\\n' {code} > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d\n"
        ));
    }
    s.push_str("debf=''\n");
    if let Some(deb) = &a.deb {
        s.push_str(&deb_part(deb));
    }
    for spec in &p.specs {
        let n = quote_str(&spec.name);
        let v = quote_str(spec.version.as_deref().unwrap_or(""));
        match p.state {
            State::Absent => s.push_str(&format!("drop {n}\n")),
            State::Latest => s.push_str(&format!("want {n} '' latest\n")),
            State::Present | State::Fixed => s.push_str(&format!("want {n} {v} present\n")),
        }
    }
    s.push_str("[ -n \"$miss\" ] && { m missing $miss; exit 0; }\n");
    let sim = if check { "-s " } else { "" };
    let fix = if p.state == State::Fixed { "-f " } else { "" };
    s.push_str(&format!(
        "if [ -n \"$inst$debf\" ]; then\n  m changed install\n  \
         A {sim}{fix}install $inst ${{debf:+\"$debf\"}}; rc=$?\n  \
         [ $rc -eq 0 ] || {{ m failed install $rc; exit 0; }}\nfi\n"
    ));
    let purge = if a.purge { "--purge " } else { "" };
    let autorem = if a.autoremove { "--autoremove " } else { "" };
    s.push_str(&format!(
        "if [ -n \"$rem\" ]; then\n  m changed remove\n  A {sim}{purge}{autorem}remove $rem; rc=$?\n  \
         [ $rc -eq 0 ] || {{ m failed remove $rc; exit 0; }}\nfi\n"
    ));
    let mut extra: Vec<(&str, String)> = Vec::new();
    if a.autoremove && p.state != State::Absent {
        extra.push(("autoremove", format!("{purge}autoremove")));
    }
    if let Some(up) = p.upgrade {
        extra.push(("upgrade", up.to_string()));
    }
    for (what, cmd) in extra {
        s.push_str(&format!(
            "if A -s {cmd} 2>/dev/null | grep -q '^\\(Inst\\|Remv\\) '; then\n  m changed {what}\n  \
             A {sim}{cmd}; rc=$?; [ $rc -eq 0 ] || {{ m failed {what} $rc; exit 0; }}\nfi\n"
        ));
    }
    if !check {
        if a.autoclean {
            s.push_str("A autoclean >/dev/null || { m failed autoclean 1; exit 0; }\n");
        }
        if a.clean {
            s.push_str("A clean || { m failed clean 1; exit 0; }\n");
        }
    }
    s.push_str("for n in $names; do s=$(q \"$n\"); case ${s%%|*} in ?i*) m after \"$n\" \"${s#*|}\";; ?c*) m after \"$n\" config-files;; *) m after \"$n\" absent;; esac; done\n");
    s
}
