//! Pagination of list endpoints.
use serde::Deserialize;
use utoipa::IntoParams;

pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;
/// Far past any real list, and small enough that the offset fits the database's signed 64 bits.
pub const MAX_PAGE: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// Out-of-range values are clamped rather than refused: 1 ≤ page ≤ 1,000,000,
    /// 1 ≤ per_page ≤ 100.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Self {
        PageRequest {
            page: page.unwrap_or(1).clamp(1, MAX_PAGE),
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
    /// Page number, from 1 (at most 1,000,000).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
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

    #[test]
    fn a_huge_page_is_clamped_so_its_offset_fits_a_signed_64_bit_integer() {
        // Found by schemathesis: ?page=9223372036854775807 made the SQL driver panic
        // converting the offset to i64, and the connection dropped without an answer.
        let page = PageRequest::new(Some(u64::MAX), Some(MAX_PER_PAGE));
        assert_eq!(page.page, MAX_PAGE);
        assert!(i64::try_from(page.offset()).is_ok());
    }
}
