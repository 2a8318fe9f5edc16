//! Request bodies of reception, shared by the pages and the API.
use crate::domain::field::FieldError;
use crate::domain::reception::{
    DateRange, Disposition, MAX_RESULT_CHARS, Slot, Visitor, VisitorsCount, parse_date, parse_matter, parse_note,
};
use crate::domain::text;
use crate::error::AppResult;
use crate::http::shared::input::Parser;
use crate::services::books::{reception_log::NewVisit, reception_roster::NewDuties};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct SetDuties {
    /// YYYY-MM-DD
    pub date: Option<String>,
    /// YYYY-MM-DD, with `to`: a period instead of one `date`
    pub from: Option<String>,
    pub to: Option<String>,
    /// morning, afternoon or all_day
    pub slot: String,
    pub deputy_id: Option<i32>,
    pub deputy_ids: Option<Vec<i32>>,
    /// Within a period, only these weekdays (1 = Monday … 7 = Sunday)
    pub weekdays: Option<Vec<u32>>,
    pub note: Option<String>,
}

impl SetDuties {
    pub fn parse(&self) -> AppResult<NewDuties> {
        let mut p = Parser::default();
        let slot = p.take(Slot::parse("slot", &self.slot));
        let (from, to) = match (&self.date, &self.from, &self.to) {
            (Some(date), _, _) => {
                let day = p.take(parse_date("date", date));
                (day, day)
            }
            (None, Some(from), to) => {
                let from = p.take(parse_date("from", from));
                let to = match to {
                    Some(to) => p.take(parse_date("to", to)),
                    None => from,
                };
                (from, to)
            }
            (None, None, _) => {
                p.push(FieldError::required("date"));
                (None, None)
            }
        };
        let range = match (from, to) {
            (Some(from), Some(to)) => p.take(DateRange::new(from, to)),
            _ => None,
        };
        let mut deputy_ids = self.deputy_ids.clone().unwrap_or_default();
        deputy_ids.extend(self.deputy_id);
        if deputy_ids.is_empty() {
            p.push(FieldError::required("deputy_ids"));
        }
        if let Some(days) = &self.weekdays
            && days.iter().any(|d| !(1..=7).contains(d))
        {
            p.push(FieldError::invalid("weekdays", "weekday numbers from 1 (Monday) to 7 (Sunday)"));
        }
        let note = p.take(parse_note(self.note.as_deref()));
        p.finish(|| {
            Some(NewDuties { range: range?, slot: slot?, deputy_ids, weekdays: self.weekdays.clone(), note: note? })
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RecordVisit {
    /// YYYY-MM-DD; default today
    pub visited_on: Option<String>,
    /// morning, afternoon or all_day
    pub slot: String,
    /// Default: the deputies on the roster for that day and slot
    pub deputy_ids: Option<Vec<i32>>,
    pub visitor_name: Option<String>,
    pub visitor_phone: Option<String>,
    /// Required (true) when a name or phone is given
    #[serde(default)]
    pub consent: bool,
    /// 1–500; default 1
    pub visitors_count: Option<i64>,
    /// In the visitor's own words, ≤ 2,000 characters
    pub matter: String,
    pub category_id: Option<i32>,
    /// answered, community, street_office, suggestion or higher_deputy
    pub disposition: String,
    pub result: Option<String>,
    pub feedback: Option<String>,
    /// Open a case (channel `reception`) from this visit; needs `category_id`
    #[serde(default)]
    pub open_case: bool,
}

impl RecordVisit {
    pub fn parse(&self, today: NaiveDate) -> AppResult<NewVisit> {
        let mut p = Parser::default();
        let visited_on = match self.visited_on.as_deref().map(str::trim) {
            None | Some("") => Some(today),
            Some(raw) => p.take(parse_date("visited_on", raw)),
        };
        let slot = p.take(Slot::parse("slot", &self.slot));
        let visitor = match Visitor::parse(self.visitor_name.as_deref(), self.visitor_phone.as_deref(), self.consent) {
            Ok(visitor) => Some(visitor),
            Err(errors) => {
                errors.into_iter().for_each(|e| p.push(e));
                None
            }
        };
        let count = p.take(VisitorsCount::new("visitors_count", self.visitors_count.unwrap_or(1)));
        let matter = p.take(parse_matter("matter", &self.matter));
        let disposition = p.take(Disposition::parse("disposition", &self.disposition));
        let result = p.take(text::optional_text("result", self.result.as_deref(), MAX_RESULT_CHARS));
        let feedback = p.take(text::optional_text("feedback", self.feedback.as_deref(), MAX_RESULT_CHARS));
        if self.open_case && self.category_id.is_none() {
            p.push(FieldError::required("category_id"));
        }
        p.finish(|| {
            Some(NewVisit {
                visited_on: visited_on?,
                slot: slot?,
                deputy_ids: self.deputy_ids.clone(),
                visitor: visitor?,
                consent: self.consent,
                visitors_count: count?,
                matter: matter?,
                category_id: self.category_id,
                disposition: disposition?,
                result: result?,
                feedback: feedback?,
                open_case: self.open_case,
            })
        })
    }
}
