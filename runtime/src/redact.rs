//! Keeps secrets out of body snippets (errors, TRACE logs): the values of
//! the fields that carry credentials in the OAuth token exchange are
//! replaced before a body is shown anywhere.

use std::borrow::Cow;

use serde_json::Value;

/// Fields whose values are credentials, in JSON and form bodies.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    "id_token",
    "code",
];

const REDACTED: &str = "<redacted>";

fn is_secret(name: &str) -> bool {
    SECRET_FIELDS
        .iter()
        .any(|field| field.eq_ignore_ascii_case(name))
}

/// `body` with the values of credential fields replaced, or unchanged
/// when it has none. JSON (objects at any depth) and form-encoded bodies
/// are understood; other bodies are returned as they are.
pub(crate) fn redact(body: &[u8]) -> Cow<'_, [u8]> {
    let lower = String::from_utf8_lossy(body).to_ascii_lowercase();
    if !SECRET_FIELDS.iter().any(|field| lower.contains(field)) {
        return Cow::Borrowed(body);
    }
    if let Ok(mut value) = serde_json::from_slice::<Value>(body) {
        if redact_json(&mut value) {
            return Cow::Owned(serde_json::to_vec(&value).unwrap_or_else(|_| REDACTED.into()));
        }
        return Cow::Borrowed(body);
    }
    if lower.trim_start().starts_with(['{', '[']) {
        // Truncated or broken JSON naming a secret field: show nothing
        // rather than guess where the value ends.
        let named = SECRET_FIELDS
            .iter()
            .any(|field| lower.contains(&format!("\"{field}\"")));
        return if named {
            Cow::Owned(
                format!("{REDACTED} (a JSON body with credentials that does not parse)")
                    .into_bytes(),
            )
        } else {
            Cow::Borrowed(body)
        };
    }
    if !form_urlencoded::parse(body).any(|(name, _)| is_secret(&name)) {
        return Cow::Borrowed(body);
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(body) {
        out.append_pair(&name, if is_secret(&name) { REDACTED } else { &value });
    }
    Cow::Owned(out.finish().into_bytes())
}

/// Replaces credential values in place; whether any was found.
fn redact_json(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let mut found = false;
            for (name, value) in map.iter_mut() {
                if is_secret(name) && !value.is_null() {
                    *value = Value::String(REDACTED.into());
                    found = true;
                } else {
                    found |= redact_json(value);
                }
            }
            found
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |found, v| redact_json(v) | found),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &[u8]) -> String {
        String::from_utf8_lossy(&redact(body)).into_owned()
    }

    #[test]
    fn json_and_form_secrets_are_replaced() {
        let json = br#"{"access_token":"AT-1","nested":{"refresh_token":"RT-1"},"scope":"x"}"#;
        let out = text(json);
        assert!(!out.contains("AT-1") && !out.contains("RT-1"), "{out}");
        assert!(out.contains(r#""scope":"x""#), "{out}");
        let form = b"client_id=app&client_secret=S3&grant_type=refresh_token&refresh_token=RT-2";
        let out = text(form);
        assert!(!out.contains("S3") && !out.contains("RT-2"), "{out}");
        assert!(out.contains("client_id=app"), "{out}");
        assert!(out.contains("grant_type=refresh_token"), "{out}");
        let broken = br#"{"access_token":"AT-3","#;
        assert!(!text(broken).contains("AT-3"));
        let plain = br#"{"statusCode":502,"message":"nothing secret"}"#;
        assert_eq!(&*redact(plain), &plain[..]);
        let html = b"<html><body class=x>Error code 502</body></html>";
        assert_eq!(&*redact(html), &html[..]);
    }
}
