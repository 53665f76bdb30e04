//! The systemctl programs of `systemd` (and of `service` on a systemd target), the two
//! halves of one gated program after [`vars`](super::vars). The probe reads the unit
//! (`systemctl show`, reported as `show`, encoded) and plans Ansible's steps in Ansible's
//! order (mask, enable, run state): `mka`, `ena`, `sta` hold the `systemctl` verb of each
//! step that differs, announced by a `change what before after` report line; a unit that is
//! not there is `fail message`. The apply runs the planned verbs. A daemon reload or reexec
//! (asked for: always run outside check mode) and a mask change can make the unit look
//! different, so then the apply reports `replan`, reloads, reads the unit again and plans
//! each step after the one before, as Ansible does; its lines replace the probe's. Knows
//! nothing of module arguments.

/// The probe (also the shell functions the apply uses).
pub const PROBE: &str = r#"if [ "$sf" = --user ] && [ -z "${XDG_RUNTIME_DIR:-}" ]; then XDG_RUNTIME_DIR=/run/user/$(id -u); export XDG_RUNTIME_DIR; fi
sc() { if [ -n "$sf" ]; then systemctl "$sf" "$@"; else systemctl "$@"; fi; }
fail() { mx fail "$*"; exit 0; }
props=''; load=''; active=''; ufs=''; mka=''; ena=''; sta=''
readp() {
  if [ "$sf" = --global ]; then props=''; else props=$(sc show -- "$u" 2>/dev/null) || props=''; fi
  load=$(printf '%s\n' "$props" | sed -n 's/^LoadState=//p' | head -n 1)
  active=$(printf '%s\n' "$props" | sed -n 's/^ActiveState=//p' | head -n 1)
  ufs=$(printf '%s\n' "$props" | sed -n 's/^UnitFileState=//p' | head -n 1)
}
show() { readp; mx show "$props"; }
plan_mask() {
  mka=''
  [ -n "$mk" ] || return 0
  cur=0
  if [ "$ufs" = masked ] || [ "$load" = masked ]; then cur=1; fi
  if [ "$sf" = --global ] && [ "$(sc is-enabled -- "$u" 2>/dev/null)" = masked ]; then cur=1; fi
  [ "$cur" != "$mk" ] || return 0
  mka=mask; [ "$mk" = 1 ] || mka=unmask
  rsible_change=1
  m change masked "$cur" "$mk"
}
plan_rest() {
  ena=''; sta=''
  if [ -n "$en$st" ] && [ "$sf" != --global ] && { [ -z "$load" ] || [ "$load" = not-found ]; }; then
    mx fail "Could not find the requested service $u: host"
    return 1
  fi
  if [ -n "$en" ]; then
    cur=0; sc is-enabled -- "$u" >/dev/null 2>&1 && cur=1
    if [ "$cur" != "$en" ]; then
      ena=enable; [ "$en" = 1 ] || ena=disable
      rsible_change=1
      m change enabled "$cur" "$en"
    fi
  fi
  if [ -n "$st" ]; then
    run=0; case $active in active|activating|reloading) run=1 ;; esac
    case $st in
      started) [ "$run" = 1 ] || sta=start ;;
      stopped) case $active in active|activating|reloading|deactivating) sta=stop ;; esac ;;
      restarted) sta=restart; [ "$run" = 1 ] || sta=start ;;
      reloaded) sta=reload; [ "$run" = 1 ] || sta=start ;;
    esac
    if [ -n "$sta" ]; then
      rsible_change=1
      m change state "$active" "$st"
    fi
  fi
}
[ "$dr$dx" = 00 ] || rsible_change=1
if [ -n "$u" ]; then show; plan_mask; plan_rest || true; fi
"#;

/// The apply, after [`PROBE`] in the same program.
pub const APPLY: &str = r#"if [ "$dr$dx" != 00 ] || [ -n "$mka" ]; then
  m replan
  if [ "$dx" = 1 ]; then e=$(sc daemon-reexec 2>&1) || fail "failure when executing daemon-reexec: $e"; fi
  if [ "$dr" = 1 ]; then e=$(sc daemon-reload 2>&1) || fail "failure when executing daemon-reload: $e"; fi
  [ -n "$u" ] || exit 0
  show; plan_mask
  # shellcheck disable=SC2086
  if [ -n "$mka" ]; then e=$(sc $fo "$mka" -- "$u" 2>&1) || fail "Unable to $mka service $u: $e"; readp; fi
  plan_rest || exit 0
fi
# shellcheck disable=SC2086
if [ -n "$ena" ]; then e=$(sc $fo "$ena" -- "$u" 2>&1) || fail "Unable to $ena service $u: $e"; fi
# shellcheck disable=SC2086
if [ -n "$sta" ]; then e=$(sc $nb "$sta" -- "$u" 2>&1) || fail "Unable to $sta service $u: $e"; fi
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// Both halves parse as sh, alone and behind the gate.
    #[test]
    fn programs_are_sh() {
        for p in [
            PROBE.to_string(),
            format!("{PROBE}\nif [ \"$rsible_change\" = 1 ]; then\n{APPLY}\nfi\n"),
        ] {
            crate::modules::framework::sh_check::assert_parses(&p);
        }
    }

    #[test]
    fn the_probe_changes_nothing() {
        for verb in ["sc $fo", "sc $nb", "daemon-reload", "daemon-reexec"] {
            assert!(!PROBE.contains(verb), "{verb} in the probe");
        }
    }
}
