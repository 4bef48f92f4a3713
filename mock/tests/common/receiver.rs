//! A webhook receiver on the test's own runtime (so paused time covers its
//! answers too): records each POST and answers with scripted statuses, then
//! 200.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use leadconnector::server_support::http;
use tokio::net::TcpListener;

/// One delivery as received.
#[derive(Clone, Debug)]
pub struct Got {
    pub signature: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct State {
    script: VecDeque<u16>,
    got: Vec<Got>,
}

/// The receiver; stops when dropped.
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Receiver {
    /// Answers the first requests with `script`, every later one with 200.
    pub async fn start(script: &[u16]) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            script: script.iter().copied().collect(),
            got: Vec::new(),
        }));
        let shared = Arc::clone(&state);
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            let state = Arc::clone(&shared);
            async move {
                let signature = request
                    .headers()
                    .get("x-wh-signature")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = request
                    .into_body()
                    .collect()
                    .await
                    .map(|c| c.to_bytes().to_vec())
                    .unwrap_or_default();
                let status = {
                    let mut state = state.lock().unwrap();
                    state.got.push(Got { signature, body });
                    state.script.pop_front().unwrap_or(200)
                };
                let mut response = http::Response::new(Full::new(Bytes::new()));
                *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
                Ok::<_, Infallible>(response)
            }
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(leadconnector::server_support::serve(
            listener,
            service,
            async move {
                let _ = stopped.await;
            },
        ));
        Receiver {
            url,
            state,
            _stop: stop,
        }
    }

    /// Every request received so far.
    pub fn got(&self) -> Vec<Got> {
        self.state.lock().unwrap().got.clone()
    }
}
