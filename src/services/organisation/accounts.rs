//! Staff accounts and their scope.
//!
//! An administrator manages every account. A station manager may create and edit accounts
//! for the deputies of their stations and read-only viewers of their stations, nothing else.
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};

use crate::domain::account::{NewPassword, Username};
use crate::domain::field::FieldError;
use crate::domain::page::{Page, PageRequest};
use crate::domain::role::Role;
use crate::entities::{app_user, deputy, station, unit, user_station};
use crate::error::{AppError, AppResult};
use crate::services::organisation::{
    actor::{Actor, StationScope},
    auth::{PasswordHasher, revoke_all_sessions},
    deputies,
};
use crate::services::privacy::audit;
use crate::services::support::paging::{contains, fetch_page};

#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub password: NewPassword,
    pub role: Role,
    pub display_name: Option<String>,
    pub station_ids: Vec<i32>,
    pub unit_id: Option<i32>,
    pub deputy_id: Option<i32>,
}

#[derive(Debug, Default)]
pub struct UserChanges {
    pub display_name: Option<Option<String>>,
    pub password: Option<NewPassword>,
    pub role: Option<Role>,
    pub station_ids: Option<Vec<i32>>,
    pub unit_id: Option<Option<i32>>,
    pub deputy_id: Option<Option<i32>>,
    pub active: Option<bool>,
}

/// An account with the stations it is attached to.
#[derive(Debug, Clone)]
pub struct UserView {
    pub user: app_user::Model,
    pub station_ids: Vec<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub station_id: Option<i32>,
    pub q: Option<String>,
    pub active: Option<bool>,
}

async fn stations_of(db: &impl ConnectionTrait, user_ids: &[i32]) -> AppResult<Vec<(i32, i32)>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user_station::Entity::find()
        .filter(user_station::Column::UserId.is_in(user_ids.to_vec()))
        .order_by_asc(user_station::Column::StationId)
        .all(db)
        .await?
        .into_iter()
        .map(|us| (us.user_id, us.station_id))
        .collect())
}

async fn with_stations(db: &impl ConnectionTrait, users: Vec<app_user::Model>) -> AppResult<Vec<UserView>> {
    let ids: Vec<i32> = users.iter().map(|u| u.id).collect();
    let links = stations_of(db, &ids).await?;
    Ok(users
        .into_iter()
        .map(|user| {
            let station_ids = links.iter().filter(|(u, _)| *u == user.id).map(|(_, s)| *s).collect();
            UserView { user, station_ids }
        })
        .collect())
}

/// The condition selecting the accounts a manager may see: those attached to one of their
/// stations, and those of deputies placed in one of them.
fn managed_accounts(scope: &StationScope) -> Option<Condition> {
    let ids = scope.ids()?;
    Some(
        Condition::any()
            .add(
                app_user::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(user_station::Column::UserId)
                        .from(user_station::Entity)
                        .and_where(user_station::Column::StationId.is_in(ids.clone()))
                        .to_owned(),
                ),
            )
            .add(app_user::Column::DeputyId.in_subquery(deputies::of_stations(ids))),
    )
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &UserFilter,
    page: PageRequest,
) -> AppResult<Page<UserView>> {
    actor.require(&[Role::Admin, Role::Manager])?;
    let mut select = app_user::Entity::find().order_by_asc(app_user::Column::Id);
    if let Some(condition) = managed_accounts(&actor.managed_stations(db).await?) {
        select = select.filter(condition);
    }
    if let Some(role) = filter.role {
        select = select.filter(app_user::Column::Role.eq(role.as_str()));
    }
    if let Some(station_id) = filter.station_id
        && let Some(condition) = managed_accounts(&StationScope::Only(BTreeSet::from([station_id])))
    {
        select = select.filter(condition);
    }
    if let Some(active) = filter.active {
        select = select.filter(app_user::Column::Active.eq(active));
    }
    if let Some(q) = filter.q.as_deref() {
        select = select.filter(
            Condition::any()
                .add(contains(app_user::Column::Username, q))
                .add(contains(app_user::Column::DisplayName, q)),
        );
    }
    let page = fetch_page(db, select, page).await?;
    let items = with_stations(db, page.items).await?;
    Ok(Page { items, total: page.total, request: page.request })
}

async fn find_visible(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<app_user::Model> {
    let mut select = app_user::Entity::find_by_id(id);
    if actor.id_is(id) {
        return select.one(db).await?.ok_or(AppError::NotFound("user"));
    }
    actor.require(&[Role::Admin, Role::Manager])?;
    if let Some(condition) = managed_accounts(&actor.managed_stations(db).await?) {
        select = select.filter(condition);
    }
    select.one(db).await?.ok_or(AppError::NotFound("user"))
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<UserView> {
    let user = find_visible(db, actor, id).await?;
    Ok(with_stations(db, vec![user]).await?.remove(0))
}

/// Checks that a role's scope is complete and within what the actor manages.
async fn check_scope(
    db: &impl ConnectionTrait,
    actor: &Actor,
    role: Role,
    station_ids: &[i32],
    unit_id: Option<i32>,
    deputy_id: Option<i32>,
    except_user: Option<i32>,
) -> AppResult<()> {
    let managed = actor.managed_stations(db).await?;
    if !actor.is_admin() && !matches!(role, Role::Deputy | Role::Viewer) {
        return Err(AppError::forbidden("a station manager may only create deputy and viewer accounts"));
    }
    match role {
        Role::Manager if station_ids.is_empty() => {
            return Err(AppError::field(FieldError::required("station_ids")));
        }
        Role::Viewer if station_ids.is_empty() && !actor.is_admin() => {
            // Only an administrator may create a viewer of every station.
            return Err(AppError::field(FieldError::required("station_ids")));
        }
        Role::Handler if unit_id.is_none() => return Err(AppError::field(FieldError::required("unit_id"))),
        Role::Deputy if deputy_id.is_none() => return Err(AppError::field(FieldError::required("deputy_id"))),
        _ => {}
    }
    if !station_ids.is_empty() {
        let found =
            station::Entity::find().filter(station::Column::Id.is_in(station_ids.to_vec())).all(db).await?.len();
        if found != station_ids.iter().collect::<BTreeSet<_>>().len() {
            return Err(AppError::field(FieldError::unknown("station_ids")));
        }
        if station_ids.iter().any(|id| !managed.contains(*id)) {
            return Err(AppError::forbidden("you do not manage every one of these stations"));
        }
    }
    if let Some(unit_id) = unit_id
        && unit::Entity::find_by_id(unit_id).one(db).await?.is_none()
    {
        return Err(AppError::field(FieldError::unknown("unit_id")));
    }
    if let Some(deputy_id) = deputy_id {
        let Some(record) = deputy::Entity::find_by_id(deputy_id).one(db).await? else {
            return Err(AppError::field(FieldError::unknown("deputy_id")));
        };
        if !managed.contains(record.station_id) {
            return Err(AppError::forbidden("you do not manage this deputy's station"));
        }
        let mut taken = app_user::Entity::find().filter(app_user::Column::DeputyId.eq(deputy_id));
        if let Some(id) = except_user {
            taken = taken.filter(app_user::Column::Id.ne(id));
        }
        if taken.one(db).await?.is_some() {
            return Err(AppError::conflict("already_exists", "this deputy already has an account"));
        }
    }
    Ok(())
}

async fn set_stations(db: &impl ConnectionTrait, user_id: i32, station_ids: &[i32]) -> AppResult<()> {
    user_station::Entity::delete_many().filter(user_station::Column::UserId.eq(user_id)).exec(db).await?;
    let unique: BTreeSet<i32> = station_ids.iter().copied().collect();
    for station_id in unique {
        user_station::ActiveModel { user_id: Set(user_id), station_id: Set(station_id) }.insert(db).await?;
    }
    Ok(())
}

/// The roles that may create accounts (a manager only deputies and viewers of their stations).
pub const CREATORS: &[Role] = &[Role::Admin, Role::Manager];

#[tracing::instrument(skip_all, fields(user_id = actor.user_id))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    hasher: &PasswordHasher,
    actor: &Actor,
    now: DateTime<Utc>,
    new: NewUser,
) -> AppResult<UserView> {
    actor.require(CREATORS)?;
    let (unit_id, deputy_id) = scope_fields(new.role, new.unit_id, new.deputy_id);
    check_scope(db, actor, new.role, &new.station_ids, unit_id, deputy_id, None).await?;
    if app_user::Entity::find().filter(app_user::Column::Username.eq(new.username.as_str())).one(db).await?.is_some() {
        return Err(AppError::conflict("already_exists", format!("the username {} is taken", new.username.as_str())));
    }
    let hash = hasher.hash(&new.password).await?;
    let txn = db.begin().await?;
    let user = insert_user(&txn, now, new.username, hash, new.role, new.display_name, unit_id, deputy_id).await?;
    let station_ids = if matches!(new.role, Role::Manager | Role::Viewer) { new.station_ids } else { Vec::new() };
    set_stations(&txn, user.id, &station_ids).await?;
    audit::record(
        &txn,
        now,
        Some(actor.user_id),
        "user_created",
        Some(("user", Some(user.id))),
        Some(new.role.as_str()),
        None,
    )
    .await?;
    txn.commit().await?;
    get_unscoped(db, user.id).await
}

/// Only the scope field that belongs to the role is kept.
fn scope_fields(role: Role, unit_id: Option<i32>, deputy_id: Option<i32>) -> (Option<i32>, Option<i32>) {
    match role {
        Role::Handler => (unit_id, None),
        Role::Deputy => (None, deputy_id),
        _ => (None, None),
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_user(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    username: Username,
    password_hash: String,
    role: Role,
    display_name: Option<String>,
    unit_id: Option<i32>,
    deputy_id: Option<i32>,
) -> AppResult<app_user::Model> {
    Ok(app_user::ActiveModel {
        username: Set(username.into_inner()),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        role: Set(role),
        unit_id: Set(unit_id),
        deputy_id: Set(deputy_id),
        active: Set(true),
        password_changed_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

async fn get_unscoped(db: &impl ConnectionTrait, id: i32) -> AppResult<UserView> {
    let user = app_user::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("user"))?;
    Ok(with_stations(db, vec![user]).await?.remove(0))
}

#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    hasher: &PasswordHasher,
    actor: &Actor,
    now: DateTime<Utc>,
    id: i32,
    changes: UserChanges,
) -> AppResult<UserView> {
    let existing = get(db, actor, id).await?;
    let own = actor.id_is(id);
    let touches_scope = changes.role.is_some()
        || changes.station_ids.is_some()
        || changes.unit_id.is_some()
        || changes.deputy_id.is_some()
        || changes.active.is_some();
    if own && !actor.is_admin() && (touches_scope || changes.password.is_some()) {
        return Err(AppError::forbidden(
            "change your own password with /api/v1/auth/password; your role and scope are set by an administrator",
        ));
    }
    if !own || actor.is_admin() {
        actor.require(&[Role::Admin, Role::Manager])?;
    }
    let current_role: Role = existing.user.role;
    if !actor.is_admin() && !own && !matches!(current_role, Role::Deputy | Role::Viewer) {
        return Err(AppError::forbidden("a station manager may only edit deputy and viewer accounts"));
    }
    if own && actor.is_admin() && (changes.active == Some(false) || changes.role.is_some_and(|r| r != Role::Admin)) {
        return Err(AppError::conflict(
            "last_admin_guard",
            "you cannot disable or demote your own administrator account",
        ));
    }
    let role = changes.role.unwrap_or(current_role);
    let station_ids = changes.station_ids.clone().unwrap_or_else(|| existing.station_ids.clone());
    let unit_id = changes.unit_id.unwrap_or(existing.user.unit_id);
    let deputy_id = changes.deputy_id.unwrap_or(existing.user.deputy_id);
    let (unit_id, deputy_id) = scope_fields(role, unit_id, deputy_id);
    if touches_scope {
        check_scope(db, actor, role, &station_ids, unit_id, deputy_id, Some(id)).await?;
    }
    let password_hash = match &changes.password {
        Some(password) => Some(hasher.hash(password).await?),
        None => None,
    };

    let txn = db.begin().await?;
    let mut active: app_user::ActiveModel = existing.user.clone().into();
    if let Some(display_name) = changes.display_name {
        active.display_name = Set(display_name);
    }
    active.role = Set(role);
    active.unit_id = Set(unit_id);
    active.deputy_id = Set(deputy_id);
    if let Some(flag) = changes.active {
        active.active = Set(flag);
    }
    if let Some(hash) = password_hash {
        active.password_hash = Set(hash);
        active.password_changed_at = Set(now);
    }
    active.updated_at = Set(now);
    active.update(&txn).await?;
    if touches_scope {
        let keep = if matches!(role, Role::Manager | Role::Viewer) { station_ids } else { Vec::new() };
        set_stations(&txn, id, &keep).await?;
    }
    // A new password, a disabled account or a changed role ends the account's sessions.
    if changes.password.is_some() || changes.active == Some(false) || role != current_role {
        revoke_all_sessions(&txn, id, now, None).await?;
    }
    audit::record(&txn, now, Some(actor.user_id), "user_updated", Some(("user", Some(id))), None, None).await?;
    txn.commit().await?;
    get_unscoped(db, id).await
}

/// Creates (or resets the password of) an administrator: the `liaison admin create` command.
#[tracing::instrument(skip_all)]
pub async fn ensure_admin(
    db: &impl ConnectionTrait,
    hasher: &PasswordHasher,
    now: DateTime<Utc>,
    username: Username,
    password: NewPassword,
) -> AppResult<(app_user::Model, bool)> {
    let hash = hasher.hash(&password).await?;
    match app_user::Entity::find().filter(app_user::Column::Username.eq(username.as_str())).one(db).await? {
        Some(existing) => {
            if existing.role != Role::Admin.as_str() {
                return Err(AppError::conflict(
                    "already_exists",
                    format!("the username {} belongs to a {} account", username.as_str(), existing.role),
                ));
            }
            let mut active: app_user::ActiveModel = existing.into();
            active.password_hash = Set(hash);
            active.password_changed_at = Set(now);
            active.active = Set(true);
            active.updated_at = Set(now);
            let user = active.update(db).await?;
            revoke_all_sessions(db, user.id, now, None).await?;
            Ok((user, false))
        }
        None => Ok((insert_user(db, now, username, hash, Role::Admin, None, None, None).await?, true)),
    }
}

impl Actor {
    pub fn id_is(&self, user_id: i32) -> bool {
        self.user_id == user_id
    }
}
