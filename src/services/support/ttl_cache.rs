//! A small time-limited cache for public, rarely changing data read on every QR scan
//! (categories, a deputy's card). It is an optimisation only: every process keeps its own,
//! entries expire after a few seconds, and writes in this process clear it at once, so no
//! process ever depends on another's memory.
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        TtlCache { ttl, capacity, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, value)| value.clone())
    }

    pub fn put(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                // Simplest bound: start over. A full cache means many distinct tokens, most cold.
                entries.clear();
            }
            entries.insert(key, (Instant::now(), value));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_cleared() {
        let cache = TtlCache::new(Duration::from_secs(60), 2);
        cache.put("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.put("b", 2);
        cache.put("c", 3); // over capacity: starts over
        assert_eq!(cache.get(&"a"), None);
        assert_eq!(cache.get(&"c"), Some(3));
        cache.clear();
        assert_eq!(cache.get(&"c"), None);
        let expired = TtlCache::new(Duration::ZERO, 10);
        expired.put("a", 1);
        assert_eq!(expired.get(&"a"), None);
    }
}
