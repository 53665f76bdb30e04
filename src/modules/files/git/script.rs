//! The sh of `git`: one gated program whose probe reads the checkout (is there one, its
//! HEAD, local modifications, the remote's URL, the remote revision `version` names) and
//! whose apply clones or fetches, then checks `version` out, in the order and with the git
//! commands of Ansible's module. With `--diff` the probe also sets the remote's URL and
//! fetches before its diff, as Ansible's module does in check mode too. Report keys: `state` (`new`, `keep`, `update`), `before`,
//! `url`, `rh` or `rherr*` (the remote revision, or why it is unknown), `pdiff` (check mode's
//! diff), `warning`; from the apply `applied`, `after`, `url_changed`, `reset`, `diff`,
//! `submodules`; a failure as `fmsg` with `frc`, `fstdout`, `fstderr`. Knows nothing of the
//! result Ansible's module builds from them (see [`super`]).

use crate::connection::quote::quote_str;
use crate::modules::framework::report::MARK_FN;

/// What the program needs from the task's arguments, already in Ansible's form.
pub struct Plan<'a> {
    /// The git program (`executable`, else `git` from the target's PATH).
    pub git: Option<&'a str>,
    /// `repo`, a local path made a `file://` URL.
    pub repo: &'a str,
    /// `dest`; `None` with `clone: false`.
    pub dest: Option<&'a str>,
    pub version: &'a str,
    pub remote: &'a str,
    pub depth: Option<u64>,
    pub force: bool,
    pub update: bool,
    pub clone: bool,
    pub single_branch: bool,
    pub recursive: bool,
    /// The ssh options git's ssh runs with, and the same with `accept_newhostkey`'s option
    /// (used when the target's ssh knows it).
    pub ssh_opts: String,
    pub ssh_opts_new: Option<String>,
    /// `umask`, octal.
    pub umask: Option<&'a str>,
    /// Whether the diff is wanted (`--diff`).
    pub diff: bool,
}

/// sh functions both parts share: `run CMD...` runs a command with its output in `o`, its
/// errors in `x`, its status in `c`; `fail MSG [RC OUT ERR]` ends the program with a failure;
/// `rp REF` is `git rev-parse REF` in the checkout; `hb` the branch HEAD follows (Ansible's
/// head file reading); `isbr R`, `istag R` whether the remote R has `version` as a branch
/// or tag; `lbr B` whether B is a local branch.
const FUNCTIONS: &str = r#"run() {
  e=$(mktemp) || exit 1
  o=$("$@" 2>"$e"); c=$?
  x=$(cat "$e"); rm -f "$e"
  return "$c"
}
fail() { mx fmsg "$1"; if [ $# -gt 1 ]; then m frc "$2"; mx fstdout "$3"; mx fstderr "$4"; fi; exit 0; }
rp() { "$G" rev-parse "$1" 2>/dev/null; }
hb() {
  hf="$gd/HEAD"
  if "$G" branch --no-color -a 2>/dev/null | grep -Eq '^[[:space:]]*\* .*(no branch|detached from|detached at)'; then hf="$gd/refs/remotes/$RM/HEAD"; fi
  [ -r "$hf" ] || { br=; return 1; }
  br=$(head -n 1 "$hf"); pre="refs/remotes/$RM"
  case $br in *"$pre"*) br="${br%%"$pre"*}${br#*"$pre"}" ;; esac
  br=${br##* }
  case $br in */*/*) br=${br#*/}; br=${br#*/} ;; */*) br=${br#*/} ;; esac
}
lsr() { lo=$("$G" ls-remote "$@" 2>/dev/null) || { lc=$?; le=$("$G" ls-remote "$@" 2>&1 >/dev/null); return 1; }; }
isbr() { lsr "$1" -h "refs/heads/$V" || return 2; case $lo in *"$V"*) return 0 ;; esac; return 1; }
istag() { lsr "$1" -t "refs/tags/$V" || return 2; case $lo in *"$V"*) return 0 ;; esac; return 1; }
lbr() { "$G" branch --no-color -a 2>/dev/null | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -Fxq -e "$1" -e "* $1"; }
unf() { printf '%s\n' "$1" | sed 's#//*#/#g; s#/\./#/#g; s#/\.$##; s#\(.\)/$#\1#'; }
"#;

/// The remote revision `version` names on remote `$1` (`$2` = 1 when cloning: the
/// repository's own HEAD), as `rh`, or `rherr*` when it cannot be told.
const REMOTE_HEAD: &str = r#"rhead() {
  tag=0
  if [ "$V" = HEAD ]; then
    if [ "$2" = 1 ]; then set -- "$1" -h HEAD
    else
      hb || { m rherr "Unable to read $hf"; return; }
      set -- "$1" -h -- "refs/heads/$br"
    fi
  else
    isbr "$1"; b=$?
    if [ "$b" = 2 ]; then m rherr_rc "$lc"; mx rherr "$le"; return; fi
    if [ "$b" = 0 ]; then set -- "$1" -h "refs/heads/$V"
    else
      istag "$1"; t=$?
      if [ "$t" = 2 ]; then m rherr_rc "$lc"; mx rherr "$le"; return; fi
      if [ "$t" = 0 ]; then tag=1; set -- "$1" -t "refs/tags/$V*"
      else setrh "$V"; return; fi
    fi
  fi
  lsr "$@" || { m rherr_rc "$lc"; mx rherr "$le"; return; }
  [ -n "$lo" ] || { m rherr "Could not determine remote revision for $V"; return; }
  if [ "$tag" = 1 ]; then
    lo=$(printf '%s\n' "$lo" | V="$V" awk '{ l = $0; n = length(ENVIRON["V"]); if (substr(l, length(l) - n - 2) == ENVIRON["V"] "^{}") { r = l; exit } if (substr(l, length(l) - n + 1) == ENVIRON["V"]) r = l } NR == 1 { f = $0 } END { if (r == "") r = f; print r }')
  fi
  setrh "${lo%%[[:space:]]*}"
}
setrh() { rhv=$1; m rh "$1"; }
"#;

/// The probe (see the file header); it sets the gate when the apply has work: a clone, or an
/// update of an existing checkout.
pub fn probe(p: &Plan) -> String {
    let q = |s: &str| quote_str(s);
    let mut s = format!(
        "rhv=\nLANG=C; LC_ALL=C; LC_MESSAGES=C; LC_CTYPE=C; LANGUAGE=C\nexport LANG LC_ALL LC_MESSAGES LC_CTYPE LANGUAGE\n{MARK_FN}{FUNCTIONS}{REMOTE_HEAD}"
    );
    s.push_str(&format!(
        "R={}\nD={}\nV={}\nRM={}\nF={}\nDF={}\nO={}\n",
        q(p.repo),
        q(p.dest.unwrap_or("")),
        q(p.version),
        q(p.remote),
        u8::from(p.force),
        u8::from(p.diff),
        q(&p.ssh_opts),
    ));
    match p.git {
        Some(g) => s.push_str(&format!("G={}\n", q(g))),
        None => s.push_str("G=$(command -v git) || { m nogit \"$PATH\"; exit 0; }\n"),
    }
    if let Some(new) = &p.ssh_opts_new {
        s.push_str(&format!(
            r#"command -v ssh >/dev/null 2>&1 || fail "Remote host is missing ssh command, so you cannot use acceptnewhostkey option."
if ssh -o StrictHostKeyChecking=accept-new -V >/dev/null 2>&1; then O={}
else m warning "Your ssh client does not support accept_newhostkey option, therefore it cannot be used."; fi
"#,
            q(new)
        ));
    }
    if let Some(u) = p.umask {
        s.push_str(&format!("umask {}\n", q(u)));
    }
    s.push_str(
        r#"GIT_SSH_COMMAND="${GIT_SSH:-${GIT_SSH_COMMAND:-ssh}} $O"; export GIT_SSH_COMMAND
gd="$D/.git"
if [ -n "$D" ] && [ -f "$gd" ]; then
  l=$(cat "$gd")
  case $l in "gitdir: "*) gd=${l#gitdir: } ;; *) fail "Current repo does not have a valid reference to a separate Git dir or it refers to the invalid path" ;; esac
  case $gd in /*) ;; *) gd="$D/$gd" ;; esac
  [ -d "$gd" ] || fail "Current repo does not have a valid reference to a separate Git dir or it refers to the invalid path"
fi
if [ -z "$D" ] || [ ! -f "$gd/config" ]; then
  st=new; m state new
  rhead "$R" 1
"#,
    );
    if p.clone {
        s.push_str("  rsible_change=1\n");
    }
    s.push_str(if p.update {
        r#"else
  cd "$D" || fail "cannot enter $D"
  before=$(rp HEAD); m before "$before"
  lm=$("$G" status --porcelain 2>/dev/null | grep -v '^??')
  if [ -n "$lm" ]; then
    [ "$F" = 1 ] || { m keepbefore; fail "Local modifications exist in the destination: $D (force=no)."; }
    m localmods
  fi
  st=update; m state update
  if url=$("$G" ls-remote --get-url "$RM" 2>/dev/null); then m url "$url"; else url=; fi
  rhead "$RM" 0
  pu=0
  if [ "$DF" = 1 ] && [ -n "$rhv" ] && [ "$before" != "$rhv" ]; then
    if [ -n "$url" ] && [ "$url" != "$R" ] && [ "$(unf "$url")" != "$(unf "$R")" ]; then
      run "$G" remote set-url "$RM" "$R" || fail "Failed to set a new url $R for $RM: $o $x"
      pu=1
    fi
    run "$G" fetch --tags "$RM" || fail "Failed to download remote objects and refs: $o $x"
    if d=$("$G" diff "$before" "$rhv" 2>/dev/null); then mx pdiff "$d"
    else mx pdifferr "$("$G" diff "$before" "$rhv" 2>&1 >/dev/null)"; fi
  fi
  rsible_change=1
fi
"#
    } else {
        r#"else
  cd "$D" || fail "cannot enter $D"
  m state keep
  m before "$(rp HEAD)"
fi
"#
    });
    s
}

/// The apply: Ansible's clone, or its reset/remote URL/fetch, then its checkout of
/// `version`, the new HEAD and the diff.
pub fn apply(p: &Plan) -> String {
    let depth = p.depth.filter(|d| *d > 0);
    let mut s = String::from(
        r#"m applied
if [ "$st" = new ]; then
  mkdir -p "$(dirname "$D")" 2>/dev/null
  bt=0
  isbr "$R"; b=$?; [ "$b" = 2 ] && fail "$le" "$lc" "$lo" "$le"
  if [ "$b" = 0 ]; then bt=1; else istag "$R"; t=$?; [ "$t" = 2 ] && fail "$le" "$lc" "$lo" "$le"; [ "$t" = 0 ] && bt=1; fi
  set -- clone --origin "$RM"
"#,
    );
    if let Some(d) = depth {
        s.push_str(&format!(
            r#"  if [ "$V" = HEAD ]; then set -- "$@" --depth {d}
  elif [ "$bt" = 1 ]; then set -- "$@" --depth {d} --branch "$V"
  else m warning "Ignoring depth argument. Shallow clones are only available for HEAD, branches, tags or in combination with refspec."; fi
"#
        ));
    }
    if p.single_branch {
        s.push_str(
            "  set -- \"$@\" --single-branch; [ \"$bt\" = 1 ] && set -- \"$@\" --branch \"$V\"\n",
        );
    }
    s.push_str(
        r#"  cd "$(dirname "$D")" 2>/dev/null
  run "$G" "$@" "$R" "$D" || fail "$x" "$c" "$o" "$x"
  cd "$D" || fail "cannot enter $D"
else
  if [ -n "$lm" ]; then
    run "$G" reset --hard HEAD || fail "$x" "$c" "$o" "$x"
    m reset
  fi
  uc=$pu
  if url=$("$G" ls-remote --get-url "$RM" 2>/dev/null) && [ "$url" != "$R" ] && [ "$(unf "$url")" != "$(unf "$R")" ]; then
    run "$G" remote set-url "$RM" "$R" || fail "Failed to set a new url $R for $RM: $o $x"
    uc=1
  fi
  m url_changed "$uc"
  set --
"#,
    );
    if let Some(d) = depth {
        s.push_str(&format!(
            r#"  if [ "$V" = HEAD ]; then hb; set -- "$br"
  else
    hb; ch=$br
    isbr "$R"; b=$?; [ "$b" = 2 ] && fail "$le" "$lc" "$lo" "$le"
    if [ "$b" = 0 ]; then
      [ "$ch" != "$V" ] && set -- "+refs/heads/$V:refs/heads/$V"
      set -- "$@" "+refs/heads/$V:refs/remotes/$RM/$V"
    else
      istag "$R"; t=$?; [ "$t" = 2 ] && fail "$le" "$lc" "$lo" "$le"
      [ "$t" = 0 ] && set -- "+refs/tags/$V:refs/tags/$V"
    fi
  fi
  if [ $# -gt 0 ]; then set -- --depth {d} {force}"$RM" "$@"; else set -- --tags {force}"$RM"; fi
"#,
            force = if p.force { "--force " } else { "" }
        ));
    } else {
        s.push_str(&format!(
            "  set -- --tags {}\"$RM\"\n",
            if p.force { "--force " } else { "" }
        ));
    }
    s.push_str(
        r#"  run "$G" fetch "$@" || fail "Failed to download remote objects and refs: $o $x"
fi
"#,
    );
    s.push_str(&switch(depth));
    if p.recursive {
        s.push_str("[ -f .gitmodules ] && { m submodules; exit 0; }\n");
    }
    s.push_str(
        r#"after=$(rp HEAD)
m after "$after"
if [ "$DF" = 1 ] && [ "$st" = update ] && [ "$before" != "$after" ]; then
  if d=$("$G" diff "$before" "$after" 2>/dev/null); then mx diff "$d"
  else m diffrc; mx differr "$("$G" diff "$before" "$after" 2>&1 >/dev/null)"; fi
fi
"#,
    );
    s
}

/// Ansible's checkout of `version`: the branch HEAD follows (reset to the remote's), a
/// remote branch (tracked, or checked out and reset), else a tag or commit.
fn switch(depth: Option<u64>) -> String {
    let fetch_branch = match depth {
        Some(d) => format!(
            r#"    if ! lbr "$V"; then
      run "$G" fetch --depth={d} "$RM" "+refs/heads/$V:refs/heads/$V" "+refs/heads/$V:refs/remotes/$RM/$V" || fail "Failed to fetch branch from remote: $V" "$c" "$o" "$x"
    fi
"#
        ),
        None => String::new(),
    };
    format!(
        r#"if [ "$V" = HEAD ]; then
  hb
  run "$G" checkout --force "$br" || fail "Failed to checkout branch $br HEAD" "$c" "$o" "$x"
  fm="Failed to checkout branch $br"
  set -- reset --hard "$RM/$br"
else
  fm="Failed to checkout $V"
  isbr "$RM"; b=$?; [ "$b" = 2 ] && fail "$le" "$lc" "$lo" "$le"
  if [ "$b" = 0 ]; then
{fetch_branch}    if ! lbr "$V"; then set -- checkout --track -b "$V" "$RM/$V"
    else
      run "$G" checkout --force "$V" || fail "Failed to checkout branch $V" "$c" "$o" "$x"
      set -- reset --hard "$RM/$V"
    fi
  else set -- checkout --force "$V"
  fi
fi
run "$G" "$@" || fail "$fm" "$c" "$o" "$x"
"#
    )
}
