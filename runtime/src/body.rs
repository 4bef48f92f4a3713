//! Form (`application/x-www-form-urlencoded`) and `multipart/form-data`
//! request bodies. Both are encoded to bytes up front, like JSON bodies, so a
//! retried request sends exactly the same body.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::request::Request;

/// A file to upload in a `multipart/form-data` request.
#[derive(Clone, PartialEq, Eq)]
pub struct FilePart {
    /// The form field name (APIs often use `file` or `attachment`).
    pub field: String,
    /// The file name sent to the server.
    pub file_name: String,
    /// The media type of the content.
    pub content_type: String,
    /// The content.
    pub bytes: Vec<u8>,
}

impl FilePart {
    /// A file part of type `application/octet-stream`.
    pub fn new(
        field: impl Into<String>,
        file_name: impl Into<String>,
        bytes: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            field: field.into(),
            file_name: file_name.into(),
            content_type: "application/octet-stream".into(),
            bytes: bytes.into(),
        }
    }

    /// Sets the media type.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }
}

impl fmt::Debug for FilePart {
    /// Shows the size, not the content.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("field", &self.field)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Request {
    /// Sets an `application/x-www-form-urlencoded` body from the top-level
    /// fields of `body` (arrays repeat the field, objects are sent as JSON).
    #[must_use]
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match fields(body) {
            Ok(fields) => {
                let mut encoder = form_urlencoded::Serializer::new(String::new());
                for (name, value) in &fields {
                    encoder.append_pair(name, value);
                }
                self.body = Some(encoder.finish().into_bytes());
                self.headers
                    .push(("Content-Type", "application/x-www-form-urlencoded".into()));
            }
            Err(reason) => {
                self.invalid.get_or_insert(format!("form body: {reason}"));
            }
        }
        self
    }

    /// Sets a `multipart/form-data` body: one text part per top-level field
    /// of `body`, then one part per file.
    #[must_use]
    pub fn multipart<T: Serialize + ?Sized>(mut self, body: &T, files: &[FilePart]) -> Self {
        let fields = match fields(body) {
            Ok(fields) => fields,
            Err(reason) => {
                self.invalid
                    .get_or_insert(format!("multipart body: {reason}"));
                return self;
            }
        };
        let boundary = format!("openapi-runtime-{:032x}", rand::random::<u128>());
        let mut out = Vec::new();
        for (name, value) in &fields {
            out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    quoted(name)
                )
                .as_bytes(),
            );
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        for file in files {
            out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                    quoted(&file.field),
                    quoted(&file.file_name),
                    file.content_type.replace(['\r', '\n'], "")
                )
                .as_bytes(),
            );
            out.extend_from_slice(&file.bytes);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.body = Some(out);
        self.headers.push((
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        ));
        self
    }
}

/// A name inside a quoted header parameter: no quotes or line breaks.
fn quoted(name: &str) -> String {
    name.replace('"', "%22").replace(['\r', '\n'], " ")
}

/// The top-level fields of a body as (name, text) pairs.
fn fields<T: Serialize + ?Sized>(body: &T) -> Result<Vec<(String, String)>, String> {
    let Value::Object(map) = serde_json::to_value(body).map_err(|e| e.to_string())? else {
        return Err("the body is not an object".into());
    };
    let mut out = Vec::new();
    for (name, value) in map {
        match value {
            Value::Null => {}
            Value::Array(items) => out.extend(
                items
                    .into_iter()
                    .filter(|v| !v.is_null())
                    .map(|v| (name.clone(), text(v))),
            ),
            other => out.push((name, text(other))),
        }
    }
    Ok(out)
}

fn text(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    #[derive(Serialize)]
    struct Upload {
        #[serde(rename = "petId")]
        pet_id: String,
        urls: Vec<String>,
        note: Option<String>,
    }

    fn upload() -> Upload {
        Upload {
            pet_id: "c 1&".into(),
            urls: vec!["a".into(), "b".into()],
            note: None,
        }
    }

    #[test]
    fn form_encodes_fields_and_repeats_arrays() {
        let request = Request::new(Method::POST, "op", "/x").form(&upload());
        assert_eq!(
            request.body.as_deref(),
            Some(&b"petId=c+1%26&urls=a&urls=b"[..])
        );
        assert!(request
            .headers
            .contains(&("Content-Type", "application/x-www-form-urlencoded".into())));
    }

    #[test]
    fn multipart_has_a_part_per_field_and_file() {
        let file = FilePart::new("file", "a\"b.txt", b"hello".to_vec()).content_type("text/plain");
        let request = Request::new(Method::POST, "op", "/x").multipart(&upload(), &[file]);
        let (_, content_type) = request
            .headers
            .iter()
            .find(|(n, _)| *n == "Content-Type")
            .cloned()
            .unwrap_or_default();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap_or_default()
            .to_owned();
        assert!(boundary.len() > 20);
        let body = String::from_utf8(request.body.unwrap_or_default()).unwrap_or_default();
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"petId\"\r\n\r\nc 1&\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"urls\"\r\n\r\na\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"urls\"\r\n\r\nb\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
             --{b}--\r\n",
            b = boundary
        );
        assert_eq!(body, expected);
    }

    #[test]
    fn non_object_bodies_are_refused() {
        let request = Request::new(Method::POST, "op", "/x").form(&vec![1, 2]);
        assert!(request.invalid.is_some());
    }
}
