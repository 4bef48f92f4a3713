//! Bodies of every media type on the wire, with the client generated from
//! `tests/fixtures/bodies.yaml` (committed in `bodies/`, checked current
//! below): bytes, streams, text and the media-type choice on the way out;
//! text, bytes and streams on the way back. Streams are checked with
//! counts (chunks pulled, chunks alive at once), never with timings.

// Formatted by prettyplease, as generated; rustfmt would fight it.
#[rustfmt::skip]
#[allow(dead_code, reason = "the module as generated; the tests use part of it")]
mod types;
#[rustfmt::skip]
#[allow(dead_code, reason = "the module as generated; the tests use part of it")]
mod operations;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use openapi_runtime::{Bytes, Error, RetryPolicy, UploadBody};
use operations::{Client, ConvertError, DownloadFileError, ExportSuccess, UploadAvatarError};
use serde_json::json;
use wiremock::matchers::{body_bytes, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CHUNK: usize = 64 * 1024;

#[test]
fn bodies_client_is_current() {
    tests::assert_committed_fixture(
        "tests/fixtures/bodies.yaml",
        "tests/tests/suite/bodies",
        &["types.rs", "operations.rs"],
    );
}

fn client(server: &MockServer, retries: u32) -> Client {
    Client::builder("token")
        .base_url(server.uri())
        .retry(RetryPolicy {
            max_retries: retries,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
        })
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn stored() -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({"id": "f-1", "size": 4}))
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default()
}

fn content_type(request: &Request) -> String {
    request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_octet_stream_upload_sends_the_bytes_as_they_are() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/files/a.bin"))
        .and(header("content-type", "application/octet-stream"))
        .and(body_bytes(vec![0u8, 1, 2, 0xff]))
        .respond_with(stored())
        .expect(1)
        .mount(&server)
        .await;
    let stored = client(&server, 0)
        .upload_file("a.bin", vec![0u8, 1, 2, 0xff])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.body().id, "f-1");
}

#[tokio::test]
async fn an_image_range_takes_the_callers_type_and_refuses_one_outside_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/users/u1/avatar"))
        .and(header("content-type", "image/png"))
        .and(body_bytes(&b"\x89PNG"[..]))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, 0);
    let sent = client
        .upload_avatar("u1", "image/png", Bytes::from_static(b"\x89PNG"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent.status().as_u16(), 204);
    match client.upload_avatar("u1", "text/plain", &b"x"[..]).await {
        Err(Error::InvalidRequest { reason, .. }) => {
            assert!(
                reason.contains("`text/plain`") && reason.contains("`image/*`"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        received(&server).await.len(),
        1,
        "the refused upload was not sent"
    );
}

#[tokio::test]
async fn a_text_error_body_is_the_variants_string() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(415).set_body_raw("PNG or JPEG only", "text/plain"))
        .mount(&server)
        .await;
    match client(&server, 0)
        .upload_avatar("u1", "image/gif", &b"GIF89a"[..])
        .await
    {
        Err(Error::Api(api)) => {
            assert_eq!(api.status.as_u16(), 415);
            assert_eq!(
                api.body,
                UploadAvatarError::UnsupportedMediaType("PNG or JPEG only".into())
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn text_bodies_go_as_utf8_with_their_media_type_and_come_back_as_strings() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/notes"))
        .and(header("content-type", "text/plain"))
        .and(body_bytes("café ☕".as_bytes()))
        .respond_with(ResponseTemplate::new(201).set_body_raw("n-7", "text/plain"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/markdown"))
        .and(header("content-type", "text/x-markdown"))
        .and(body_bytes(&b"# Hi"[..]))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("<h1>Hi</h1>", "text/html; charset=utf-8"),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/snippets"))
        .and(header("content-type", "text/csv"))
        .and(body_bytes(&b"a,b"[..]))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let client = client(&server, 0);
    let note = client
        .create_note("café ☕")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(note.body(), "n-7");
    let html = client
        .render_markdown("# Hi")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(html.into_body(), "<h1>Hi</h1>");
    client
        .create_snippet("text/csv", "a,b")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn a_text_response_that_is_not_utf8_is_a_decode_error_with_its_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_raw(&b"ok\xff"[..], "text/plain"))
        .mount(&server)
        .await;
    match client(&server, 0).create_note("x").await {
        Err(Error::Decode {
            status,
            path,
            expected,
            ..
        }) => {
            assert_eq!(status.as_u16(), 201);
            assert_eq!(path, ".");
            assert!(expected.contains("offset 2"), "{expected}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn of_several_media_types_the_client_sends_json_then_form_then_text() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/items"))
        .and(header("content-type", "application/json"))
        .and(body_bytes(&br#"{"items":["a"]}"#[..]))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"id":"i-1","size":1}"#, "application/vnd.files+json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/forms"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_bytes(&b"title=T+1"[..]))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/convert"))
        .and(header("content-type", "text/csv"))
        .and(body_bytes(&b"x,y"[..]))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(&b"%PDF-1.7\x00\xff"[..], "application/pdf"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, 0);
    let imported = client
        .import_items(&types::Items::new(["a"]))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.body().id, "i-1");
    client
        .submit_form(&types::Form::new("T 1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pdf = client
        .convert("x,y")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(&pdf.body()[..], b"%PDF-1.7\x00\xff");
}

#[tokio::test]
async fn binary_and_text_responses_decode_by_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/files/a.bin"))
        .respond_with(
            ResponseTemplate::new(206).set_body_raw(&b"\x00\x01"[..], "application/octet-stream"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/none"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "no such file"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/export"))
        .respond_with(ResponseTemplate::new(202).set_body_raw("40% done", "text/plain"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/convert"))
        .respond_with(ResponseTemplate::new(400).set_body_raw("bad row 3", "text/plain"))
        .mount(&server)
        .await;
    let client = client(&server, 0);
    let part = client
        .download_file("a.bin")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(&part.body()[..], b"\x00\x01");
    match client.download_file("none").await {
        Err(Error::Api(api)) => {
            let DownloadFileError::NotFound(problem) = api.body;
            assert_eq!(problem.message.as_deref(), Some("no such file"));
        }
        other => panic!("{other:?}"),
    }
    let export = client.export().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        export.into_body(),
        ExportSuccess::Accepted("40% done".into())
    );
    match client.convert("x").await {
        Err(Error::Api(api)) => assert_eq!(api.body, ConvertError::Other("bad row 3".into())),
        other => panic!("{other:?}"),
    }
}

/// Chunks of a generated upload, each counted when made and when dropped.
#[derive(Default)]
struct Tally {
    made: AtomicUsize,
    alive: AtomicUsize,
    most_alive: AtomicUsize,
}

struct Chunk {
    bytes: Vec<u8>,
    tally: Arc<Tally>,
}

impl AsRef<[u8]> for Chunk {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        self.tally.alive.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The byte at `offset` of a generated upload.
fn byte_at(offset: usize) -> u8 {
    (offset % 251) as u8
}

/// A stream of `chunks` chunks of `CHUNK` bytes, each made only when the
/// stream is polled for it.
fn generated(chunks: usize, tally: &Arc<Tally>) -> UploadBody {
    let tally = Arc::clone(tally);
    let stream = futures_util::stream::iter(0..chunks).map(move |i| {
        let alive = tally.alive.fetch_add(1, Ordering::SeqCst) + 1;
        tally.made.fetch_add(1, Ordering::SeqCst);
        tally.most_alive.fetch_max(alive, Ordering::SeqCst);
        let bytes = (0..CHUNK).map(|j| byte_at(i * CHUNK + j)).collect();
        let chunk = Chunk {
            bytes,
            tally: Arc::clone(&tally),
        };
        Ok::<_, std::io::Error>(Bytes::from_owner(chunk))
    });
    UploadBody::stream(stream)
}

#[tokio::test]
async fn a_streamed_upload_is_pulled_chunk_by_chunk_never_held_whole() {
    const CHUNKS: usize = 128; // 8 MiB
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/files/big.bin"))
        .respond_with(stored())
        .mount(&server)
        .await;
    let client = client(&server, 0);
    let tally = Arc::new(Tally::default());
    client
        .upload_file("big.bin", generated(CHUNKS, &tally))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sized = Arc::new(Tally::default());
    let length = (CHUNKS * CHUNK) as u64;
    client
        .upload_file("big.bin", generated(CHUNKS, &sized).with_length(length))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let requests = received(&server).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(content_type(request), "application/octet-stream");
        assert_eq!(request.body.len(), CHUNKS * CHUNK);
        assert!(request
            .body
            .iter()
            .enumerate()
            .all(|(i, b)| *b == byte_at(i)));
    }
    let header_of = |request: &Request, name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(
        header_of(&requests[0], "transfer-encoding").as_deref(),
        Some("chunked")
    );
    assert_eq!(
        header_of(&requests[1], "content-length"),
        Some(length.to_string())
    );
    for tally in [&tally, &sized] {
        assert_eq!(tally.made.load(Ordering::SeqCst), CHUNKS);
        assert_eq!(tally.alive.load(Ordering::SeqCst), 0);
        // Held at once: the few chunks in flight, never the body (128).
        let most = tally.most_alive.load(Ordering::SeqCst);
        // hyper queues up to about 400 KiB (7 chunks) before it waits for
        // the socket; 16 leaves room, and is an eighth of the body.
        assert!(most <= 16, "{most} of {CHUNKS} chunks were held at once");
    }
}

#[tokio::test]
async fn a_streamed_upload_is_never_retried_while_bytes_are() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = client(&server, 2);
    match client.upload_file("a.bin", vec![7u8; 10]).await {
        Err(Error::UnexpectedStatus { status, .. }) => assert_eq!(status.as_u16(), 503),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        received(&server).await.len(),
        3,
        "bytes: the first attempt and 2 retries"
    );

    server.reset().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let tally = Arc::new(Tally::default());
    match client.upload_file("a.bin", generated(4, &tally)).await {
        Err(Error::UnexpectedStatus { status, .. }) => assert_eq!(status.as_u16(), 503),
        other => panic!("{other:?}"),
    }
    let requests = received(&server).await;
    assert_eq!(requests.len(), 1, "a stream is sent once");
    assert_eq!(requests[0].body.len(), 4 * CHUNK);
    assert_eq!(tally.made.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_streamed_download_is_read_chunk_by_chunk_past_max_response_bytes() {
    const SIZE: usize = 3 << 20;
    let body: Vec<u8> = (0..SIZE).map(byte_at).collect();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/files/big.bin"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.clone(), "application/octet-stream"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/none"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "gone"})))
        .mount(&server)
        .await;
    let client = Client::builder("token")
        .base_url(server.uri())
        .max_retries(0)
        .max_response_bytes(1 << 20)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    // Read whole, the body is bounded; streamed, it is the app's to read.
    match client.download_file("big.bin").await {
        Err(Error::BodyTooLarge { status, limit, .. }) => {
            assert_eq!((status.as_u16(), limit), (200, 1 << 20));
        }
        other => panic!("{other:?}"),
    }
    let mut stream = client
        .download_file_stream("big.bin")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_body();
    let (mut chunks, mut read, mut largest) = (0usize, 0usize, 0usize);
    while let Some(chunk) = stream.chunk().await.unwrap_or_else(|e| panic!("{e}")) {
        assert!(chunk
            .iter()
            .enumerate()
            .all(|(i, b)| *b == byte_at(read + i)));
        chunks += 1;
        read += chunk.len();
        largest = largest.max(chunk.len());
    }
    assert_eq!(read, SIZE);
    assert_eq!(stream.bytes_read(), SIZE as u64);
    assert!(chunks > 3, "{chunks} chunks");
    assert!(largest < 1 << 20, "a chunk of {largest} bytes");
    // As a `Stream`, collected.
    let collected: Vec<Bytes> = client
        .download_file_stream("big.bin")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .into_body()
        .map(|chunk| chunk.unwrap_or_else(|e| panic!("{e}")))
        .collect()
        .await;
    assert_eq!(collected.concat(), body);
    // An error answer is read and decoded as for the whole-body method.
    match client.download_file_stream("none").await {
        Err(Error::Api(api)) => assert!(matches!(api.body, DownloadFileError::NotFound(_))),
        other => panic!("{other:?}"),
    }
}
