//! Names a service keeps unique, checked before the write so the answer is a clear 409 that
//! names the value rather than the database's constraint error.
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::error::AppResult;

/// Whether a row other than `except` already holds `value` in `column`.
pub async fn taken<E: EntityTrait>(
    db: &impl ConnectionTrait,
    column: E::Column,
    id: E::Column,
    value: &str,
    except: Option<i32>,
) -> AppResult<bool> {
    let mut select = E::find().filter(column.eq(value));
    if let Some(except) = except {
        select = select.filter(id.ne(except));
    }
    Ok(select.one(db).await?.is_some())
}
