//! Shared query helpers for list endpoints.
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QuerySelect, Select};

use crate::domain::page::{Page, PageRequest};
use crate::error::AppResult;

/// One page of a query, with the total count.
pub async fn fetch_page<E, M>(db: &impl ConnectionTrait, select: Select<E>, request: PageRequest) -> AppResult<Page<M>>
where
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Send + Sync,
{
    let total = select.clone().count(db).await?;
    let items = select.offset(request.offset()).limit(request.per_page).all(db).await?;
    Ok(Page { items, total, request })
}

/// `column LIKE %text%` with the wildcards in `text` taken literally.
pub fn contains(column: impl ColumnTrait, text: &str) -> Expr {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    column.like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}
