//! The signed-in staff member, and the stations each role may read or manage.
use std::collections::{BTreeSet, HashMap};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::domain::role::Role;
use crate::entities::{app_user, deputy, station, user_station};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i32,
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// Stations the account is attached to directly (manager, viewer) or, for a deputy,
    /// the station of their deputy record.
    pub station_ids: Vec<i32>,
    pub unit_id: Option<i32>,
    pub deputy_id: Option<i32>,
    pub session_id: String,
}

/// A set of stations, or every station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StationScope {
    All,
    Only(BTreeSet<i32>),
}

impl StationScope {
    pub fn none() -> Self {
        StationScope::Only(BTreeSet::new())
    }

    pub fn contains(&self, station_id: i32) -> bool {
        match self {
            StationScope::All => true,
            StationScope::Only(ids) => ids.contains(&station_id),
        }
    }

    /// `None` for every station, the ids otherwise (to build `IN (…)` filters).
    pub fn ids(&self) -> Option<Vec<i32>> {
        match self {
            StationScope::All => None,
            StationScope::Only(ids) => Some(ids.iter().copied().collect()),
        }
    }
}

impl Actor {
    #[tracing::instrument(skip_all)]
    pub async fn load(db: &impl ConnectionTrait, user: app_user::Model, session_id: String) -> AppResult<Actor> {
        let role = user.role;
        let mut station_ids: Vec<i32> = user_station::Entity::find()
            .filter(user_station::Column::UserId.eq(user.id))
            .all(db)
            .await?
            .into_iter()
            .map(|us| us.station_id)
            .collect();
        if role == Role::Deputy
            && let Some(deputy_id) = user.deputy_id
            && let Some(record) = deputy::Entity::find_by_id(deputy_id).one(db).await?
            && !station_ids.contains(&record.station_id)
        {
            station_ids.push(record.station_id);
        }
        Ok(Actor {
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            role,
            station_ids,
            unit_id: user.unit_id,
            deputy_id: user.deputy_id,
            session_id,
        })
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// 403 unless the actor has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!("the {} role may not do this", self.role)))
        }
    }

    /// Stations whose records the actor may read: admins and handlers every station (their
    /// cases come from anywhere; station records are public information), a viewer without
    /// stations every station, managers and viewers their stations and everything under
    /// them, a deputy their station with everything above and below it (a deputy of a point
    /// belongs to its station too).
    #[tracing::instrument(skip_all)]
    pub async fn readable_stations(&self, db: &impl ConnectionTrait) -> AppResult<StationScope> {
        match self.role {
            Role::Admin | Role::Handler => Ok(StationScope::All),
            Role::Viewer if self.station_ids.is_empty() => Ok(StationScope::All),
            Role::Manager | Role::Viewer => with_descendants(db, &self.station_ids).await,
            Role::Deputy => with_family(db, &self.station_ids).await,
        }
    }

    /// Stations the actor may change (and whose deputies they may manage).
    #[tracing::instrument(skip_all)]
    pub async fn managed_stations(&self, db: &impl ConnectionTrait) -> AppResult<StationScope> {
        match self.role {
            Role::Admin => Ok(StationScope::All),
            Role::Manager => with_descendants(db, &self.station_ids).await,
            _ => Ok(StationScope::none()),
        }
    }
}

async fn station_edges(db: &impl ConnectionTrait) -> AppResult<Vec<(i32, Option<i32>)>> {
    Ok(station::Entity::find()
        .select_only()
        .column(station::Column::Id)
        .column(station::Column::ParentId)
        .into_tuple()
        .all(db)
        .await?)
}

fn descendants(edges: &[(i32, Option<i32>)], roots: &[i32]) -> BTreeSet<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for (id, parent) in edges {
        if let Some(parent) = parent {
            children.entry(*parent).or_default().push(*id);
        }
    }
    let mut scope: BTreeSet<i32> = BTreeSet::new();
    let mut stack: Vec<i32> = roots.to_vec();
    while let Some(id) = stack.pop() {
        if scope.insert(id)
            && let Some(kids) = children.get(&id)
        {
            stack.extend(kids);
        }
    }
    scope
}

/// The given stations and every point and grid beneath them.
#[tracing::instrument(skip_all)]
pub async fn with_descendants(db: &impl ConnectionTrait, roots: &[i32]) -> AppResult<StationScope> {
    if roots.is_empty() {
        return Ok(StationScope::none());
    }
    let edges = station_edges(db).await?;
    Ok(StationScope::Only(descendants(&edges, roots)))
}

/// The given stations, everything beneath them and the stations above them.
#[tracing::instrument(skip_all)]
pub async fn with_family(db: &impl ConnectionTrait, roots: &[i32]) -> AppResult<StationScope> {
    if roots.is_empty() {
        return Ok(StationScope::none());
    }
    let edges = station_edges(db).await?;
    let parents: HashMap<i32, i32> = edges.iter().filter_map(|(id, parent)| Some((*id, (*parent)?))).collect();
    let mut scope = descendants(&edges, roots);
    for root in roots {
        let mut current = *root;
        // The hierarchy is at most three deep; the bound guards against a corrupt cycle.
        for _ in 0..8 {
            match parents.get(&current) {
                Some(parent) => {
                    scope.insert(*parent);
                    current = *parent;
                }
                None => break,
            }
        }
    }
    Ok(StationScope::Only(scope))
}
