//! How a sealed personal value (`domain::sealed::SealedText`) is stored: the text column as is.
//! Written here, not derived in the domain, so the domain knows nothing of the database.
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, QueryResult, TryGetError, TryGetable, Value};

use crate::domain::sealed::SealedText;

impl From<SealedText> for Value {
    fn from(sealed: SealedText) -> Self {
        sealed.0.into()
    }
}

impl TryGetable for SealedText {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        String::try_get_by(res, idx).map(SealedText)
    }
}

impl ValueType for SealedText {
    fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
        <String as ValueType>::try_from(value).map(SealedText)
    }

    fn type_name() -> String {
        "SealedText".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl Nullable for SealedText {
    fn null() -> Value {
        Value::String(None)
    }
}

impl sea_orm::IntoActiveValue<SealedText> for SealedText {
    fn into_active_value(self) -> sea_orm::ActiveValue<SealedText> {
        sea_orm::ActiveValue::Set(self)
    }
}
