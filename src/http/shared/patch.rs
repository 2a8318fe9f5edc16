//! PATCH bodies tell "leave alone" (field absent) from "clear" (field null).
use serde::{Deserialize, Deserializer};

/// Use with `#[serde(default, deserialize_with = "patch::nullable")]` on an
/// `Option<Option<T>>`: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "super::nullable")]
        address: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let absent: Body = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.address, None);
        let null: Body = serde_json::from_str(r#"{"address":null}"#).unwrap();
        assert_eq!(null.address, Some(None));
        let value: Body = serde_json::from_str(r#"{"address":"x"}"#).unwrap();
        assert_eq!(value.address, Some(Some("x".into())));
    }
}
