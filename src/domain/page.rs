//! Pagination of list endpoints.
use serde::Deserialize;
use utoipa::IntoParams;

pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// Out-of-range values are clamped rather than refused: page ≥ 1, 1 ≤ per_page ≤ 100.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Self {
        PageRequest {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::new(None, None)
    }
}

/// `?page=&per_page=` on every list endpoint.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageParams {
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    pub per_page: Option<u64>,
}

impl PageParams {
    pub fn request(&self) -> PageRequest {
        PageRequest::new(self.page, self.per_page)
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub request: PageRequest,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), total: self.total, request: self.request }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_and_computes_offsets() {
        assert_eq!(PageRequest::new(None, None), PageRequest { page: 1, per_page: 20 });
        assert_eq!(PageRequest::new(Some(0), Some(1000)), PageRequest { page: 1, per_page: 100 });
        assert_eq!(PageRequest::new(Some(3), Some(10)).offset(), 20);
    }
}
