//! Acting on cases as the pages and the API both do it: one case (with photos already stored,
//! from the page's progress form), or the same action on many cases at once.
use crate::domain::case_command::{RawCommand, parse_command};
use crate::domain::field::{FieldError, Problem};
use crate::entities::case;
use crate::error::{AppError, AppResult};
use crate::services::cases::actions::{self, ActionContext};
use crate::services::cases::intake::PhotoRecord;
use crate::services::context::Ctx;
use crate::services::organisation::actor::Actor;

/// How many cases one bulk action may take.
pub const MAX_BULK: usize = 100;

/// One action on one case, at the `version` the person acted on. Who may is checked before
/// what was sent is read, so a refused caller learns nothing from it.
#[tracing::instrument(skip_all, fields(case_id = id, action = %raw.action))]
pub async fn act(
    ctx: &Ctx,
    actor: &Actor,
    id: i32,
    version: Option<i32>,
    raw: &RawCommand,
    photos: Vec<PhotoRecord>,
) -> AppResult<case::Model> {
    actions::require_may_act(&ctx.db, actor, id).await?;
    let command = parse_command(raw).map_err(AppError::Validation)?;
    let action_ctx = ActionContext { now: ctx.now, settings: &ctx.settings };
    actions::perform(&ctx.db, &action_ctx, actor, id, version, command, photos).await
}

/// The same action on each case (at most `MAX_BULK`), each case its own transaction: one
/// refused case does not stop the others. The action's form is checked once, before any case.
#[tracing::instrument(skip_all, fields(cases = case_ids.len(), action = %raw.action))]
pub async fn act_on_many(
    ctx: &Ctx,
    actor: &Actor,
    case_ids: Vec<i32>,
    raw: &RawCommand,
) -> AppResult<Vec<(i32, AppResult<case::Model>)>> {
    actor.require(actions::BULK_ROLES)?;
    if case_ids.is_empty() || case_ids.len() > MAX_BULK {
        return Err(AppError::field(FieldError::new("case_ids", Problem::OutOfRange { min: 1, max: MAX_BULK as i64 })));
    }
    parse_command(raw).map_err(AppError::Validation)?;
    let mut results = Vec::with_capacity(case_ids.len());
    for id in case_ids {
        let result = act(ctx, actor, id, None, raw, Vec::new()).await;
        if let Err(error) = &result {
            error.log();
        }
        results.push((id, result));
    }
    Ok(results)
}
