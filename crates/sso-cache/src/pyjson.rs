//! A JSON writer that reproduces Python's `json.dumps` byte for byte (`ensure_ascii=True`).
//!
//! The AWS CLI derives cache keys from `json.dumps(args, sort_keys=True)` (written directly in
//! `key.rs`, whose key sets are fixed) and writes cache files with `json.dumps(obj)`, so the
//! separators and the escaping must match Python exactly:
//! every character outside printable ASCII becomes `\uXXXX` (lowercase hex, surrogate pairs above
//! U+FFFF), and floats use Python's `repr`.

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Appends `value` as Python's `json.dumps` would (default separators, key order kept).
pub(crate) fn write_value(out: &mut String, value: &Value) {
    write_any(out, value, false);
}

/// Appends `value` as Python's `json.dumps(value, sort_keys=True)` would: every object's keys
/// in code-point order (Rust's `str` order), at every depth.
pub(crate) fn write_value_sorted(out: &mut String, value: &Value) {
    write_any(out, value, true);
}

fn write_any(out: &mut String, value: &Value, sort_keys: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_any(out, item, sort_keys);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map, sort_keys),
    }
}

/// Appends an object in its key order, or sorted; see [`write_value`].
fn write_object(out: &mut String, map: &Map<String, Value>, sort_keys: bool) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    if sort_keys {
        entries.sort_by(|a, b| a.0.cmp(b.0));
    }
    out.push('{');
    for (i, (key, item)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str(out, key);
        out.push_str(": ");
        write_any(out, item, sort_keys);
    }
    out.push('}');
}

/// A JSON string literal exactly as Python's `json.dumps` writes it (`ensure_ascii=True`): what
/// the AWS CLI writes in its cache files and prints for `export-credentials --format process`.
#[must_use]
pub fn python_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str(&mut out, s);
    out
}

/// Appends a JSON string literal with Python's `ensure_ascii` escaping.
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    if n.is_f64()
        && let Some(f) = n.as_f64()
    {
        write_python_float(out, f);
        return;
    }
    let _ = write!(out, "{n}");
}

/// Python's `float.__repr__`: shortest round-trip digits, positional for decimal exponents in
/// `-4..16`, otherwise `d.ddde+XX` with at least two exponent digits.
fn write_python_float(out: &mut String, f: f64) {
    // serde_json cannot hold NaN or infinities, so `f` is finite.
    let sci = format!("{f:e}"); // e.g. "-1.5e-7", "1e16", "0e0"
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            for _ in 0..-point {
                out.push('0');
            }
            out.push_str(&digits);
        } else {
            let point = usize::try_from(point).unwrap_or(0);
            if digits.len() <= point {
                out.push_str(&digits);
                for _ in digits.len()..point {
                    out.push('0');
                }
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dumps(json: &str) -> String {
        let value: Value = serde_json::from_str(json).unwrap_or(Value::Null);
        let mut out = String::new();
        write_value(&mut out, &value);
        out
    }

    #[test]
    fn escapes_like_ensure_ascii() {
        // Expected strings produced by Python 3.11 `json.dumps`.
        assert_eq!(
            dumps(r#""é\u0001\u007f😀\"\\/""#),
            r#""\u00e9\u0001\u007f\ud83d\ude00\"\\/""#
        );
        assert_eq!(dumps(r#""\n\r\t\b\f""#), r#""\n\r\t\b\f""#);
    }

    #[test]
    fn sort_keys_sorts_every_level() {
        let value: Value = serde_json::from_str(r#"{"b":{"z":1,"a":[{"y":0,"x":0}]},"a":"é"}"#)
            .unwrap_or(Value::Null);
        let mut out = String::new();
        write_value_sorted(&mut out, &value);
        // Python: json.dumps(v, sort_keys=True)
        assert_eq!(
            out,
            r#"{"a": "\u00e9", "b": {"a": [{"x": 0, "y": 0}], "z": 1}}"#
        );
    }

    #[test]
    fn nests_with_python_separators() {
        assert_eq!(
            dumps(r#"{"b":[1,{"a":null}],"a":true}"#),
            r#"{"b": [1, {"a": null}], "a": true}"#
        );
    }

    #[test]
    fn floats_use_python_repr() {
        for (input, python) in [
            ("1.0", "1.0"),
            ("0.1", "0.1"),
            ("-2.5", "-2.5"),
            ("100.0", "100.0"),
            ("1e16", "1e+16"),
            ("1.5e16", "1.5e+16"),
            ("123456789012345.6", "123456789012345.6"),
            ("0.0001", "0.0001"),
            ("0.00001", "1e-05"),
            ("1.25e-7", "1.25e-07"),
            ("1e300", "1e+300"),
            ("0.0", "0.0"),
        ] {
            assert_eq!(dumps(input), python, "{input}");
        }
    }
}
