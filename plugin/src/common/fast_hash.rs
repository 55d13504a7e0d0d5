//! The component's hash sets and maps for large in-memory SKU sets: the Fx hash from
//! `rustc-hash`, several times faster than std's SipHash for 200,000 SKUs. Inputs are the
//! seller's own SKUs, not attacker-chosen keys, so HashDoS resistance is not needed. Only
//! lookups are made; nothing the component outputs depends on iteration order.

pub use rustc_hash::FxHasher;

/// Builds [`FxHasher`]s.
pub type FxBuild = rustc_hash::FxBuildHasher;
/// A `HashSet` with the Fx hash.
pub type FastSet<T> = rustc_hash::FxHashSet<T>;
/// A `HashMap` with the Fx hash.
pub type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinguishes_keys() {
        let set: FastSet<&str> = ["JL-MUG-001", "JL-MUG-002", "JL-MUG-0010", ""]
            .into_iter()
            .collect();
        assert_eq!(set.len(), 4);
        assert!(set.contains("JL-MUG-002"));
        assert!(!set.contains("JL-MUG-003"));
    }
}
