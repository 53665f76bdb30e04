//! `pip`'s one gated program. The probe finds the virtualenv (or notes it must be created),
//! finds pip as Ansible's module does (the virtualenv's `pip3`/`pip`, `executable`, the
//! interpreter's `-m pip`, `pip3` on PATH) and lists what is installed when a decision needs
//! it; it always asks for the apply, since Ansible runs pip whenever it is not in check mode.
//! The apply creates the virtualenv (with `--no-site-packages` when its command's `--help`
//! offers it, `-p` for a virtualenv that is not `venv`), runs the pip command and lists again
//! when changes are told by comparing listings. Knows nothing of the result's shape.

use crate::connection::quote::quote_str;
use crate::modules::framework::report::MARK_FN;

/// How a missing virtualenv is created.
#[derive(Debug, Clone, Default)]
pub struct VenvCmd {
    /// `virtualenv_command`, split as a shell would.
    pub words: Vec<String>,
    /// `virtualenv_site_packages`.
    pub site_packages: bool,
    /// Whether the command is `venv` (`-m venv`, `pyvenv`): no `-p`.
    pub is_venv: bool,
    /// `virtualenv_python`.
    pub python: Option<String>,
}

/// What the program does, decided on the controller.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// `chdir` as given.
    pub chdir: Option<String>,
    /// `virtualenv` as given.
    pub env: Option<String>,
    /// `executable` as given.
    pub executable: Option<String>,
    /// The virtualenv's creation.
    pub venv: VenvCmd,
    /// pip's arguments after the program (`install -U --no-index ... pkg`).
    pub pip_args: Vec<String>,
    /// Whether the probe lists what is installed (check mode's decision, or the listing
    /// before a change that is told by comparing listings).
    pub list_before: bool,
    /// Whether the change is told by comparing listings (requirements, VCS URLs).
    pub compare: bool,
    /// `umask`, octal.
    pub umask: Option<String>,
    /// `break_system_packages`.
    pub break_system: bool,
}

/// sh helpers: `~` expansion, running in `chdir`, Ansible's executable search, finding pip,
/// listing packages and creating the virtualenv.
const FUNCTIONS: &str = r#"xp() { case $1 in "~"|"~/"*) printf '%s' "$HOME${1#\~}" ;; *) printf '%s' "$1" ;; esac; }
incd() { if [ -d "$cdir" ]; then (cd "$cdir" && "$@"); else "$@"; fi; }
binpath() {
  found=; paths=$PATH
  for s in /sbin /usr/sbin /usr/local/sbin; do
    case ":$PATH:" in *":$s:"*) ;; *) [ -e "$s" ] && paths=$paths:$s ;; esac
  done
  o=$IFS; IFS=:
  for d in $paths; do
    [ -n "$d" ] && [ -e "$d/$1" ] && [ ! -d "$d/$1" ] && [ -x "$d/$1" ] && { found=$d/$1; break; }
  done
  IFS=$o
  [ -n "$found" ]
}
findpip() {
  pipm=0
  if [ -n "$env" ]; then
    for b in pip3 pip; do
      [ -e "$env/bin/$b" ] && [ -x "$env/bin/$b" ] && [ ! -d "$env/bin/$b" ] && { pip=$env/bin/$b; return 0; }
    done
    m nopipenv; return 1
  fi
  if [ -n "$exe" ]; then
    case $exe in /*) pip=$exe; return 0 ;; esac
    binpath "$exe" && { pip=$found; return 0; }
    m nopip "$exe"; return 1
  fi
  if [ -n "$py" ] && "$py" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("pip") is None)' 2>/dev/null; then
    pip=$py; pipm=1; return 0
  fi
  binpath pip3 && { pip=$found; return 0; }
  m nopip pip3; return 1
}
pipc() { if [ "$pipm" = 1 ]; then "$pip" -m pip "$@"; else "$pip" "$@"; fi; }
plist() {
  lc=list
  o=$(LANG=C.UTF-8 LC_ALL=C.UTF-8 LC_MESSAGES=C.UTF-8; export LANG LC_ALL LC_MESSAGES
    incd pipc list --format=freeze 2>"$e"; c=$?; echo x; exit $c); c=$?
  if [ "$c" != 0 ]; then
    lc=freeze
    o=$(incd pipc freeze 2>"$e"; c=$?; echo x; exit $c); c=$?
  fi
  x=$(cat "$e"; echo x)
  mx "$1_out" "${o%x}"; mx "$1_err" "${x%x}"; m "$1_cmd" "$lc"
  [ "$c" = 0 ] || { m listfail "$1"; return 1; }
}
"#;

/// `s` quoted for sh, empty when absent.
fn q(s: Option<&str>) -> String {
    quote_str(s.unwrap_or(""))
}

/// The probe: settings, helpers, then the virtualenv check, pip and the listing before.
pub fn probe(p: &Plan) -> String {
    let mut s = format!("{MARK_FN}e=$(mktemp) || exit 1\ntrap 'rm -f \"$e\"' EXIT\n{FUNCTIONS}");
    if let Some(u) = &p.umask {
        s.push_str(&format!("umask {}\n", quote_str(u)));
    }
    if p.break_system {
        s.push_str("PIP_BREAK_SYSTEM_PACKAGES=1; export PIP_BREAK_SYSTEM_PACKAGES\n");
    }
    s.push_str(&format!(
        r#"cdir=$(xp {chdir})
env=$(xp {env})
if [ -n "$env" ] && [ -n "$cdir" ]; then case $env in /*) ;; *) env=${{cdir%/}}/$env ;; esac; fi
[ -n "$cdir" ] || cdir=${{TMPDIR:-/tmp}}
exe=$(xp {exe})
py=$(command -v python3)
m env "$env"
mk=0
if [ -n "$env" ] && [ ! -e "$env/bin/activate" ]; then
  mk=1; m mkvenv; rsible_change=1
elif findpip; then
  m pip "$pip"; m pipm "$pipm"
  {list}
fi
"#,
        chdir = q(p.chdir.as_deref()),
        env = q(p.env.as_deref()),
        exe = q(p.executable.as_deref()),
        list = if p.list_before {
            "plist before && rsible_change=1"
        } else {
            "rsible_change=1"
        },
    ));
    s
}

/// sh creating the virtualenv (`mkvenv`), reporting each failure as Ansible words it.
fn mkvenv(v: &VenvCmd) -> String {
    let first = v.words.first().map_or("virtualenv", String::as_str);
    let rest: Vec<String> = v.words.iter().skip(1).map(|w| quote_str(w)).collect();
    let options = if v.site_packages {
        "set -- \"$@\" --system-site-packages\n".to_string()
    } else {
        r#"h=$("$vc0" --help 2>"$e"); hc=$?
  if [ "$hc" != 0 ]; then x=$(cat "$e"); mx helpfail "$h$x"; m helpcmd "$vc0 --help"; return 1; fi
  case " $(printf '%s' "$h" | tr '\n\t' '  ') " in *" --no-site-packages "*) set -- "$@" --no-site-packages ;; esac
"#
        .to_string()
    };
    let python = match (&v.python, v.is_venv) {
        (Some(_), true) => "m pyconflict; return 1\n".to_string(),
        (Some(p), false) => format!("set -- \"$@\" {}\n", quote_str(&format!("-p{p}"))),
        (None, false) => "set -- \"$@\" \"-p$py\"\n".to_string(),
        (None, true) => String::new(),
    };
    format!(
        r#"mkvenv() {{
  vc0={first}
  case $vc0 in */*) ;; *) binpath "$vc0" || {{ m nobin "$vc0"; m paths "$paths"; return 1; }}; vc0=$found ;; esac
  set -- "$vc0" {rest}
  {options}  {python}  set -- "$@" "$env"
  o=$(incd "$@" 2>"$e"; c=$?; echo x; exit $c); c=$?
  x=$(cat "$e"; echo x)
  mx vout "${{o%x}}"; mx verr "${{x%x}}"
  [ "$c" = 0 ] || {{ for a in "$@"; do mx vcmd "$a"; done; m vfail; return 1; }}
}}
"#,
        first = quote_str(first),
        rest = rest.join(" "),
    )
}

/// The apply: the virtualenv when missing, pip's command, and the listing after.
pub fn apply(p: &Plan) -> String {
    let args: Vec<String> = p.pip_args.iter().map(|a| quote_str(a)).collect();
    let before = if p.compare {
        "plist before || exit 0\n  "
    } else {
        ""
    };
    let after = if p.compare {
        "plist after || exit 0\n"
    } else {
        ""
    };
    format!(
        r#"{mkvenv}m applied
if [ "$mk" = 1 ]; then
  mkvenv || exit 0
  findpip || exit 0
  m pip "$pip"; m pipm "$pipm"
  {before}
fi
o=$(if [ -n "$env" ]; then PATH=$env/bin:$PATH; export PATH; fi; incd pipc {args} 2>"$e"; c=$?; echo x; exit $c); c=$?
x=$(cat "$e"; echo x)
mx out "${{o%x}}"; mx err "${{x%x}}"; m rc "$c"
{after}"#,
        mkvenv = mkvenv(&p.venv),
        args = args.join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::framework::sh_check::assert_parses;

    fn plan() -> Plan {
        Plan {
            env: Some("/opt/v".into()),
            pip_args: vec!["install".into(), "rs demo".into()],
            list_before: true,
            compare: true,
            umask: Some("0022".into()),
            break_system: true,
            venv: VenvCmd {
                words: vec!["python3".into(), "-m".into(), "venv".into()],
                ..VenvCmd::default()
            },
            ..Plan::default()
        }
    }

    #[test]
    fn the_program_parses() {
        let p = plan();
        assert_parses(&crate::modules::framework::sh_check::gated(
            &probe(&p),
            &apply(&p),
        ));
        let mut p = plan();
        p.venv.site_packages = true;
        p.venv.is_venv = false;
        p.venv.python = Some("python3.11".into());
        assert!(apply(&p).contains("-ppython3.11"), "{}", apply(&p));
        assert_parses(&crate::modules::framework::sh_check::gated(
            &probe(&p),
            &apply(&p),
        ));
    }

    #[test]
    fn the_probe_changes_nothing() {
        let p = probe(&plan());
        assert!(p.contains("plist before && rsible_change=1"), "{p}");
        assert!(!p.contains(" install"), "{p}");
        assert!(apply(&plan()).contains("incd pipc install 'rs demo'"));
    }
}
