//! The closed lists stored as text (a case's status, a deputy's level, a station's kind, …),
//! typed in their entities. Reading a value that is not one of the list is a
//! `DbErr::Type`: logged and answered as 500 like any internal error, never mapped to
//! another value. Written here rather than derived in the domain, so the domain knows
//! nothing of the database.
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

use crate::domain::activity::{ActivityKind, AttendanceStatus};
use crate::domain::calendar::DayKind;
use crate::domain::case_decision::CloseReason;
use crate::domain::case_state::{CaseStatus, Satisfaction};
use crate::domain::intake::Channel;
use crate::domain::org::{DeputyLevel, StationKind, TierCode};
use crate::domain::reception::{Disposition, Slot};
use crate::domain::reply_template::TemplateKind;
use crate::domain::role::Role;
use crate::domain::station_books::{ContactMode, ReportForm};
use crate::domain::suggestion::{ResultClass, SuggestionRole, SuggestionStatus};
use crate::domain::webhook::WebhookFormat;

/// The message of a stored value outside its list; the column's type name says which list.
fn unknown(type_name: &str, raw: &str) -> String {
    format!("stored {type_name} {raw:?} is not one of its values")
}

macro_rules! stored_as_text {
    ($($name:ident),+ $(,)?) => {$(
        impl From<$name> for Value {
            fn from(value: $name) -> Self {
                Value::String(Some(value.as_str().to_owned()))
            }
        }

        impl TryGetable for $name {
            fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
                let raw = String::try_get_by(res, idx)?;
                raw.parse::<$name>()
                    .map_err(|_| TryGetError::DbErr(DbErr::Type(unknown(stringify!($name), &raw))))
            }
        }

        impl ValueType for $name {
            fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
                let raw = <String as ValueType>::try_from(value)?;
                raw.parse::<$name>().map_err(|_| ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($name).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        /// Only a list used as a primary key (a tier's code) needs it; none is numeric.
        impl sea_orm::TryFromU64 for $name {
            fn try_from_u64(_: u64) -> Result<Self, DbErr> {
                Err(DbErr::ConvertFromU64(stringify!($name)))
            }
        }

        impl Nullable for $name {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$name> for $name {
            fn into_active_value(self) -> sea_orm::ActiveValue<$name> {
                sea_orm::ActiveValue::Set(self)
            }
        }

        /// Comparing with the stored text, as code written against the text columns does.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }
    )+};
}

stored_as_text!(
    ActivityKind,
    AttendanceStatus,
    CaseStatus,
    Channel,
    CloseReason,
    ContactMode,
    DayKind,
    DeputyLevel,
    Disposition,
    ReportForm,
    ResultClass,
    Role,
    Satisfaction,
    Slot,
    StationKind,
    SuggestionRole,
    SuggestionStatus,
    TemplateKind,
    TierCode,
    WebhookFormat,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_reads_back_as_itself_and_an_unknown_one_is_an_error() {
        let stored: Value = CaseStatus::InProgress.into();
        assert_eq!(<CaseStatus as ValueType>::try_from(stored).ok(), Some(CaseStatus::InProgress));
        assert!(<CaseStatus as ValueType>::try_from(Value::String(Some("lost".into()))).is_err());
        assert!(CaseStatus::InProgress == "in_progress");
    }
}
