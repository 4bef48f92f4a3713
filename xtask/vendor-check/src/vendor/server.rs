//! A loopback HTTP/1.1 server that answers each connection with the next
//! queued response and records what the client sent. One request per
//! connection (`Connection: close`), which keeps the parser small.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the client sent.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// Path and query as sent (percent-encoded).
    pub target: String,
    pub body: Vec<u8>,
}

/// The answer to the next request.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Shared {
    answer: Option<Answer>,
    received: Vec<Received>,
}

pub struct Server {
    pub base_url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Server {
    pub async fn start() -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("cannot listen on loopback: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = Arc::clone(&shared);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    // A connection that fails mid-way fails the client's call,
                    // which the check reports.
                    let _ = serve(stream, state).await;
                });
            }
        });
        Ok(Self {
            base_url: format!("http://{address}"),
            shared,
        })
    }

    /// Sets the answer to the next requests and forgets what was received.
    pub fn answer(&self, answer: Answer) {
        let mut shared = self.shared.lock().expect("server state");
        shared.answer = Some(answer);
        shared.received.clear();
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().expect("server state").received.clone()
    }
}

async fn serve(
    mut stream: tokio::net::TcpStream,
    state: Arc<Mutex<Shared>>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let target = first.next().unwrap_or_default().to_owned();
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[head_end..].to_vec();
    let answer = {
        let mut shared = state.lock().expect("server state");
        shared.received.push(Received {
            method,
            target,
            body,
        });
        shared.answer.clone().unwrap_or(Answer {
            status: 500,
            body: Vec::new(),
        })
    };
    let head = format!(
        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        answer.status,
        answer.body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&answer.body).await?;
    stream.shutdown().await
}
