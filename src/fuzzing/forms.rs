//! Whole forms: the resident's form fields as a browser posts them, and multipart bodies.
use std::cell::RefCell;

use actix_multipart::Multipart;
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use actix_web::web::Bytes;

use crate::domain::intake::{self, Contact, RawSubmission};
use crate::domain::phone::Phone;
use crate::http::shared::multipart::{self, FileProblem, FormLimits};

/// `application/x-www-form-urlencoded` → `RawSubmission` → `Submission`: what is accepted keeps
/// every rule of the form (lengths, coordinates, consent, anonymous means no contact).
pub fn intake_form(data: &[u8]) {
    let mut raw = RawSubmission::default();
    for (name, value) in form_urlencoded::parse(data) {
        let value = value.into_owned();
        let text = match name.as_ref() {
            "category_id" => &mut raw.category_id,
            "content" => &mut raw.content,
            "location" => &mut raw.location,
            "latitude" => &mut raw.latitude,
            "longitude" => &mut raw.longitude,
            "contact_name" => &mut raw.contact_name,
            "contact_phone" => &mut raw.contact_phone,
            "anonymous" => {
                raw.anonymous |= !value.is_empty();
                continue;
            }
            "wants_callback" => {
                raw.wants_callback |= !value.is_empty();
                continue;
            }
            "consent" => {
                raw.consent |= !value.is_empty();
                continue;
            }
            _ => continue,
        };
        if text.is_empty() {
            *text = value;
        }
    }
    let Ok(submission) = intake::parse_submission(&raw) else { return };
    assert!(raw.consent);
    let content = submission.content.as_str().chars().count();
    assert!((intake::MIN_CONTENT_CHARS..=intake::MAX_CONTENT_CHARS).contains(&content));
    if let Some(place) = &submission.place.text {
        assert!((1..=intake::MAX_LOCATION_CHARS).contains(&place.chars().count()));
    }
    if let Some((lat, lng)) = submission.place.coordinates {
        assert!(lat.is_finite() && lat.abs() <= 90.0 && lng.is_finite() && lng.abs() <= 180.0);
    }
    match &submission.contact {
        Contact::Anonymous => assert!(raw.anonymous && !raw.wants_callback),
        Contact::Given { phone, wants_callback, .. } => {
            assert!(!raw.anonymous);
            assert!(!wants_callback || phone.is_some(), "a callback without a phone");
            if let Some(phone) = phone {
                assert_eq!(Phone::parse("p", &phone.to_string()).as_ref(), Ok(phone));
            }
        }
    }
}

const LIMITS: FormLimits =
    FormLimits { max_fields: 8, max_text_bytes: 64, max_files: 2, max_file_bytes: 128, max_total_bytes: 512 };

thread_local! {
    static RUNTIME: RefCell<Option<tokio::runtime::Runtime>> = const { RefCell::new(None) };
}

/// The first line is the `Content-Type` header, the rest the body, delivered in chunks whose
/// size the first body byte picks. Whatever is read stays within every limit.
pub fn multipart(data: &[u8]) {
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(end) => (&data[..end], &data[end + 1..]),
        None => (data, &[][..]),
    };
    let Ok(content_type) = HeaderValue::from_bytes(header) else { return };
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, content_type);
    let chunk = usize::from(body.first().copied().unwrap_or(0) % 64) + 1;
    let chunks: Vec<Result<Bytes, PayloadError>> = body.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let payload = Multipart::new(&headers, futures_util::stream::iter(chunks));
    let read = multipart::read(payload, LIMITS);
    let outcome = RUNTIME.with_borrow_mut(|runtime| {
        let runtime = runtime.get_or_insert_with(|| {
            tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a current-thread runtime")
        });
        runtime.block_on(async { tokio::time::timeout(std::time::Duration::from_secs(5), read).await })
    });
    // The whole body is there: reading must end, one way or the other, without waiting.
    let Ok(form) = outcome.expect("reading a complete body never ends") else { return };
    assert!(form.files.len() <= LIMITS.max_files);
    let file_bytes: usize = form.files.iter().map(|f| f.bytes.len()).sum();
    assert!(file_bytes <= LIMITS.max_total_bytes);
    for file in &form.files {
        assert!(!file.bytes.is_empty() && file.bytes.len() <= LIMITS.max_file_bytes);
    }
    if form.problems.contains(&FileProblem::TooMany) {
        assert_eq!(form.files.len(), LIMITS.max_files);
    }
    for name in ["a", "content", "photos"] {
        for value in form.all(name) {
            assert!(value.len() <= LIMITS.max_text_bytes);
        }
    }
}
