//! Everything a decision needs, read before deciding: the case as facts, what the actor is
//! to it, and what the command names or counts on (calendar, tiers, the pending extension,
//! the unit, deputy or case it names).
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::case_command::CaseCommand;
use crate::domain::case_decision::{
    CaseFacts, Lookups, MergeTarget, NamedDeputy, NamedUnit, PendingExtension, Standing, TierDays,
};
use crate::domain::role::Role;
use crate::entities::{case, deputy, extension_request, tier, unit};
use crate::error::AppResult;
use crate::services::cases::{access, flow::status_of};
use crate::services::organisation::{actor::Actor, calendar};

use super::ActionContext;

pub(super) fn facts(record: &case::Model) -> CaseFacts {
    CaseFacts {
        id: record.id,
        tracking_code: record.tracking_code.clone(),
        status: status_of(record),
        version: record.version,
        tier: record.tier.as_str().to_owned(),
        received_at: record.received_at,
        due_at: record.due_at,
        first_responded_at: record.first_responded_at,
        accepted_at: record.accepted_at,
        assigned_at: record.assigned_at,
        returned_count: record.returned_count,
        reopened_count: record.reopened_count,
        key_supervision: record.key_supervision,
    }
}

pub(super) async fn standing(db: &impl ConnectionTrait, actor: &Actor, record: &case::Model) -> AppResult<Standing> {
    Ok(Standing {
        admin: actor.is_admin(),
        manager: actor.is(Role::Manager) && actor.managed_stations(db).await?.contains(record.station_id),
        own_deputy: actor.is(Role::Deputy) && actor.deputy_id.is_some() && record.deputy_id == actor.deputy_id,
        unit: actor.is(Role::Handler) && access::can_read(db, actor, record).await?,
    })
}

pub(super) async fn lookups(
    db: &impl ConnectionTrait,
    ctx: &ActionContext<'_>,
    actor: &Actor,
    record: &case::Model,
    command: &CaseCommand,
) -> AppResult<Lookups> {
    let tiers = tier::Entity::find().all(db).await?;
    let pending_extension = extension_request::Entity::find()
        .filter(extension_request::Column::CaseId.eq(record.id))
        .filter(extension_request::Column::Status.eq("pending"))
        .one(db)
        .await?
        .map(|request| PendingExtension { id: request.id, days: request.days });
    let (unit_id, deputy_id) = match command {
        CaseCommand::Assign { unit_id, deputy_id, .. } => (*unit_id, *deputy_id),
        _ => (None, None),
    };
    let unit = match unit_id {
        Some(id) => unit::Entity::find_by_id(id).one(db).await?.map(|u| NamedUnit { id: u.id, active: u.active }),
        None => None,
    };
    let deputy = match deputy_id {
        Some(id) => match deputy::Entity::find_by_id(id).one(db).await? {
            Some(found) => Some(NamedDeputy {
                id: found.id,
                active: found.active,
                in_actor_stations: actor.readable_stations(db).await?.contains(found.station_id),
            }),
            None => None,
        },
        None => None,
    };
    let merge_target = match command {
        // A case the actor may not read is no case to them: a field error, not a 404.
        CaseCommand::Merge { into } => access::get(db, actor, *into).await.ok().map(|target| MergeTarget {
            id: target.id,
            status: status_of(&target),
            merged: target.merged_into_id.is_some(),
        }),
        _ => None,
    };
    Ok(Lookups {
        calendar: calendar::load(db).await?,
        tz: ctx.settings.time_zone(),
        return_window_working_days: ctx.settings.return_window_working_days,
        tier_days: TierDays::new(tiers.into_iter().map(|t| (t.code.as_str().to_owned(), t.resolve_days))),
        pending_extension,
        unit,
        deputy,
        merge_target,
    })
}
