//! Shared query helpers for list endpoints.
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QuerySelect, QueryTrait, Select};

use crate::domain::page::{Page, PageRequest};
use crate::error::AppResult;

/// One page of a query, with the total count.
pub async fn fetch_page<E, M>(db: &impl ConnectionTrait, select: Select<E>, request: PageRequest) -> AppResult<Page<M>>
where
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Send + Sync,
{
    let total = count(db, select.clone()).await?;
    let items = select.offset(request.offset()).limit(request.per_page).all(db).await?;
    Ok(Page { items, total, request })
}

/// `SELECT COUNT(*)` of a query, without its ordering or columns: counting half a million
/// rows through a subquery that selects every column (and sorts them) takes seconds.
pub async fn count<E: EntityTrait>(db: &impl ConnectionTrait, mut select: Select<E>) -> AppResult<u64> {
    QueryTrait::query(&mut select).clear_order_by();
    let total: Option<i64> = select.select_only().column_as(Expr::cust("COUNT(*)"), "n").into_tuple().one(db).await?;
    Ok(total.unwrap_or(0).max(0) as u64)
}

/// `column LIKE %text%` with the wildcards in `text` taken literally.
pub fn contains(column: impl ColumnTrait, text: &str) -> Expr {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    column.like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}
