//! A staff member's in-app notifications (written by the deliverer job from the outbox).
//! Each person sees and marks only their own.
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::domain::page::{Page, PageRequest};
use crate::entities::notification;
use crate::error::{AppError, AppResult};
use crate::services::support::paging::fetch_page;

/// Newest first.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    user_id: i32,
    unread_only: bool,
    page: PageRequest,
) -> AppResult<Page<notification::Model>> {
    let mut select = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id);
    if unread_only {
        select = select.filter(notification::Column::ReadAt.is_null());
    }
    fetch_page(db, select, page).await
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn unread_count(db: &impl ConnectionTrait, user_id: i32) -> AppResult<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks one notification read (once: a second call keeps the first time). Someone else's
/// is a 404.
#[tracing::instrument(skip_all, fields(user_id = user_id, id = id))]
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user_id: i32,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<notification::Model> {
    let found = notification::Entity::find_by_id(id)
        .filter(notification::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("notification"))?;
    if found.read_at.is_some() {
        return Ok(found);
    }
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(notification::Model { read_at: Some(now), ..found })
}

/// Marks all of a person's notifications read; returns how many were unread.
#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn mark_all_read(db: &impl ConnectionTrait, user_id: i32, now: DateTime<Utc>) -> AppResult<u64> {
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}
