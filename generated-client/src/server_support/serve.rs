//! Serving a router (or middleware around it) over HTTP/1.1 on a TCP
//! listener, each connection on a task of its own.

use std::future::Future;
use std::net::SocketAddr;

use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves `service` on `listener` until `shutdown` completes: accepts
/// connections and answers each on a task of its own, with HTTP/1.1 and
/// keep-alive. A service error closes its connection without an answer
/// (what middleware returns to drop a connection on purpose).
///
/// # Errors
///
/// Never fails for a connection's sake; errors accepting connections are
/// retried after a pause (the process may be out of file descriptors).
pub async fn serve<S, B, E>(
    listener: TcpListener,
    service: S,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    S: Service<http::Request<Incoming>, Response = http::Response<B>, Error = E>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: hyper::body::Body<Data: Send> + Send + 'static,
    B::Error: Into<BoxError>,
    E: Into<BoxError>,
{
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        // Answers are small and often awaited one by one: send them now.
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            // A connection ends with an error when the peer goes away or
            // the service drops it; either way there is no one to tell.
            let _ = connection.await;
        });
    }
}

/// A server running on a task of its own, stopped when the handle is
/// dropped (or by [`shutdown`](Self::shutdown)).
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl ServerHandle {
    /// The address it listens on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<address>`, the base URL to give a client.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the accept loop to end
    /// (connections already open finish on their own tasks).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Binds `addr` (`127.0.0.1:0` for a free loopback port) and serves
/// `service` there on a task of its own, on the current tokio runtime.
///
/// # Errors
///
/// When the address cannot be bound.
pub async fn spawn<S, B, E>(addr: SocketAddr, service: S) -> std::io::Result<ServerHandle>
where
    S: Service<http::Request<Incoming>, Response = http::Response<B>, Error = E>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: hyper::body::Body<Data: Send> + Send + 'static,
    B::Error: Into<BoxError>,
    E: Into<BoxError> + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(serve(listener, service, async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    }));
    Ok(ServerHandle {
        addr,
        stop,
        task: Some(task),
    })
}
