//! Request bodies of activities, shared by the pages and the API.
use crate::domain::activity::{
    ActivityKind, AttendanceStatus, MAX_INVITED, When, parse_note, parse_organiser, parse_participants, parse_place,
    parse_summary, parse_time, parse_topic,
};
use crate::domain::field::{FieldError, Problem};
use crate::domain::page::PageRequest;
use crate::domain::reception::{Slot, parse_date};
use crate::error::AppResult;
use crate::http::shared::input::Parser;
use crate::http::shared::patch::nullable;
use crate::services::books::activities::{ActivityChanges, ActivityFilter, Mark, NewActivity};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
pub struct ActivityQuery {
    /// YYYY-MM-DD: held on or after
    pub from: Option<String>,
    /// YYYY-MM-DD: held on or before
    pub to: Option<String>,
    /// One kind of activity
    pub kind: Option<String>,
}

impl ActivityQuery {
    pub fn parse(&self) -> AppResult<ActivityFilter> {
        let mut p = Parser::default();
        let blank = |raw: &Option<String>| raw.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let from = blank(&self.from).map(|raw| p.take(parse_date("from", &raw)));
        let to = blank(&self.to).map(|raw| p.take(parse_date("to", &raw)));
        let kind = blank(&self.kind).map(|raw| p.take(ActivityKind::parse("kind", &raw)));
        if let (Some(Some(from)), Some(Some(to))) = (from, to)
            && to < from
        {
            p.push(FieldError::invalid("to", "a date on or after `from`"));
        }
        p.finish(|| Some(ActivityFilter { from: from.flatten(), to: to.flatten(), kind: kind.flatten() }))
    }
}

#[derive(Deserialize, ToSchema, Default, Clone)]
pub struct RecordActivity {
    /// attend_congress, training, research, inspection, law_enforcement_check, reception,
    /// mediation, good_deeds, report_to_voters or other
    #[serde(default)]
    pub kind: String,
    /// YYYY-MM-DD
    #[serde(default)]
    pub held_on: String,
    /// morning, afternoon or all_day
    pub slot: Option<String>,
    /// HH:MM
    pub starts_at: Option<String>,
    /// HH:MM, after `starts_at`
    pub ends_at: Option<String>,
    /// ≤ 200 characters
    #[serde(default)]
    pub place: String,
    /// The topic (title), ≤ 200 characters
    #[serde(default)]
    pub topic: String,
    /// ≤ 100 characters
    pub organiser: Option<String>,
    /// ≤ 1,000 characters
    pub other_participants: Option<String>,
    /// What was done and said, ≤ 5,000 characters
    pub summary: Option<String>,
    /// Deputies invited: of the station, its points or grids (at most 300)
    #[serde(default)]
    pub deputy_ids: Vec<i32>,
}

impl RecordActivity {
    pub fn parse(&self) -> AppResult<NewActivity> {
        let mut p = Parser::default();
        let kind = p.take(ActivityKind::parse("kind", &self.kind));
        let held_on = p.take(parse_date("held_on", &self.held_on));
        let slot = p.take(optional_slot(self.slot.as_deref()));
        let starts = p.take(parse_time("starts_at", self.starts_at.as_deref()));
        let ends = p.take(parse_time("ends_at", self.ends_at.as_deref()));
        let when = match (slot, starts, ends) {
            (Some(slot), Some(starts), Some(ends)) => p.take(When::new(slot, starts, ends)),
            _ => None,
        };
        let place = p.take(parse_place(&self.place));
        let topic = p.take(parse_topic(&self.topic));
        let organiser = p.take(parse_organiser(self.organiser.as_deref()));
        let participants = p.take(parse_participants(self.other_participants.as_deref()));
        let summary = p.take(parse_summary(self.summary.as_deref()));
        if self.deputy_ids.len() > MAX_INVITED {
            p.push(FieldError::new("deputy_ids", Problem::OutOfRange { min: 0, max: MAX_INVITED as i64 }));
        }
        p.finish(|| {
            Some(NewActivity {
                kind: kind?,
                held_on: held_on?,
                when: when?,
                place: place?,
                topic: topic?,
                organiser: organiser?,
                other_participants: participants?,
                summary: summary?,
                deputy_ids: self.deputy_ids.clone(),
            })
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateActivity {
    /// The version read; a stale one is a 409
    pub version: i32,
    pub kind: Option<String>,
    pub held_on: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub slot: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub starts_at: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub ends_at: Option<Option<String>>,
    pub place: Option<String>,
    pub topic: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub organiser: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub other_participants: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub summary: Option<Option<String>>,
}

impl UpdateActivity {
    pub fn parse(&self) -> AppResult<ActivityChanges> {
        let mut p = Parser::default();
        let kind = self.kind.as_deref().map(|raw| p.take(ActivityKind::parse("kind", raw)));
        let held_on = self.held_on.as_deref().map(|raw| p.take(parse_date("held_on", raw)));
        let slot = self.slot.as_ref().map(|raw| p.take(optional_slot(raw.as_deref())));
        let starts = self.starts_at.as_ref().map(|raw| p.take(parse_time("starts_at", raw.as_deref())));
        let ends = self.ends_at.as_ref().map(|raw| p.take(parse_time("ends_at", raw.as_deref())));
        let place = self.place.as_deref().map(|raw| p.take(parse_place(raw)));
        let topic = self.topic.as_deref().map(|raw| p.take(parse_topic(raw)));
        let organiser = self.organiser.as_ref().map(|raw| p.take(parse_organiser(raw.as_deref())));
        let participants = self.other_participants.as_ref().map(|raw| p.take(parse_participants(raw.as_deref())));
        let summary = self.summary.as_ref().map(|raw| p.take(parse_summary(raw.as_deref())));
        p.finish(|| {
            Some(ActivityChanges {
                version: self.version,
                kind: kind.flatten(),
                held_on: held_on.flatten(),
                slot: slot.flatten(),
                starts_at: starts.flatten(),
                ends_at: ends.flatten(),
                place: place.flatten(),
                topic: topic.flatten(),
                organiser: organiser.flatten(),
                other_participants: participants.flatten(),
                summary: summary.flatten(),
            })
        })
    }
}

#[derive(Deserialize, ToSchema, Clone)]
pub struct AttendanceItem {
    pub deputy_id: i32,
    /// invited, present, excused or absent
    #[serde(default)]
    pub status: String,
    /// ≤ 200 characters (e.g. why excused)
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct SetAttendance {
    /// The activity's version read; a stale one is a 409 (optional)
    pub version: Option<i32>,
    /// Every deputy invited, with their mark; deputies left out are no longer invited
    #[serde(default)]
    pub items: Vec<AttendanceItem>,
}

impl SetAttendance {
    pub fn parse(&self) -> AppResult<Vec<Mark>> {
        let mut p = Parser::default();
        if self.items.len() > MAX_INVITED {
            p.push(FieldError::new("items", Problem::OutOfRange { min: 0, max: MAX_INVITED as i64 }));
        }
        let mut marks = Vec::with_capacity(self.items.len());
        for (i, item) in self.items.iter().enumerate() {
            let status = AttendanceStatus::parse("status", &item.status);
            let note = parse_note(item.note.as_deref());
            match (status, note) {
                (Ok(status), Ok(note)) => marks.push(Mark { deputy_id: item.deputy_id, status, note }),
                (status, note) => {
                    for error in [status.err(), note.err()].into_iter().flatten() {
                        p.push(FieldError::new(
                            "items",
                            Problem::Described(format!("item {}: {} {}", i + 1, error.field, error.message_en())),
                        ));
                    }
                }
            }
        }
        p.finish(|| Some(marks))
    }
}

/// The first page (for the staff page's list).
pub fn first_page(per_page: u64) -> PageRequest {
    PageRequest::new(Some(1), Some(per_page))
}

pub fn optional_slot(raw: Option<&str>) -> Result<Option<Slot>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => Slot::parse("slot", value).map(Some),
    }
}
