//! A tiny HTTP/1.1 server on loopback, written on a raw tokio
//! `TcpListener`, for what wiremock cannot do: drop a connection after
//! reading the request, write half a response, never answer, or answer
//! thousands of requests quickly from a queue.
//!
//! Each test file uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request, after reading it whole.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Writes these bytes as they are; then closes the connection if
    /// `close`, else waits for the next request on it.
    Raw { bytes: Vec<u8>, close: bool },
    /// Closes the connection without answering.
    Drop,
    /// Never answers (the connection stays open).
    Hang,
}

impl Answer {
    /// A well-framed answer (`Content-Length`), the connection kept open.
    pub fn new(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Self {
        let mut bytes = head(status, headers);
        bytes.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
        bytes.extend_from_slice(body);
        Self::Raw {
            bytes,
            close: false,
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        let body = serde_json::to_vec(body).expect("JSON serialises");
        Self::new(status, &[("content-type", "application/json")], &body)
    }

    /// These bytes, then the connection is closed.
    pub fn raw_then_close(bytes: impl Into<Vec<u8>>) -> Self {
        Self::Raw {
            bytes: bytes.into(),
            close: true,
        }
    }
}

/// The status line and headers, without the blank line that ends them.
pub fn head(status: u16, headers: &[(&str, &str)]) -> Vec<u8> {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Whatever");
    let mut bytes = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    bytes
}

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When its last byte arrived.
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Answers a request from what it holds (a stand-in with state).
pub type Responder = Arc<dyn Fn(&Received) -> Answer + Send + Sync>;

struct State {
    queue: Mutex<VecDeque<Answer>>,
    /// Answers requests when the queue is empty, before `fallback`.
    responder: Mutex<Option<Responder>>,
    /// Answers requests when the queue is empty; `None`: 599.
    fallback: Mutex<Option<Answer>>,
    received: Mutex<Vec<Received>>,
    record: bool,
    count: AtomicUsize,
}

/// The server; it runs until the runtime that started it ends.
pub struct RawServer {
    addr: SocketAddr,
    state: Arc<State>,
}

impl RawServer {
    /// Starts a server that records every request.
    pub async fn start() -> Self {
        Self::start_with(true).await
    }

    /// Starts a server that only counts requests (for high volumes).
    pub async fn start_counting() -> Self {
        Self::start_with(false).await
    }

    async fn start_with(record: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State {
            queue: Mutex::new(VecDeque::new()),
            responder: Mutex::new(None),
            fallback: Mutex::new(None),
            received: Mutex::new(Vec::new()),
            record,
            count: AtomicUsize::new(0),
        });
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, Arc::clone(&shared)));
            }
        });
        Self { addr, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues the answer to a coming request.
    pub fn push(&self, answer: Answer) {
        lock(&self.state.queue).push_back(answer);
    }

    /// Answers each request the queue does not, from the request itself.
    pub fn set_responder(&self, responder: impl Fn(&Received) -> Answer + Send + Sync + 'static) {
        *lock(&self.state.responder) = Some(Arc::new(responder));
    }

    /// The answer to requests when the queue is empty.
    pub fn set_fallback(&self, answer: Answer) {
        *lock(&self.state.fallback) = Some(answer);
    }

    /// Requests read so far (complete ones).
    pub fn count(&self) -> usize {
        self.state.count.load(Ordering::SeqCst)
    }

    /// The requests read so far, when recording.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state.received).clone()
    }

    /// Answers still queued.
    pub fn queued(&self) -> usize {
        lock(&self.state.queue).len()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves the requests of one connection in turn.
async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut buffer: Vec<u8> = Vec::with_capacity(8192);
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        state.count.fetch_add(1, Ordering::SeqCst);
        let answer = lock(&state.queue).pop_front();
        let responder = lock(&state.responder).clone();
        let answer = answer
            .or_else(|| responder.map(|respond| respond(&request)))
            .or_else(|| lock(&state.fallback).clone());
        if state.record {
            lock(&state.received).push(request);
        }
        match answer {
            Some(Answer::Raw { bytes, close }) => {
                if stream.write_all(&bytes).await.is_err() || close {
                    let _ = stream.shutdown().await;
                    return;
                }
            }
            Some(Answer::Drop) => return,
            Some(Answer::Hang) => std::future::pending::<()>().await,
            None => {
                let Answer::Raw { bytes, .. } = Answer::new(599, &[], b"no answer queued") else {
                    unreachable!()
                };
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Reads one request (head and `Content-Length` body); `None` at the end of
/// the connection.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Received> {
    let head_end = loop {
        if let Some(at) = find(buffer, b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let body_start = head_end + 4;
    while buffer.len() < body_start + length {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[body_start..body_start + length].to_vec();
    buffer.drain(..body_start + length);
    Some(Received {
        method,
        path,
        headers,
        body,
        at: Instant::now(),
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
