//! Request bodies of suggestions, shared by the pages and the API.
use crate::domain::case_state::Satisfaction;
use crate::domain::field::FieldError;
use crate::domain::reception::parse_date;
use crate::domain::suggestion::{
    ResultClass, SuggestionAction, parse_proposals, parse_reasons, parse_reply, parse_title,
};
use crate::error::AppResult;
use crate::http::shared::input::Parser;
use crate::http::shared::patch::nullable;
use crate::services::books::suggestions::{Command, NewSuggestion, SuggestionChanges};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema, Default)]
pub struct CreateSuggestion {
    /// YYYY-MM-DD; default today
    pub raised_on: Option<String>,
    /// One line, ≤ 200 characters
    pub title: String,
    /// 案由, ≤ 5,000 characters
    pub reasons: String,
    /// 建议内容, ≤ 5,000 characters
    pub proposals: Option<String>,
    pub category_id: Option<i32>,
    /// Required for managers; a deputy leads their own drafts
    pub lead_deputy_id: Option<i32>,
    #[serde(default)]
    pub co_deputy_ids: Vec<i32>,
    /// 重点督办 (managers only)
    #[serde(default)]
    pub key_supervision: bool,
}

impl CreateSuggestion {
    pub fn parse(&self) -> AppResult<NewSuggestion> {
        let mut p = Parser::default();
        let raised_on = match self.raised_on.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => p.take(parse_date("raised_on", raw)).map(Some),
        };
        let title = p.take(parse_title(&self.title));
        let reasons = p.take(parse_reasons(&self.reasons));
        let proposals = p.take(parse_proposals(self.proposals.as_deref()));
        if self.co_deputy_ids.len() > crate::domain::suggestion::MAX_CO {
            p.push(FieldError::new(
                "co_deputy_ids",
                crate::domain::field::Problem::OutOfRange { min: 0, max: crate::domain::suggestion::MAX_CO as i64 },
            ));
        }
        p.finish(|| {
            Some(NewSuggestion {
                raised_on: raised_on?,
                title: title?,
                reasons: reasons?,
                proposals: proposals?,
                category_id: self.category_id,
                lead_deputy_id: self.lead_deputy_id,
                co_deputy_ids: self.co_deputy_ids.clone(),
                key_supervision: self.key_supervision,
            })
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateSuggestion {
    /// The version read; a stale one is a 409
    pub version: i32,
    pub raised_on: Option<String>,
    pub title: Option<String>,
    pub reasons: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub proposals: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i32>)]
    pub category_id: Option<Option<i32>>,
    pub lead_deputy_id: Option<i32>,
    pub co_deputy_ids: Option<Vec<i32>>,
    pub key_supervision: Option<bool>,
}

impl UpdateSuggestion {
    pub fn parse(&self) -> AppResult<SuggestionChanges> {
        let mut p = Parser::default();
        let raised_on = self.raised_on.as_deref().map(|raw| p.take(parse_date("raised_on", raw)));
        let title = self.title.as_deref().map(|raw| p.take(parse_title(raw)));
        let reasons = self.reasons.as_deref().map(|raw| p.take(parse_reasons(raw)));
        let proposals = self.proposals.as_ref().map(|value| p.take(parse_proposals(value.as_deref())));
        if self.co_deputy_ids.as_ref().is_some_and(|ids| ids.len() > crate::domain::suggestion::MAX_CO) {
            p.push(FieldError::new(
                "co_deputy_ids",
                crate::domain::field::Problem::OutOfRange { min: 0, max: crate::domain::suggestion::MAX_CO as i64 },
            ));
        }
        p.finish(|| {
            Some(SuggestionChanges {
                version: self.version,
                raised_on: raised_on.flatten(),
                title: title.flatten(),
                reasons: reasons.flatten(),
                proposals: match proposals {
                    None => None,
                    Some(parsed) => Some(parsed?),
                },
                category_id: self.category_id,
                lead_deputy_id: self.lead_deputy_id,
                co_deputy_ids: self.co_deputy_ids.clone(),
                key_supervision: self.key_supervision,
            })
        })
    }
}

#[derive(Deserialize, ToSchema, Default, Clone)]
pub struct SuggestionActionBody {
    /// submit, assign, extend, reply, rate or close
    pub action: String,
    /// The version read; a stale one is a 409
    pub version: Option<i32>,
    /// assign: the lead handling unit
    pub lead_unit_id: Option<i32>,
    /// assign: co-handling units
    #[serde(default)]
    pub co_unit_ids: Vec<i32>,
    /// extend: the new deadline, YYYY-MM-DD, at most six months after assignment
    pub to: Option<String>,
    /// reply: the answer, ≤ 5,000 characters
    pub text: Option<String>,
    /// reply: A, B, C or D
    pub result_class: Option<String>,
    /// rate: satisfied, basically_satisfied or dissatisfied
    pub satisfaction: Option<String>,
}

impl SuggestionActionBody {
    pub fn parse(&self) -> AppResult<(i32, Command)> {
        let mut p = Parser::default();
        let action = p.take(
            self.action
                .trim()
                .parse::<SuggestionAction>()
                .map_err(|_| FieldError::invalid("action", SuggestionAction::EXPECTED)),
        );
        let version = match self.version {
            Some(v) => Some(v),
            None => {
                p.push(FieldError::required("version"));
                None
            }
        };
        let command = match action {
            None => None,
            Some(SuggestionAction::Submit) => Some(Command::Submit),
            Some(SuggestionAction::Close) => Some(Command::Close),
            Some(SuggestionAction::Assign) => {
                if self.co_unit_ids.len() > crate::domain::suggestion::MAX_CO {
                    p.push(FieldError::new(
                        "co_unit_ids",
                        crate::domain::field::Problem::OutOfRange {
                            min: 0,
                            max: crate::domain::suggestion::MAX_CO as i64,
                        },
                    ));
                }
                match self.lead_unit_id {
                    Some(lead) => Some(Command::Assign { lead_unit_id: lead, co_unit_ids: self.co_unit_ids.clone() }),
                    None => {
                        p.push(FieldError::required("lead_unit_id"));
                        None
                    }
                }
            }
            Some(SuggestionAction::Extend) => {
                p.take(parse_date("to", self.to.as_deref().unwrap_or(""))).map(|to| Command::Extend { to })
            }
            Some(SuggestionAction::Reply) => {
                let text = p.take(parse_reply(self.text.as_deref().unwrap_or("")));
                let class = p.take(ResultClass::parse("result_class", self.result_class.as_deref().unwrap_or("")));
                match (text, class) {
                    (Some(text), Some(result_class)) => Some(Command::Reply { text, result_class }),
                    _ => None,
                }
            }
            Some(SuggestionAction::Rate) => {
                let raw = self.satisfaction.as_deref().map(str::trim).unwrap_or("");
                if raw.is_empty() {
                    p.push(FieldError::required("satisfaction"));
                    None
                } else {
                    p.take(raw.parse::<Satisfaction>().map_err(|_| {
                        FieldError::invalid("satisfaction", "satisfied, basically_satisfied or dissatisfied")
                    }))
                    .map(|satisfaction| Command::Rate { satisfaction })
                }
            }
        };
        p.finish(|| Some((version?, command?)))
    }
}
