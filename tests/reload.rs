//! SIGHUP reloads the rule files; a broken one is reported and the running
//! rules stay in place.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use support::{signal, wait_until, wait_with_timeout, Workspace};

fn rules(version: u32) -> String {
    format!("enrich:\n  - set: {{ rules_version: {version} }}\n")
}

#[test]
fn sighup_swaps_rules_and_keeps_them_when_the_new_file_is_broken() {
    let workspace = Workspace::new();
    let rules_file = workspace.write("rules.yaml", &rules(1));
    let config = workspace.write(
        "sluice.yaml",
        "data_dir: data\ninputs:\n  app:\n    type: stdin\nrules: [rules.yaml]\nsinks:\n  local:\n    type: file\npipeline:\n  batch_linger_ms: 20\n",
    );
    let mut child = workspace.start(&config, Stdio::inherit(), Stdio::piped());
    let mut stdin = child.stdin.take().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let log = std::thread::spawn(move || stderr.lines().map_while(Result::ok).collect::<Vec<_>>());
    let versions = || -> Vec<u64> {
        workspace
            .indexed_lines()
            .iter()
            .map(|(_, record)| record["rules_version"].as_u64().unwrap_or(0))
            .collect()
    };
    let mut sent = 0;
    let mut send = |stdin: &mut std::process::ChildStdin| {
        writeln!(stdin, "{{\"n\":{sent}}}").unwrap();
        stdin.flush().unwrap();
        sent += 1;
    };

    send(&mut stdin);
    wait_until(Duration::from_secs(30), "first event", || versions() == [1]);

    std::fs::write(&rules_file, rules(2)).unwrap();
    signal(&child, libc::SIGHUP);
    wait_until(
        Duration::from_secs(30),
        "an event under the new rules",
        || {
            send(&mut stdin);
            std::thread::sleep(Duration::from_millis(100));
            versions().contains(&2)
        },
    );

    std::fs::write(
        &rules_file,
        "patterns:\n  - name: broken\n    regex: '(oops'\n",
    )
    .unwrap();
    signal(&child, libc::SIGHUP);
    std::thread::sleep(Duration::from_millis(500));
    let before = versions().len();
    for _ in 0..5 {
        send(&mut stdin);
    }
    wait_until(
        Duration::from_secs(30),
        "events after the failed reload",
        || versions().len() == before + 5,
    );
    assert!(
        versions()[before..].iter().all(|&version| version == 2),
        "running rules kept"
    );

    drop(stdin);
    let output = wait_with_timeout(child, Duration::from_secs(30));
    assert!(output.status.success());
    let log = log.join().unwrap().join("\n");
    assert!(log.contains("rules reloaded"), "{log}");
    assert!(
        log.contains("rules.yaml:3:13: invalid regex: unclosed group"),
        "{log}"
    );
    assert!(
        log.contains("reload failed; the running rules stay in place"),
        "{log}"
    );
}
