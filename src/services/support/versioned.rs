//! An edit of a record under optimistic concurrency: the columns that change, written only if
//! the row is still at the version the editor read, with the version bumped in the same
//! statement. Two editors of one record: one wins, the other is told (409) by its caller.
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany, Value};

use crate::error::AppResult;

pub struct VersionedUpdate<E: EntityTrait> {
    update: UpdateMany<E>,
    id: E::Column,
    version: E::Column,
    row: i32,
    expected: i32,
}

impl<E: EntityTrait> VersionedUpdate<E> {
    /// Row `row` (column `id`), read at `current`, edited by someone who read `expected`.
    pub fn new(id: E::Column, version: E::Column, row: i32, current: i32, expected: i32) -> Self {
        let update = E::update_many().col_expr(version, Expr::value(current + 1));
        VersionedUpdate { update, id, version, row, expected }
    }

    pub fn set(mut self, column: E::Column, value: impl Into<Value>) -> Self {
        self.update = self.update.col_expr(column, SimpleExpr::Value(value.into()));
        self
    }

    /// Sets the column only when a change was given.
    pub fn set_some<V: Into<Value>>(self, column: E::Column, change: Option<V>) -> Self {
        match change {
            Some(value) => self.set(column, value),
            None => self,
        }
    }

    /// Writes the change; false when the row has moved on from the expected version (or is gone).
    pub async fn apply(self, db: &impl ConnectionTrait) -> AppResult<bool> {
        let done = self.update.filter(self.id.eq(self.row)).filter(self.version.eq(self.expected)).exec(db).await?;
        Ok(done.rows_affected > 0)
    }
}
