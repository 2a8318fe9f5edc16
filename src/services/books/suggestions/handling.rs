//! Changing a suggestion: editing its words, deputies and key supervision, and the actions of
//! its handling (submit, assign, extend, reply, rate, close), each with the version read.
use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait};

use super::checks::{known_category, known_deputies, known_units, lead_of_station, link_deputies, link_units};
use super::standing::{allowed, deadlines_of, load, may_edit, status_of};
use super::{Command, Now, SuggestionChanges, SuggestionView, entity, get, stale};
use crate::domain::case_state::Satisfaction;
use crate::domain::suggestion::{
    self, SuggestionAction, SuggestionRole, SuggestionStatus, check_extension, next_status, rehandling_due, reply_due,
};
use crate::error::{AppError, AppResult};
use crate::services::organisation::actor::Actor;
use crate::services::privacy::audit;
use crate::services::support::versioned::VersionedUpdate;

/// Edits a suggestion with the `version` read. Its words and deputies only while it is
/// drafted or submitted (a deputy: their own draft); key supervision by managers at any time.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: i32,
    changes: SuggestionChanges,
) -> AppResult<SuggestionView> {
    let (current, deputies, _, standing) = load(db, actor, id).await?;
    let status = status_of(&current);
    if !may_edit(standing, status) {
        return Err(AppError::forbidden("you may read this suggestion but not change it"));
    }
    if changes.key_supervision.is_some() && !standing.manage {
        return Err(AppError::forbidden("key supervision is set by the station's managers"));
    }
    if changes.version != current.version {
        return Err(stale(current.version));
    }
    if changes.touches_content() {
        if !matches!(status, SuggestionStatus::Drafted | SuggestionStatus::Submitted) {
            return Err(AppError::conflict(
                "content_locked",
                format!("a suggestion that is {} can no longer be reworded", status.label_en()),
            ));
        }
        if !allowed(standing, status).edit {
            return Err(AppError::conflict(
                "content_locked",
                "a deputy may change a suggestion only while it is a draft",
            ));
        }
    }
    let current_lead = deputies.iter().find(|d| d.role == SuggestionRole::Lead).map(|d| d.id);
    if standing.lead_deputy && !standing.manage && changes.lead_deputy_id.is_some_and(|l| Some(l) != actor.deputy_id) {
        return Err(AppError::forbidden("a deputy may not hand the lead of a suggestion to someone else"));
    }
    let lead = changes.lead_deputy_id.or(current_lead);
    if let Some(new_lead) = changes.lead_deputy_id {
        lead_of_station(db, current.station_id, new_lead).await?;
    }
    let co = match (&changes.co_deputy_ids, changes.lead_deputy_id) {
        (Some(ids), _) => Some(suggestion::co_list("co_deputy_ids", lead, ids).map_err(AppError::field)?),
        // A new lead who was a co-signer leaves the co-signers.
        (None, Some(_)) => {
            Some(deputies.iter().filter(|d| d.role == SuggestionRole::Co && Some(d.id) != lead).map(|d| d.id).collect())
        }
        (None, None) => None,
    };
    if let Some(co) = &co {
        known_deputies(db, co, "co_deputy_ids").await?;
    }
    if let Some(category) = changes.category_id {
        known_category(db, category).await?;
    }

    let txn = db.begin().await?;
    use entity::Column as C;
    let written = VersionedUpdate::<entity::Entity>::new(C::Id, C::Version, id, current.version, changes.version)
        .set(C::UpdatedAt, now.at)
        .set_some(C::RaisedOn, changes.raised_on)
        .set_some(C::Title, changes.title)
        .set_some(C::Reasons, changes.reasons)
        .set_some(C::Proposals, changes.proposals)
        .set_some(C::CategoryId, changes.category_id)
        .set_some(C::KeySupervision, changes.key_supervision)
        .apply(&txn)
        .await?;
    if !written {
        return Err(stale(current.version));
    }
    if let (Some(lead), Some(co)) = (lead, co) {
        link_deputies(&txn, id, lead, &co).await?;
    }
    audit::record(&txn, now.at, Some(actor.user_id), "suggestion_updated", Some(("suggestion", Some(id))), None, None)
        .await?;
    txn.commit().await?;
    get(db, actor, now.today, id).await
}

/// One action on a suggestion with the `version` read.
#[tracing::instrument(skip_all, fields(user_id = actor.user_id, id = id))]
pub async fn act<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: i32,
    version: i32,
    command: Command,
) -> AppResult<SuggestionView> {
    let (current, _, _, standing) = load(db, actor, id).await?;
    let status = status_of(&current);
    let action = command.action();
    let who = match action {
        SuggestionAction::Submit | SuggestionAction::Rate => standing.manage || standing.lead_deputy,
        SuggestionAction::Reply => standing.manage || standing.unit,
        SuggestionAction::Assign | SuggestionAction::Extend | SuggestionAction::Close => standing.manage,
    };
    if !who {
        return Err(AppError::forbidden(format!("you may not {} this suggestion", action.as_str())));
    }
    if version != current.version {
        return Err(stale(current.version));
    }
    let dissatisfied = matches!(command, Command::Rate { satisfaction: Satisfaction::Dissatisfied });
    let to = next_status(status, action, dissatisfied, current.rehandling_count > 0)
        .map_err(|illegal| AppError::conflict("illegal_transition", illegal.to_string()))?;

    let mut update = entity::Entity::update_many()
        .col_expr(entity::Column::Version, Expr::value(current.version + 1))
        .col_expr(entity::Column::UpdatedAt, Expr::value(now.at))
        .col_expr(entity::Column::Status, Expr::value(to.as_str()));
    let mut units: Option<(i32, Vec<i32>)> = None;
    match &command {
        Command::Submit => {}
        Command::Assign { lead_unit_id, co_unit_ids } => {
            known_units(db, &[*lead_unit_id], "lead_unit_id").await?;
            let co = suggestion::co_list("co_unit_ids", Some(*lead_unit_id), co_unit_ids).map_err(AppError::field)?;
            known_units(db, &co, "co_unit_ids").await?;
            update = update
                .col_expr(entity::Column::LeadUnitId, Expr::value(*lead_unit_id))
                .col_expr(entity::Column::AssignedOn, Expr::value(now.today))
                .col_expr(entity::Column::DueOn, Expr::value(reply_due(now.today)));
            units = Some((*lead_unit_id, co));
        }
        Command::Extend { to: day } => {
            let (Some(assigned_on), Some(deadline)) = (current.assigned_on, deadlines_of(&current).reply_deadline())
            else {
                return Err(AppError::conflict("illegal_transition", "the suggestion has not been assigned"));
            };
            let day = check_extension(assigned_on, deadline, *day).map_err(AppError::field)?;
            update = update.col_expr(entity::Column::ExtendedTo, Expr::value(day));
        }
        Command::Reply { text, result_class } => {
            update = update
                .col_expr(entity::Column::RepliedOn, Expr::value(now.today))
                .col_expr(entity::Column::Reply, Expr::value(text.clone()))
                .col_expr(entity::Column::ResultClass, Expr::value(result_class.as_str()))
                .col_expr(entity::Column::Satisfaction, Expr::value(Option::<String>::None))
                .col_expr(entity::Column::RatedOn, Expr::value(Option::<NaiveDate>::None));
        }
        Command::Rate { satisfaction } => {
            update = update
                .col_expr(entity::Column::Satisfaction, Expr::value(satisfaction.as_str()))
                .col_expr(entity::Column::RatedOn, Expr::value(now.today));
            if to == SuggestionStatus::Rehandling {
                update = update
                    .col_expr(entity::Column::RehandlingDueOn, Expr::value(rehandling_due(now.today)))
                    .col_expr(entity::Column::RehandlingCount, Expr::value(current.rehandling_count + 1));
            }
        }
        Command::Close => {
            update = update.col_expr(entity::Column::ClosedOn, Expr::value(now.today));
        }
    }
    let txn = db.begin().await?;
    let done = update.filter(entity::Column::Id.eq(id)).filter(entity::Column::Version.eq(version)).exec(&txn).await?;
    if done.rows_affected == 0 {
        return Err(stale(current.version));
    }
    if let Some((lead, co)) = units {
        link_units(&txn, id, lead, &co).await?;
    }
    let detail = format!("{} → {}", status.as_str(), to.as_str());
    audit::record(
        &txn,
        now.at,
        Some(actor.user_id),
        &format!("suggestion_{}", action.as_str()),
        Some(("suggestion", Some(id))),
        Some(&detail),
        None,
    )
    .await?;
    txn.commit().await?;
    get(db, actor, now.today, id).await
}
