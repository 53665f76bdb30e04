//! The fact modules whose Ansible counterpart cannot run on the tier-2 lab: `package_facts`
//! (Ansible's needs python3-apt, which the lab hosts lack) against tier-2 host t2-27, its
//! answer checked against the host's own dpkg database. Read-only: no reset needed.

mod common;

use common::tier2::Tier2;

/// The one host this test uses.
const HOST: usize = 27;

#[test]
fn package_facts_lists_dpkg_packages_in_ansibles_shape() {
    let lab = Tier2::lab();
    let dir = tempfile::tempdir().expect("tempdir");
    lab.inventory(dir.path(), &[HOST], "");
    common::write(
        dir.path(),
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: facts\n      package_facts:\n        manager: auto\n    - name: check\n      package_facts:\n        manager: [apt]\n        strategy: all\n      check_mode: true\n",
    );
    let run = lab.play(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.dump());
    let name = Tier2::name(HOST);
    let facts = &run.results(&name, "facts")[0]["result"]["ansible_facts"]["packages"];
    let listed = lab.root_ok(
        HOST,
        "dpkg-query -W -f='${db:Status-Status} ${Package} ${Version} ${Architecture} ${Section}\\n' | grep '^installed '",
    );
    let mut count = 0;
    for line in listed.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let entry = &facts[f[1]][0];
        assert_eq!(entry["version"], f[2], "{line}: {entry}");
        assert_eq!(entry["arch"], f[3], "{line}: {entry}");
        assert_eq!(entry["category"], f[4], "{line}: {entry}");
        assert_eq!(entry["source"], "apt", "{line}: {entry}");
        assert!(entry["origin"].is_string(), "{line}: {entry}");
        count += 1;
    }
    assert!(count > 50, "only {count} packages listed");
    assert_eq!(facts.as_object().map(|m| m.len()), Some(count));
    let again = &run.results(&name, "check")[0]["result"]["ansible_facts"]["packages"];
    assert_eq!(again, facts, "check mode reads the same");
}
