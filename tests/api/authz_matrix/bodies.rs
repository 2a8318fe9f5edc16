//! The least JSON body an operation's OpenAPI schema accepts: its required fields with empty
//! values. It deserializes, so what answers is the handler, and it is invalid for almost
//! every operation, so an allowed caller changes nothing.
use serde_json::{Map, Value, json};

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

fn sample(doc: &Value, schema: &Value, depth: usize) -> Value {
    let schema = resolve(doc, schema);
    if depth > 8 {
        return Value::Null;
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(options) = schema[combinator].as_array() {
            let option = options.iter().find(|o| resolve(doc, o)["type"] != "null").unwrap_or(&Value::Null);
            return sample(doc, option, depth + 1);
        }
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = sample(doc, part, depth + 1) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.iter().find(|v| !v.is_null())) {
        return first.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds.iter().find(|k| *k != "null").and_then(Value::as_str).unwrap_or("null"),
        other => other.as_str().unwrap_or(if schema["properties"].is_object() { "object" } else { "null" }),
    };
    match kind {
        "object" => {
            let mut fields = Map::new();
            for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                fields.insert(name.to_string(), sample(doc, &schema["properties"][name], depth + 1));
            }
            Value::Object(fields)
        }
        "string" => match schema["format"].as_str() {
            Some("date") => json!("2026-05-06"),
            Some("date-time") => json!("2026-05-06T01:00:00Z"),
            _ => json!(""),
        },
        "integer" | "number" => json!(0),
        "boolean" => json!(false),
        "array" => json!([]),
        _ => Value::Null,
    }
}

/// The body for `method path` (an OpenAPI path, without the `/api/v1` prefix if the document
/// has none); `{}` for an operation without a JSON body.
pub fn least_body(doc: &Value, method: &str, path: &str) -> Value {
    let operation = &doc["paths"][path][method.to_lowercase()];
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() { json!({}) } else { sample(doc, schema, 0) }
}
