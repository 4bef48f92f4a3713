//! Reading a `multipart/form-data` body (RFC 7578): its text fields and its
//! files, as the client's `Request::multipart` writes them.

use super::FilePart;

/// Text fields and files of a multipart body.
type Parsed = (Vec<(String, String)>, Vec<FilePart>);

/// Splits `body` at the boundary that `content_type` names. A part with a
/// `filename` is a file; any other part is a text field.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Parsed, String> {
    let boundary = content_type
        .split(';')
        .skip(1)
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty())
        .ok_or("the multipart Content-Type names no boundary")?;
    let delimiter = format!("--{boundary}").into_bytes();
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let mut rest = body;
    // Anything before the first delimiter is a preamble, ignored.
    let start = find(rest, &delimiter).ok_or("the body has no multipart boundary")?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Ok((fields, files));
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("a multipart boundary is not followed by a line break")?;
        let end = find(rest, &delimiter)
            .ok_or("the multipart body does not end with its closing boundary")?;
        let part = rest[..end]
            .strip_suffix(b"\r\n")
            .ok_or("a multipart part does not end with a line break")?;
        read_part(part, &mut fields, &mut files)?;
        rest = &rest[end + delimiter.len()..];
    }
}

fn read_part(
    part: &[u8],
    fields: &mut Vec<(String, String)>,
    files: &mut Vec<FilePart>,
) -> Result<(), String> {
    let split =
        find(part, b"\r\n\r\n").ok_or("a multipart part has no blank line after its headers")?;
    let head =
        std::str::from_utf8(&part[..split]).map_err(|_| "multipart part headers are not UTF-8")?;
    let content = &part[split + 4..];
    let mut name = None;
    let mut file_name = None;
    let mut content_type = "application/octet-stream".to_owned();
    for line in head.split("\r\n") {
        let Some((header, value)) = line.split_once(':') else {
            continue;
        };
        if header.trim().eq_ignore_ascii_case("content-disposition") {
            for param in value.split(';').skip(1) {
                if let Some((key, value)) = param.trim().split_once('=') {
                    let value = value.trim().trim_matches('"').replace("%22", "\"");
                    match key.trim().to_ascii_lowercase().as_str() {
                        "name" => name = Some(value),
                        "filename" => file_name = Some(value),
                        _ => {}
                    }
                }
            }
        } else if header.trim().eq_ignore_ascii_case("content-type") {
            value.trim().clone_into(&mut content_type);
        }
    }
    let name = name.ok_or("a multipart part has no name")?;
    match file_name {
        Some(file_name) => {
            files.push(FilePart::new(name, file_name, content).content_type(content_type))
        }
        None => {
            let text = String::from_utf8(content.to_vec())
                .map_err(|_| format!("multipart field {name} is not UTF-8 text"))?;
            fields.push((name, text));
        }
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_come_apart() {
        let body = b"preamble\r\n--b1\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\n\
--b1\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\r\n--b1--\r\n";
        let (fields, files) = parse("multipart/form-data; boundary=b1", body).expect("parses");
        assert_eq!(fields, [("title".to_owned(), "Hello".to_owned())]);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].field, "doc");
        assert_eq!(files[0].file_name, "a.txt");
        assert_eq!(files[0].content_type, "text/plain");
        assert_eq!(files[0].bytes, b"line1\r\nline2");
    }

    #[test]
    fn broken_bodies_are_errors() {
        assert!(parse("multipart/form-data", b"").is_err());
        assert!(parse("multipart/form-data; boundary=x", b"--x\r\nno end").is_err());
        assert!(parse("multipart/form-data; boundary=x", b"nothing").is_err());
    }
}
