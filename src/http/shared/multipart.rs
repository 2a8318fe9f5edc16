//! Reads a multipart form (the resident's form with photos) under limits, keeping every text
//! field even when a photo is refused, so the form can be shown again as it was typed.
use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::TryStreamExt;

use crate::error::AppError;

#[derive(Debug, Clone, Copy)]
pub struct FormLimits {
    pub max_fields: usize,
    pub max_text_bytes: usize,
    pub max_files: usize,
    pub max_file_bytes: usize,
    /// Past this, reading stops: what arrived so far is kept, the rest is refused.
    pub max_total_bytes: usize,
}

#[derive(Debug)]
pub struct ReceivedFile {
    pub field: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// More files than allowed; the extra ones were dropped.
    TooMany,
    /// A file over the per-file limit was dropped.
    TooLarge,
    /// The whole form was larger than allowed; reading stopped.
    FormTooLarge,
}

#[derive(Debug, Default)]
pub struct ReceivedForm {
    fields: HashMap<String, Vec<String>>,
    pub files: Vec<ReceivedFile>,
    pub problems: Vec<FileProblem>,
}

impl ReceivedForm {
    /// The first value of a text field, or "".
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).and_then(|v| v.first()).cloned().unwrap_or_default()
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// A checkbox: present with any non-empty value.
    pub fn checked(&self, name: &str) -> bool {
        !self.text(name).is_empty()
    }
}

pub async fn read(mut payload: Multipart, limits: FormLimits) -> Result<ReceivedForm, AppError> {
    let mut form = ReceivedForm::default();
    let mut total = 0usize;
    let mut field_count = 0usize;
    let bad = |e: actix_multipart::MultipartError| AppError::BadRequest(format!("the form could not be read: {e}"));
    while let Some(mut field) = payload.try_next().await.map_err(bad)? {
        field_count += 1;
        if field_count > limits.max_fields {
            return Err(AppError::BadRequest("the form has too many fields".into()));
        }
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.content_disposition().and_then(|cd| cd.get_filename()).is_some();
        let limit = if is_file { limits.max_file_bytes } else { limits.max_text_bytes };
        let mut data: Vec<u8> = Vec::new();
        let mut oversized = false;
        while let Some(chunk) = field.try_next().await.map_err(bad)? {
            total += chunk.len();
            if total > limits.max_total_bytes {
                form.problems.push(FileProblem::FormTooLarge);
                return Ok(form);
            }
            if data.len() + chunk.len() > limit {
                // Keep reading (and discarding) so the fields after this one still arrive.
                oversized = true;
                data.clear();
                continue;
            }
            if !oversized {
                data.extend_from_slice(&chunk);
            }
        }
        if is_file {
            if oversized {
                form.problems.push(FileProblem::TooLarge);
            } else if data.is_empty() {
                // A file input left empty still sends an empty part.
            } else if form.files.len() >= limits.max_files {
                if !form.problems.contains(&FileProblem::TooMany) {
                    form.problems.push(FileProblem::TooMany);
                }
            } else {
                form.files.push(ReceivedFile { field: name, bytes: data });
            }
        } else if oversized {
            return Err(AppError::PayloadTooLarge(format!("the field {name} is too long")));
        } else {
            let value = String::from_utf8(data).map_err(|_| AppError::BadRequest("the form is not UTF-8".into()))?;
            // The same rule as `http::input_guard` for every other kind of body.
            crate::http::input_guard::check_form_field(&name, &value)?;
            form.fields.entry(name).or_default().push(value);
        }
    }
    Ok(form)
}
