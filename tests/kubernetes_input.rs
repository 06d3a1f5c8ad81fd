//! The `kubernetes` input over a node's log layout built from the fixtures:
//! `containers/*.log` symlinks into `pods/<ns>_<pod>_<uid>/<container>/0.log`,
//! one CRI (containerd) file and one docker json-file file, both with
//! partial lines. Records carry the pod metadata, the stream and the merged
//! messages; sluice's own pod is left out.

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use support::{stop_gracefully, wait_until, Workspace};

const CHECKOUT_UID: &str = "0f1e2d3c-aaaa-bbbb-cccc-123456789abc";
const BILLING_UID: &str = "11111111-2222-3333-4444-555555555555";

fn container_id(seed: char) -> String {
    std::iter::repeat_n(seed, 64).collect()
}

/// Lays out one container's log the way kubelet does.
fn add_container(
    root: &Path,
    namespace: &str,
    pod: &str,
    uid: &str,
    container: &str,
    id: &str,
    log: &[u8],
) {
    let dir = root.join(format!("pods/{namespace}_{pod}_{uid}/{container}"));
    std::fs::create_dir_all(&dir).expect("pod dir");
    std::fs::write(dir.join("0.log"), log).expect("log");
    std::fs::create_dir_all(root.join("containers")).expect("containers dir");
    std::os::unix::fs::symlink(
        dir.join("0.log"),
        root.join(format!("containers/{pod}_{namespace}_{container}-{id}.log")),
    )
    .expect("symlink");
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/kubernetes")
            .join(name),
    )
    .expect("fixture")
}

#[test]
fn container_logs_get_pod_metadata_streams_and_merged_partials() {
    let workspace = Workspace::new();
    let root = workspace.path().join("node/var/log");
    add_container(
        &root,
        "shop",
        "checkout-7d9f8b6c5-x2x9k",
        CHECKOUT_UID,
        "checkout",
        &container_id('a'),
        &fixture("cri-0.log"),
    );
    let mut docker = fixture("docker-0.log");
    docker.extend_from_slice(b"this line is not docker json\n");
    add_container(
        &root,
        "legacy",
        "billing-0",
        BILLING_UID,
        "worker",
        &container_id('b'),
        &docker,
    );
    add_container(
        &root,
        "sluice",
        "sluice-x7k2p",
        "99999999-0000-0000-0000-000000000000",
        "sluice",
        &container_id('c'),
        b"2026-11-23T10:00:00Z stderr F sluice's own log line must not come back\n",
    );
    workspace.write(
        "rules/routes.yaml",
        "routes:\n  - match: \"kube.shop.*.*\"\n    to: [local]\n    index: shop\n  - match: \"kube.legacy.**\"\n    to: [local]\n    index: legacy\n",
    );
    let config = workspace.write(
        "sluice.yaml",
        &format!(
            "data_dir: data\n\
             inputs:\n  containers:\n    type: kubernetes\n    root: {}\n    parser: json\n\
             rules: [\"rules/*.yaml\"]\n\
             sinks:\n  local:\n    type: file\n",
            root.display()
        ),
    );
    let mut command = support::sluice();
    command
        .current_dir(workspace.path())
        .args(["run", "-c"])
        .arg(&config)
        .env("SLUICE_POD_NAMESPACE", "sluice")
        .env("SLUICE_POD_NAME", "sluice-x7k2p")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let sluice = command.spawn().expect("start sluice");
    wait_until(Duration::from_secs(30), "all 18 container events", || {
        workspace.indexed_lines().len() >= 18
    });
    let output = stop_gracefully(sluice);
    let lines = workspace.indexed_lines();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        lines.len(),
        18,
        "8 CRI + 10 docker events, none of sluice's own:\n{stderr}"
    );

    let shop: Vec<&Value> = lines
        .iter()
        .filter(|(index, _)| index == "shop")
        .map(|(_, record)| record)
        .collect();
    let legacy: Vec<&Value> = lines
        .iter()
        .filter(|(index, _)| index == "legacy")
        .map(|(_, record)| record)
        .collect();
    assert_eq!((shop.len(), legacy.len()), (8, 10));

    for record in &shop {
        assert_eq!(record["kubernetes.namespace"], "shop");
        assert_eq!(record["kubernetes.pod.name"], "checkout-7d9f8b6c5-x2x9k");
        assert_eq!(record["kubernetes.pod.uid"], CHECKOUT_UID);
        assert_eq!(record["kubernetes.container.name"], "checkout");
        assert_eq!(record["container.id"], container_id('a').as_str());
    }
    // Three CRI pieces (P, P, F) with stderr lines between them: one message.
    let merged = shop
        .iter()
        .find(|record| {
            record["message"]
                .as_str()
                .is_some_and(|message| message.starts_with("request body"))
        })
        .expect("the merged CRI message");
    assert_eq!(
        merged["message"],
        r#"request body: {"items":[{"sku":"A-100","qty":2},{"sku":"B-200","qty":1}],"total":"59.90"}"#
    );
    assert_eq!(merged["stream"], "stdout");
    assert_eq!(
        merged["@timestamp"], "2026-11-23T10:00:01.200Z",
        "the first piece's runtime time"
    );
    let warning = shop
        .iter()
        .find(|record| record["message"] == "WARN slow upstream: inventory took 1200ms")
        .expect("stderr line");
    assert_eq!(warning["stream"], "stderr");
    // A JSON application line becomes fields.
    let declined = shop
        .iter()
        .find(|record| record["msg"] == "payment declined")
        .expect("JSON app line");
    assert_eq!(declined["level"], "ERROR");
    assert_eq!(declined["order_id"], "ord-7781");

    for record in &legacy {
        assert_eq!(record["kubernetes.namespace"], "legacy");
        assert_eq!(record["kubernetes.pod.name"], "billing-0");
        assert_eq!(record["kubernetes.pod.uid"], BILLING_UID);
        assert_eq!(record["kubernetes.container.name"], "worker");
    }
    // Docker splits long lines into pieces without a trailing newline.
    assert!(
        legacy.iter().any(|record| record["message"]
            == "exported rows: id=1 name=\"alpha\"\tid=2 name=\"beta\" <end>"
            && record["stream"] == "stdout"),
        "merged docker message: {legacy:#?}"
    );
    assert!(legacy
        .iter()
        .any(|record| record["message"] == "worker 3 finished in 2.5s"));
    // A line that is not docker JSON is kept raw and flagged, not dropped.
    let garbage = legacy
        .iter()
        .find(|record| record["message"] == "this line is not docker json")
        .expect("undecodable line kept");
    assert!(
        garbage["log.parse_error"]
            .as_str()
            .is_some_and(|reason| reason.contains("docker")),
        "{garbage}"
    );
    assert!(
        lines
            .iter()
            .all(|(_, record)| !record.to_string().contains("must not come back")),
        "sluice's own pod was shipped"
    );
}
