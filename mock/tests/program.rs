//! The mock as a program: started with `--port 0 --seed-file`, it prints
//! where it listens and serves the seeded data; its `/__mock/` endpoints
//! script faults and show state and requests, as a test in another language
//! would use them (here with plain HTTP, no Rust API).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

struct Program(Child);

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Program, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadconnector-mock"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the program starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a ready line");
    (
        Program(child),
        serde_json::from_str(&line).expect("the ready line is JSON"),
    )
}

#[tokio::test]
async fn the_program_serves_its_seed_file_and_takes_faults_over_http() {
    let dir = std::env::temp_dir().join(format!("lc-mock-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.json");
    let data = json!({
        "locations": [{"id": "ve9EPM428h8vShlRW1KT", "contacts": [
            {"contact": {"id": "ocQHyuzHvysMo5N5VsXc", "firstName": "Rosan", "email": "rosan@deos.com"}}
        ]}],
        "tokens": [{"token": "pit-from-the-file", "locationId": "ve9EPM428h8vShlRW1KT"}]
    });
    std::fs::File::create(&seed)
        .unwrap()
        .write_all(data.to_string().as_bytes())
        .unwrap();
    let (_program, ready) = start(&[
        "--port",
        "0",
        "--seed-file",
        seed.to_str().unwrap(),
        "--seed",
        "3",
    ]);
    let base = ready["baseUrl"].as_str().unwrap().to_owned();
    assert_eq!(ready["locationId"], "ve9EPM428h8vShlRW1KT");

    let http = reqwest::Client::new();
    let get = || {
        http.get(format!("{base}/contacts/ocQHyuzHvysMo5N5VsXc"))
            .bearer_auth("pit-from-the-file")
            .header("Version", "2021-07-28")
            .send()
    };
    let found: Value = get().await.unwrap().json().await.unwrap();
    assert_eq!(found["contact"]["firstName"], "Rosan");

    let rule = json!({"operation": "getContact", "fault": {"status": 503}, "times": 1});
    let added = http
        .post(format!("{base}/__mock/faults"))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 200);
    assert_eq!(get().await.unwrap().status(), 503);
    assert_eq!(get().await.unwrap().status(), 200);

    let requests: Vec<Value> = http
        .get(format!("{base}/__mock/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let statuses: Vec<_> = requests
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 503, 200]);
    assert_eq!(requests[0]["operation"], "getContact");

    let state: Value = http
        .get(format!("{base}/__mock/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        state["locations"][0]["contacts"][0]["contact"]["email"],
        "rosan@deos.com"
    );
    let key = http
        .get(format!("{base}/__mock/webhook-key"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(key.starts_with("-----BEGIN PUBLIC KEY-----"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_argument_is_refused_with_the_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_leadconnector-mock"))
        .arg("--nonsense")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--seed-file FILE"));
}
