//! The table behind a Map: its entries in insertion order, hashed by their
//! key images ([`KeyMap`]), and, while every key is an Int, a second index
//! of its own made for Int keys ([`IntIndex`]).
//!
//! Why a second index: a lookup in the [`KeyMap`] reads three places that
//! are far apart in a big table (the hash table's control bytes, its slot
//! holding the entry's position, and the entry, where the key is compared).
//! Maps keyed by Ints are the common case, and their keys fit in the index
//! itself: one slot of [`IntIndex`] holds the key, the entry's position and
//! the entry's cached `Some(value)` (see [`MapEntry`]), so a `get` that
//! finds its key reads one slot, usually one cache line, and nothing else.
//!
//! The entries stay in the [`KeyMap`], which iteration, equality, hashing,
//! display and the collector read (through `Deref`); every change goes
//! through [`MapTable`]'s methods, which keep the two indexes in step. The
//! Int index is dropped for good when a key of another type arrives.

use crate::heap::{Key, KeyMap, MapEntry};
use crate::value::ObjRef;
use std::ops::Deref;

/// An insertion-ordered map from key images to entries; see the module
/// documentation.
#[derive(Clone, Debug)]
pub struct MapTable {
    entries: KeyMap<MapEntry>,
    /// Present while every key is an Int (and the map is not empty or has
    /// held only Ints).
    ints: Option<IntIndex>,
}

impl Default for MapTable {
    fn default() -> MapTable {
        MapTable {
            entries: KeyMap::default(),
            ints: Some(IntIndex::new()),
        }
    }
}

impl Deref for MapTable {
    type Target = KeyMap<MapEntry>;
    fn deref(&self) -> &KeyMap<MapEntry> {
        &self.entries
    }
}

impl FromIterator<(Key, MapEntry)> for MapTable {
    fn from_iter<I: IntoIterator<Item = (Key, MapEntry)>>(iter: I) -> MapTable {
        let mut table = MapTable::default();
        for (key, entry) in iter {
            table.insert(key, entry);
        }
        table
    }
}

impl MapTable {
    /// The bytes the Int index holds, for the heap's estimate of the map's
    /// size.
    pub fn index_bytes(&self) -> usize {
        match &self.ints {
            Some(IntIndex::Dense { places, .. }) => places.capacity() * size_of::<Place>(),
            Some(IntIndex::Hashed { slots, .. }) => slots.len() * size_of::<Slot>(),
            None => 0,
        }
    }

    /// The position of the entry whose key is `key`.
    pub fn find(&self, key: &Key) -> Option<usize> {
        match (&self.ints, key) {
            (Some(ints), Key::Int(k)) => ints.get(*k).map(|p| p.pos as usize),
            (Some(_), _) => None,
            (None, _) => self.entries.get_index_of(key),
        }
    }

    /// The position of the entry whose key is the Int `k` (what [`find`]
    /// does for `Key::Int(k)`, without making the key).
    ///
    /// [`find`]: MapTable::find
    #[inline(always)]
    pub fn find_int(&self, k: i64) -> Option<usize> {
        match &self.ints {
            Some(ints) => ints.get(k).map(|p| p.pos as usize),
            None => self.entries.get_index_of(&Key::Int(k)),
        }
    }

    /// The entry whose key is `key`.
    pub fn get(&self, key: &Key) -> Option<&MapEntry> {
        self.find(key).map(|i| &self.entries[i])
    }

    /// The cached `Some(value)` of the entry whose key is `key` when there
    /// is one, found by the Int index alone: `None` does not mean that the
    /// key is missing.
    #[inline]
    pub fn cached_some(&self, key: &Key) -> Option<ObjRef> {
        match (&self.ints, key) {
            (Some(ints), Key::Int(k)) => ints.get(*k).and_then(Place::some),
            _ => None,
        }
    }

    /// Records `some` as the cached `Some(value)` of the entry at `pos`
    /// (whose key is `key`).
    pub fn set_some(&mut self, pos: usize, key: &Key, some: ObjRef) {
        self.entries[pos].some = Some(some);
        if let (Some(ints), Key::Int(k)) = (&mut self.ints, key) {
            if let Some(place) = ints.get_mut(*k) {
                place.some = some.0;
            }
        }
    }

    /// Inserts or replaces the entry of `key`; a replaced entry keeps its
    /// place and is returned.
    pub fn insert(&mut self, key: Key, entry: MapEntry) -> Option<MapEntry> {
        match (&mut self.ints, &key) {
            (Some(ints), Key::Int(k)) => {
                let k = *k;
                if let Some(place) = ints.get_mut(k) {
                    place.some = NO_OBJ;
                    let pos = place.pos as usize;
                    return Some(std::mem::replace(&mut self.entries[pos], entry));
                }
                if self.entries.len() >= EMPTY as usize {
                    // Positions no longer fit a slot: hashing alone.
                    self.ints = None;
                } else {
                    ints.add(k, self.entries.len() as u32);
                }
            }
            (Some(_), _) => self.ints = None,
            (None, _) => {}
        }
        self.entries.insert(key, entry)
    }

    /// Removes the entry of `key`, keeping the order of the others.
    pub fn shift_remove(&mut self, key: &Key) -> Option<MapEntry> {
        let removed = self.entries.shift_remove(key)?;
        if self.ints.is_some() {
            // Every later entry moved down one place: index them again
            // (linear, as the removal itself is).
            let mut ints = IntIndex::new();
            for (pos, (key, entry)) in self.entries.iter().enumerate() {
                if let Key::Int(k) = key {
                    ints.add(*k, pos as u32);
                    if let (Some(some), Some(place)) = (entry.some, ints.get_mut(*k)) {
                        place.some = some.0;
                    }
                }
            }
            self.ints = Some(ints);
        }
        Some(removed)
    }
}

/// No cached object in a [`Place`].
const NO_OBJ: u32 = u32::MAX;
/// An empty slot's position.
const EMPTY: u32 = u32::MAX;

/// Where an Int key's entry is, and its cached `Some(value)`: 8 bytes.
#[derive(Clone, Copy, Debug)]
struct Place {
    /// The entry's position in insertion order, or [`EMPTY`].
    pos: u32,
    /// The entry's cached `Some(value)` object, or [`NO_OBJ`].
    some: u32,
}

impl Place {
    const EMPTY: Place = Place {
        pos: EMPTY,
        some: NO_OBJ,
    };

    fn some(self) -> Option<ObjRef> {
        (self.some != NO_OBJ).then_some(ObjRef(self.some))
    }
}

/// A slot of the hashed form: the key and its place, 16 bytes.
#[derive(Clone, Copy, Debug)]
struct Slot {
    key: i64,
    place: Place,
}

/// The Int keys of a map and their places, in one of two forms:
///
/// - **Dense**, while the keys cover at least half of the range from the
///   smallest to the largest (as Lua keeps such keys in a table's array
///   part): an array of places indexed by `key - base`, 8 bytes a slot,
///   found without hashing or probing.
/// - **Hashed** otherwise: open addressing with linear probing, at most
///   half full, 16 bytes a slot. Hashing is one folded multiplication of
///   the key mixed with a seed drawn once per process (the construction of
///   foldhash): cheap, and a program cannot choose keys that collide without
///   knowing the seed, which nothing shows (iteration follows insertion
///   order).
///
/// Whether the keys are dense is decided, as Lua decides its array part's
/// size, when the hashed form grows (each time its key count doubles), and
/// a dense index that a far key would make too sparse turns back into the
/// hashed form; both are amortised constant time per insertion. Entries are
/// never removed one by one: a removal rebuilds the index (see
/// [`MapTable::shift_remove`]).
#[derive(Clone, Debug)]
enum IntIndex {
    Dense {
        base: i64,
        places: Vec<Place>,
        len: usize,
    },
    Hashed {
        /// A power of two in length (or empty).
        slots: Box<[Slot]>,
        len: usize,
        /// The smallest and largest keys, to tell when they are dense.
        min: i64,
        max: i64,
    },
}

/// Whether `len` keys spread over `span` slots are dense enough for the
/// dense form (a few empty slots are allowed on small maps).
fn dense_enough(len: usize, span: u128) -> bool {
    span <= 2 * len as u128 + 8
}

impl IntIndex {
    fn new() -> IntIndex {
        IntIndex::Hashed {
            slots: Box::new([]),
            len: 0,
            min: i64::MAX,
            max: i64::MIN,
        }
    }

    fn hash(k: i64) -> u64 {
        const MULTIPLE: u64 = 0x9e37_79b9_7f4a_7c15;
        let x = (k as u64) ^ seed();
        let wide = (x as u128) * (MULTIPLE as u128);
        (wide as u64) ^ ((wide >> 64) as u64)
    }

    /// The place of `k`.
    #[inline]
    fn get(&self, k: i64) -> Option<Place> {
        match self {
            IntIndex::Dense { base, places, .. } => {
                if k < *base {
                    return None;
                }
                let i = usize::try_from(k.wrapping_sub(*base) as u64).ok()?;
                places.get(i).copied().filter(|p| p.pos != EMPTY)
            }
            IntIndex::Hashed { slots, .. } => probe(slots, k).map(|i| slots[i].place),
        }
    }

    fn get_mut(&mut self, k: i64) -> Option<&mut Place> {
        match self {
            IntIndex::Dense { base, places, .. } => {
                if k < *base {
                    return None;
                }
                let i = usize::try_from(k.wrapping_sub(*base) as u64).ok()?;
                places.get_mut(i).filter(|p| p.pos != EMPTY)
            }
            IntIndex::Hashed { slots, .. } => probe(slots, k).map(|i| &mut slots[i].place),
        }
    }

    /// Adds `k` (not present) at position `pos`.
    fn add(&mut self, k: i64, pos: u32) {
        let place = Place { pos, some: NO_OBJ };
        match self {
            IntIndex::Dense { base, places, len } => {
                let lo = (*base).min(k);
                let hi = (*base + (places.len() as i64 - 1)).max(k);
                let span = (hi as i128 - lo as i128 + 1) as u128;
                if !dense_enough(*len + 1, span) {
                    *self = self.rehashed();
                    return self.add(k, pos);
                }
                if k < *base {
                    // Room below as well as the key, so that keys arriving
                    // in falling order do not move the array each time.
                    let new_base = k.saturating_sub(places.len() as i64);
                    let roomy = (hi as i128 - new_base as i128 + 1) as u128;
                    let new_base = if dense_enough(*len + 1, roomy) {
                        new_base
                    } else {
                        k
                    };
                    let shift = (*base - new_base) as usize;
                    places.splice(0..0, std::iter::repeat_n(Place::EMPTY, shift));
                    *base -= shift as i64;
                } else if (k - *base) as usize >= places.len() {
                    // `resize` grows the array geometrically.
                    places.resize((k - *base) as usize + 1, Place::EMPTY);
                }
                places[(k - *base) as usize] = place;
                *len += 1;
            }
            IntIndex::Hashed {
                slots,
                len,
                min,
                max,
            } => {
                *min = (*min).min(k);
                *max = (*max).max(k);
                if (*len + 1) * 2 > slots.len() {
                    let span = (*max as i128 - *min as i128 + 1) as u128;
                    if dense_enough(*len + 1, span) {
                        *self = self.densified();
                        return self.add(k, pos);
                    }
                    grow(slots);
                }
                let mask = slots.len() - 1;
                let mut i = Self::hash(k) as usize & mask;
                while slots[i].place.pos != EMPTY {
                    i = (i + 1) & mask;
                }
                slots[i] = Slot { key: k, place };
                *len += 1;
            }
        }
    }

    /// The keys and places, in no order.
    fn pairs(&self) -> Vec<(i64, Place)> {
        match self {
            IntIndex::Dense { base, places, .. } => places
                .iter()
                .enumerate()
                .filter(|(_, p)| p.pos != EMPTY)
                .map(|(i, p)| (*base + i as i64, *p))
                .collect(),
            IntIndex::Hashed { slots, .. } => slots
                .iter()
                .filter(|s| s.place.pos != EMPTY)
                .map(|s| (s.key, s.place))
                .collect(),
        }
    }

    /// The same keys in the dense form (its `min` and `max` are known to
    /// be dense enough, counting the key about to be added).
    fn densified(&self) -> IntIndex {
        let IntIndex::Hashed { len, min, max, .. } = *self else {
            return self.clone();
        };
        let mut places = vec![Place::EMPTY; (max - min + 1) as usize];
        for (k, p) in self.pairs() {
            places[(k - min) as usize] = p;
        }
        IntIndex::Dense {
            base: min,
            places,
            len,
        }
    }

    /// The same keys in the hashed form.
    fn rehashed(&self) -> IntIndex {
        let pairs = self.pairs();
        let mut size = 16;
        while size < pairs.len() * 2 + 2 {
            size *= 2;
        }
        let mut slots = vec![
            Slot {
                key: 0,
                place: Place::EMPTY
            };
            size
        ]
        .into_boxed_slice();
        let (mut min, mut max) = (i64::MAX, i64::MIN);
        for &(k, place) in &pairs {
            min = min.min(k);
            max = max.max(k);
            put(&mut slots, Slot { key: k, place });
        }
        IntIndex::Hashed {
            slots,
            len: pairs.len(),
            min,
            max,
        }
    }
}

/// The index of the slot holding `k`.
#[inline]
fn probe(slots: &[Slot], k: i64) -> Option<usize> {
    if slots.is_empty() {
        return None;
    }
    let mask = slots.len() - 1;
    let mut i = IntIndex::hash(k) as usize & mask;
    loop {
        let slot = &slots[i];
        if slot.place.pos == EMPTY {
            return None;
        }
        if slot.key == k {
            return Some(i);
        }
        i = (i + 1) & mask;
    }
}

/// Puts `slot` (whose key is not there) in the first free slot of its run.
fn put(slots: &mut [Slot], slot: Slot) {
    let mask = slots.len() - 1;
    let mut i = IntIndex::hash(slot.key) as usize & mask;
    while slots[i].place.pos != EMPTY {
        i = (i + 1) & mask;
    }
    slots[i] = slot;
}

/// Doubles the hashed form's slots.
fn grow(slots: &mut Box<[Slot]>) {
    let size = (slots.len() * 2).max(16);
    let empty = Slot {
        key: 0,
        place: Place::EMPTY,
    };
    let old = std::mem::replace(slots, vec![empty; size].into_boxed_slice());
    for slot in old.iter().filter(|s| s.place.pos != EMPTY) {
        put(slots, *slot);
    }
}

/// The per-process seed of [`IntIndex`]'s hash, from the standard
/// library's randomly seeded hasher.
fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::OnceLock;
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x5eed);
        h.finish()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn entry(k: i64) -> MapEntry {
        MapEntry::new(Value::Int(k), Value::Int(k.wrapping_mul(10)))
    }

    #[test]
    fn int_keys_are_found_through_their_index_in_insertion_order() {
        let mut t = MapTable::default();
        let keys: Vec<i64> = (0..1000).map(|i| (i * 7919) % 1009 - 500).collect();
        for &k in &keys {
            assert!(t.insert(Key::Int(k), entry(k)).is_none());
        }
        assert!(t.ints.is_some());
        for (pos, &k) in keys.iter().enumerate() {
            assert_eq!(t.find(&Key::Int(k)), Some(pos));
        }
        assert_eq!(t.find(&Key::Int(100_000)), None);
        assert_eq!(t.find(&Key::Str("x".into())), None);
        // Replacing keeps the place and forgets the cached `Some`.
        t.set_some(3, &Key::Int(keys[3]), ObjRef(7));
        assert_eq!(t.cached_some(&Key::Int(keys[3])), Some(ObjRef(7)));
        let old = t.insert(Key::Int(keys[3]), entry(1));
        assert_eq!(old.map(|e| e.some), Some(Some(ObjRef(7))));
        assert_eq!(t.cached_some(&Key::Int(keys[3])), None);
        assert_eq!(t.find(&Key::Int(keys[3])), Some(3));
    }

    #[test]
    fn removal_reindexes_and_other_keys_drop_the_int_index() {
        let mut t: MapTable = (0..100).map(|k| (Key::Int(k), entry(k))).collect();
        t.set_some(60, &Key::Int(60), ObjRef(5));
        assert!(t.shift_remove(&Key::Int(10)).is_some());
        assert!(t.shift_remove(&Key::Int(10)).is_none());
        assert_eq!(t.find(&Key::Int(10)), None);
        assert_eq!(t.find(&Key::Int(11)), Some(10));
        assert_eq!(t.cached_some(&Key::Int(60)), Some(ObjRef(5)));
        t.insert(Key::Str("s".into()), entry(0));
        assert!(t.ints.is_none());
        assert_eq!(t.find(&Key::Int(11)), Some(10));
        assert_eq!(t.find(&Key::Str("s".into())), Some(99));
    }
    fn is_dense(t: &MapTable) -> bool {
        matches!(t.ints, Some(IntIndex::Dense { .. }))
    }

    #[test]
    fn dense_keys_in_any_order_get_the_dense_form_and_a_far_key_undoes_it() {
        // Scattered over 0..1009, as Lua would keep them in an array part.
        let keys: Vec<i64> = (0..1009).map(|i| (i * 7919) % 1009).collect();
        let mut t = MapTable::default();
        for &k in &keys {
            t.insert(Key::Int(k), entry(k));
        }
        assert!(is_dense(&t));
        for (pos, &k) in keys.iter().enumerate() {
            assert_eq!(t.find(&Key::Int(k)), Some(pos));
        }
        assert_eq!(t.find(&Key::Int(-1)), None);
        assert_eq!(t.find(&Key::Int(1009)), None);
        assert_eq!(t.find(&Key::Int(i64::MIN)), None);
        // Falling keys below the range stay dense.
        for k in (-300..0).rev() {
            t.insert(Key::Int(k), entry(k));
        }
        assert!(is_dense(&t));
        assert_eq!(t.find(&Key::Int(-300)), Some(1009 + 299));
        t.set_some(5, &Key::Int(keys[5]), ObjRef(9));
        // A far key makes them sparse: hashed, with every place kept.
        t.insert(Key::Int(i64::MAX), entry(0));
        assert!(!is_dense(&t));
        assert_eq!(t.cached_some(&Key::Int(keys[5])), Some(ObjRef(9)));
        for (pos, &k) in keys.iter().enumerate() {
            assert_eq!(t.find(&Key::Int(k)), Some(pos));
        }
        assert_eq!(t.find(&Key::Int(i64::MAX)), Some(1309));
        assert_eq!(t.find(&Key::Int(i64::MAX - 1)), None);
    }

    #[test]
    fn find_int_agrees_with_find_in_every_form() {
        let probes: Vec<i64> = (-20..1030).chain([i64::MIN, i64::MAX]).collect();
        let agree = |t: &MapTable| {
            for &k in &probes {
                assert_eq!(t.find_int(k), t.find(&Key::Int(k)), "key {k}");
            }
        };
        // Dense, then hashed by a far key, then the general form once a
        // String key arrives (the Int index is gone).
        let mut t: MapTable = (0..1000)
            .map(|i| (i * 7919) % 1009)
            .map(|k| (Key::Int(k), entry(k)))
            .collect();
        assert!(is_dense(&t));
        agree(&t);
        t.insert(Key::Int(i64::MAX), entry(1));
        assert!(t.ints.is_some() && !is_dense(&t));
        agree(&t);
        t.shift_remove(&Key::Int(5));
        agree(&t);
        t.insert(Key::Str("s".into()), entry(2));
        assert!(t.ints.is_none());
        agree(&t);
        assert_eq!(t.find_int(i64::MAX), Some(999));
        assert_eq!(t.find_int(5), None);
    }

    #[test]
    fn extreme_keys_neither_overflow_nor_go_dense() {
        let mut t = MapTable::default();
        for k in [i64::MIN, i64::MAX, 0, -1, i64::MIN + 1] {
            t.insert(Key::Int(k), entry(k));
        }
        for (pos, k) in [i64::MIN, i64::MAX, 0, -1, i64::MIN + 1].iter().enumerate() {
            assert_eq!(t.find(&Key::Int(*k)), Some(pos));
        }
        let mut d = MapTable::default();
        for k in [i64::MAX, i64::MAX - 1, i64::MAX - 2] {
            d.insert(Key::Int(k), entry(0));
        }
        assert!(is_dense(&d));
        assert_eq!(d.find(&Key::Int(i64::MAX - 1)), Some(1));
        assert_eq!(d.find(&Key::Int(i64::MIN)), None);
    }
}
