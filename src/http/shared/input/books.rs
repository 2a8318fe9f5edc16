//! Request bodies of books, shared by the pages and the API.
use crate::domain::reception::parse_date;
use crate::domain::station_books::{
    self as books, ContactMode, ReportForm, TenHaveItem, Vote, parse_code, parse_count,
};
use crate::error::AppResult;
use crate::http::shared::input::{Parser, optional_phone};
use crate::services::books::{contact_records::NewContact, reports::NewReport, ten_haves::Evidence};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema, Default)]
pub struct RecordReport {
    pub deputy_id: i32,
    /// YYYY-MM-DD; default today
    pub reported_on: Option<String>,
    pub place: String,
    /// oral or written
    pub form: String,
    #[serde(default)]
    pub voters_present: i64,
    pub summary: String,
    pub comments: Option<String>,
    #[serde(default)]
    pub votes_satisfied: i64,
    #[serde(default)]
    pub votes_basically_satisfied: i64,
    #[serde(default)]
    pub votes_dissatisfied: i64,
    #[serde(default)]
    pub published: bool,
}

impl RecordReport {
    pub fn parse(&self, today: NaiveDate) -> AppResult<NewReport> {
        let mut p = Parser::default();
        let reported_on = date_or_today(&mut p, "reported_on", self.reported_on.as_deref(), today);
        let place = p.take(books::parse_place(&self.place));
        let form = p.take(parse_code::<ReportForm>("form", &self.form, ReportForm::EXPECTED));
        let voters = p.take(parse_count("voters_present", self.voters_present));
        let summary = p.take(books::parse_summary(&self.summary));
        let comments = p.take(books::parse_comments(self.comments.as_deref()));
        let counts = [self.votes_satisfied, self.votes_basically_satisfied, self.votes_dissatisfied];
        let vote = parse_vote(&mut p, counts, voters);
        p.finish(|| {
            Some(NewReport {
                deputy_id: self.deputy_id,
                reported_on: reported_on?,
                place: place?,
                form: form?,
                voters_present: voters?,
                summary: summary?,
                comments: comments?,
                vote: vote?,
                published: self.published,
            })
        })
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct RecordContact {
    /// YYYY-MM-DD; default today
    pub contacted_on: Option<String>,
    /// visit, phone, wechat or other
    pub mode: String,
    /// Who the household is: a name, a flat (≤ 100 characters)
    pub household: String,
    pub phone: Option<String>,
    /// ≤ 2,000 characters
    pub matter: String,
    /// What was done, ≤ 2,000 characters
    pub handling: Option<String>,
}

impl RecordContact {
    pub fn parse(&self, today: NaiveDate) -> AppResult<NewContact> {
        let mut p = Parser::default();
        let contacted_on = date_or_today(&mut p, "contacted_on", self.contacted_on.as_deref(), today);
        let mode = p.take(parse_code::<ContactMode>("mode", &self.mode, ContactMode::EXPECTED));
        let household = p.take(books::parse_household(&self.household));
        let phone = p.take(optional_phone("phone", self.phone.as_deref()));
        let matter = p.take(books::parse_matter(&self.matter));
        let handling = p.take(books::parse_handling(self.handling.as_deref()));
        p.finish(|| {
            Some(NewContact {
                contacted_on: contacted_on?,
                mode: mode?,
                household: household?,
                phone: phone?,
                matter: matter?,
                handling: handling?,
            })
        })
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ConfirmTenHave {
    pub present: bool,
    /// The evidence, ≤ 1,000 characters
    pub note: Option<String>,
    /// YYYY-MM-DD
    pub evidence_on: Option<String>,
    /// The version last read (0 for an item never recorded); a stale one is a 409
    pub version: Option<i32>,
}

impl ConfirmTenHave {
    pub fn parse(&self, item: &str) -> AppResult<(TenHaveItem, Evidence)> {
        let mut p = Parser::default();
        let item = p.take(parse_code::<TenHaveItem>("item", item, TenHaveItem::EXPECTED));
        let note = p.take(books::parse_evidence(self.note.as_deref()));
        let evidence_on = match self.evidence_on.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(raw) => p.take(parse_date("evidence_on", raw)).map(Some),
        };
        p.finish(|| {
            Some((
                item?,
                Evidence {
                    present: self.present,
                    note: note?,
                    evidence_on: evidence_on?,
                    photo_hash: None,
                    version: self.version,
                },
            ))
        })
    }
}

pub fn date_or_today(p: &mut Parser, field: &'static str, raw: Option<&str>, today: NaiveDate) -> Option<NaiveDate> {
    match raw.map(str::trim) {
        None | Some("") => Some(today),
        Some(raw) => p.take(parse_date(field, raw)),
    }
}

pub fn parse_vote(p: &mut Parser, counts: [i64; 3], voters: Option<i32>) -> Option<Vote> {
    let satisfied = p.take(parse_count("votes_satisfied", counts[0]));
    let basically = p.take(parse_count("votes_basically_satisfied", counts[1]));
    let dissatisfied = p.take(parse_count("votes_dissatisfied", counts[2]));
    let (satisfied, basically, dissatisfied, voters) = (satisfied?, basically?, dissatisfied?, voters?);
    p.take(Vote::new(satisfied, basically, dissatisfied, voters))
}
