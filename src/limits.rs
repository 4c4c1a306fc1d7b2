//! Counters of things held open at once (PUTs per object, event streams per account), each
//! slot given back when its guard drops, so a bound holds however a request ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many of each key are held now.
#[derive(Default)]
pub struct InFlight {
    counts: Mutex<HashMap<String, usize>>,
}

/// One held slot; dropping it gives the slot back.
pub struct Slot {
    owner: Arc<InFlight>,
    key: String,
}

impl InFlight {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Takes a slot of `key` when fewer than `max` are held, else `None`.
    pub fn try_take(self: &Arc<Self>, key: &str, max: usize) -> Option<Slot> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let n = counts.entry(key.to_string()).or_insert(0);
        if *n >= max {
            if *n == 0 {
                counts.remove(key);
            }
            return None;
        }
        *n += 1;
        Some(Slot {
            owner: self.clone(),
            key: key.to_string(),
        })
    }

    /// Slots of `key` held now.
    pub fn held(&self, key: &str) -> usize {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.get(key).copied().unwrap_or(0)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.owner.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_and_given_back() {
        let f = InFlight::new();
        let a = f.try_take("k", 2).unwrap();
        let _b = f.try_take("k", 2).unwrap();
        assert!(f.try_take("k", 2).is_none());
        assert!(f.try_take("other", 2).is_some());
        drop(a);
        assert_eq!(f.held("k"), 1);
        assert!(f.try_take("k", 2).is_some());
        assert!(f.try_take("zero", 0).is_none());
        assert_eq!(f.counts.lock().unwrap().len(), 1, "empty keys are not kept");
    }
}
