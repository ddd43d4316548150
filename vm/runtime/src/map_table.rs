//! The table behind a Map, in one of two forms:
//!
//! - **Ints**, while every key is an Int: an [`IntIndex`] of its own that
//!   holds each key's value (and its cached `Some(value)`, see
//!   [`MapEntry`]) and the insertion order. When the keys are dense it is
//!   an array indexed by the key, as Lua keeps such keys in a table's array
//!   part: a lookup reads one slot of 16 bytes and nothing else. Otherwise
//!   it is the entries in insertion order with an open-addressing index of
//!   small links to them, so a lookup reads a link and the entry it finds.
//! - **General**, once a key of another type arrives: an insertion-ordered
//!   [`KeyMap`] of entries, hashed by their key images. The table never
//!   goes back to the Ints form.
//!
//! Why: a lookup in a [`KeyMap`] reads three places that are far apart in a
//! big table (the hash table's control bytes, its slot holding the entry's
//! position, and the entry, where the key is compared), and inserting
//! hashes the key image and grows two tables. Maps keyed by Ints are the
//! common case, and their keys and values fit in the index itself.
//!
//! Readers see entries ([`MapEntry`], by value) in insertion order through
//! [`MapTable::values`] and [`MapTable::get_index`] whatever the form;
//! every change goes through [`MapTable`]'s methods.

use crate::heap::{Key, KeyMap, MapEntry};
use crate::value::{ObjRef, Value};

/// An insertion-ordered map from key images to entries; see the module
/// documentation.
#[derive(Clone, Debug)]
pub struct MapTable {
    form: Form,
}

#[derive(Clone, Debug)]
enum Form {
    /// Every key is an Int, given as a `Value::Int`.
    Ints(IntIndex),
    General(KeyMap<MapEntry>),
}

impl Default for MapTable {
    fn default() -> MapTable {
        MapTable {
            form: Form::Ints(IntIndex::default()),
        }
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

/// The bytes a General entry holds besides its key image's parts: the
/// entry (key, value and cached `Some`, 40), its bucket's hash and the
/// hash table's index (16) and the key image's node (32).
pub const GENERAL_ENTRY_BYTES: usize = 88;

/// The entries of a [`MapTable`] in insertion order (see
/// [`MapTable::values`]).
pub struct Entries<'a> {
    table: &'a MapTable,
    next: usize,
}

impl Iterator for Entries<'_> {
    type Item = MapEntry;
    fn next(&mut self) -> Option<MapEntry> {
        let entry = self.table.get_index(self.next)?;
        self.next += 1;
        Some(entry)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.table.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl MapTable {
    pub fn len(&self) -> usize {
        match &self.form {
            Form::Ints(t) => t.len(),
            Form::General(g) => g.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the table is in the Ints form (for tests and statistics).
    pub fn int_keyed(&self) -> bool {
        matches!(self.form, Form::Ints(_))
    }

    /// The bytes the table holds, for the heap's estimate of the map's size
    /// (the key images' parts included).
    pub fn heap_bytes(&self) -> usize {
        match &self.form {
            Form::Ints(t) => t.bytes(),
            Form::General(g) => {
                g.capacity() * GENERAL_ENTRY_BYTES + g.keys().map(Key::heap_size).sum::<usize>()
            }
        }
    }

    /// [`heap_bytes`](MapTable::heap_bytes) when the table is in the Ints
    /// form, where it takes constant time.
    pub fn int_bytes(&self) -> Option<usize> {
        match &self.form {
            Form::Ints(t) => Some(t.bytes()),
            Form::General(_) => None,
        }
    }

    /// The entries in insertion order.
    pub fn values(&self) -> Entries<'_> {
        Entries {
            table: self,
            next: 0,
        }
    }

    /// The entry at position `i` of the insertion order.
    pub fn get_index(&self, i: usize) -> Option<MapEntry> {
        match &self.form {
            Form::Ints(t) => t.entry_at(i),
            Form::General(g) => g.get_index(i).map(|(_, e)| *e),
        }
    }

    /// The entry whose key is `key`.
    pub fn get(&self, key: &Key) -> Option<MapEntry> {
        match (&self.form, key) {
            (Form::Ints(t), Key::Int(k)) => t.entry(*k),
            (Form::Ints(_), _) => None,
            (Form::General(g), _) => g.get(key).copied(),
        }
    }

    pub fn contains_key(&self, key: &Key) -> bool {
        match (&self.form, key) {
            (Form::Ints(t), Key::Int(k)) => t.value(*k).is_some(),
            (Form::Ints(_), _) => false,
            (Form::General(g), _) => g.contains_key(key),
        }
    }

    /// The value of the entry whose key is the Int `k` (what [`get`] does
    /// for `Key::Int(k)`, without making the key or the entry).
    ///
    /// [`get`]: MapTable::get
    #[inline(always)]
    pub fn find_int(&self, k: i64) -> Option<Value> {
        match &self.form {
            Form::Ints(t) => t.value(k),
            Form::General(g) => g.get(&Key::Int(k)).map(|e| e.value),
        }
    }

    /// Records `some` as the cached `Some(value)` of the entry whose key is
    /// `key` (nothing when there is none).
    pub fn set_some(&mut self, key: &Key, some: ObjRef) {
        match (&mut self.form, key) {
            (Form::Ints(t), Key::Int(k)) => t.set_some(*k, some),
            (Form::Ints(_), _) => {}
            (Form::General(g), _) => {
                if let Some(e) = g.get_mut(key) {
                    e.some = Some(some);
                }
            }
        }
    }

    /// Inserts or replaces the entry of `key`; a replaced entry keeps its
    /// place and is returned.
    pub fn insert(&mut self, key: Key, entry: MapEntry) -> Option<MapEntry> {
        match &mut self.form {
            Form::Ints(t) => {
                if let (Key::Int(k), Value::Int(_), true) =
                    (&key, entry.key, t.len() < MAX_INT_KEYS)
                {
                    return t.insert(*k, entry.value).map(|(value, some)| MapEntry {
                        key: entry.key,
                        value,
                        some,
                    });
                }
                // Another kind of key (or too many): the general form for
                // good.
                let mut general = t.to_general();
                let old = general.insert(key, entry);
                self.form = Form::General(general);
                old
            }
            Form::General(g) => g.insert(key, entry),
        }
    }

    /// [`insert`](MapTable::insert) of the Int key `k` given as
    /// `Value::Int(k)`, without making its image: the value replaced, if
    /// any, and the bytes the table grew by (by its own measure in the Ints
    /// form, a new entry's estimate in the general one).
    #[inline]
    pub fn insert_int(&mut self, k: i64, value: Value) -> (Option<Value>, usize) {
        if let Form::Ints(t) = &self.form {
            if t.len() >= MAX_INT_KEYS {
                self.form = Form::General(t.to_general());
            }
        }
        match &mut self.form {
            Form::Ints(t) => {
                let had = t.bytes();
                let old = t.insert(k, value).map(|(old, _)| old);
                (old, t.bytes().saturating_sub(had))
            }
            Form::General(g) => {
                let old = g
                    .insert(Key::Int(k), MapEntry::new(Value::Int(k), value))
                    .map(|e| e.value);
                (
                    old,
                    if old.is_none() {
                        GENERAL_ENTRY_BYTES
                    } else {
                        0
                    },
                )
            }
        }
    }

    /// Removes the entry of `key`, keeping the order of the others.
    pub fn shift_remove(&mut self, key: &Key) -> Option<MapEntry> {
        match (&mut self.form, key) {
            (Form::Ints(t), Key::Int(k)) => t.remove(*k),
            (Form::Ints(_), _) => None,
            (Form::General(g), _) => g.shift_remove(key),
        }
    }

    /// Calls `f` on every value the table refers to (keys, values and
    /// cached `Some`s), in no particular order: what the collector traces.
    pub fn each_child(&self, mut f: impl FnMut(Value)) {
        match &self.form {
            // Int keys refer to nothing.
            Form::Ints(t) => t.each(|value, some| {
                f(value);
                if let Some(some) = some {
                    f(Value::Obj(some));
                }
            }),
            Form::General(g) => g.values().for_each(|e| {
                f(e.key);
                f(e.value);
                if let Some(some) = e.some {
                    f(Value::Obj(some));
                }
            }),
        }
    }

    /// Whether `other` has exactly the keys of `self`; if so, `f` has seen
    /// the two values of every key (`self`'s first), in `self`'s order. It
    /// stops at the first key `other` lacks.
    pub fn same_keys(&self, other: &MapTable, mut f: impl FnMut(Value, Value)) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut pair = |a: Value, b: Option<Value>| match b {
            Some(b) => {
                f(a, b);
                true
            }
            None => false,
        };
        match &self.form {
            Form::Ints(t) => (0..t.len()).all(|i| match t.entry_at(i) {
                Some(MapEntry {
                    key: Value::Int(k),
                    value,
                    ..
                }) => pair(value, other.find_int(k)),
                _ => false,
            }),
            Form::General(g) => g
                .iter()
                .all(|(k, e)| pair(e.value, other.get(k).map(|o| o.value))),
        }
    }
}

/// No cached object.
const NO_OBJ: u32 = u32::MAX;

fn some_of(raw: u32) -> Option<ObjRef> {
    (raw != NO_OBJ).then_some(ObjRef(raw))
}

/// A value or a hole: 16 bytes, as a `Value`.
type Cell = Option<Value>;
const _: () = assert!(size_of::<Cell>() == 16);

/// The most keys the Ints form holds (an entry's position in the hashed
/// form is a `u32`, and [`FREE`] takes the last one); a map that would
/// have more goes to the general form.
const MAX_INT_KEYS: usize = u32::MAX as usize;

/// The Int keys of a map with their values, in insertion order, in one of
/// two forms:
///
/// - **Dense**, while the keys cover at least half of the range from the
///   smallest to the largest (as Lua keeps such keys in a table's array
///   part): an array of values (or holes) indexed by `key - base`, 16 bytes
///   a slot, found without hashing or probing, and the keys in insertion
///   order beside it.
/// - **Hashed** otherwise: the entries (a key and its value, 24 bytes) in
///   insertion order, and an open-addressing index of links to them (8
///   bytes: the entry's position and 32 bits of its key's hash) with
///   linear probing, at most half full. A lookup reads the links of its
///   probe run, and an entry only where the hash bits agree: nearly always
///   the one it looks for. The links are small so that they stay in the
///   cache when the entries do not: for a million keys they take 16 MB and
///   the entries 24 MB, where slots holding the entries themselves at the
///   same load took 64 MB, twice the last-level cache of the benchmark
///   machine, and lookups in them waited for memory (see `bench/README.md`,
///   "Maps: links beside the entries").
///
/// Hashing is one folded multiplication of the key mixed with a seed drawn
/// once per process (the construction of foldhash): cheap, and a program
/// cannot choose keys that collide without knowing the seed, which nothing
/// shows (iteration follows insertion order). The link's home is the
/// hash's low bits and its tag the high 32.
///
/// Whether the keys are dense is decided, as Lua decides its array part's
/// size, when the hashed form grows (each time its key count doubles); a
/// dense index that a far key would make too sparse, or that removals leave
/// less than a quarter full, turns back into the hashed form. Both are
/// amortised constant time per insertion. Removal keeps the order of the
/// others, so it takes time linear in the map's size in either form.
#[derive(Clone, Debug)]
enum IntIndex {
    Dense(Dense),
    Hashed(Hashed),
}

impl Default for IntIndex {
    fn default() -> IntIndex {
        IntIndex::Hashed(Hashed {
            links: Box::new([]),
            entries: Vec::new(),
            somes: Vec::new(),
            min: i64::MAX,
            max: i64::MIN,
        })
    }
}

#[derive(Clone, Debug)]
struct Dense {
    base: i64,
    /// The value of key `base + i` at `i`, or a hole.
    vals: Vec<Cell>,
    /// The cached `Some` of key `base + i` at `i` ([`NO_OBJ`]): as long as
    /// `vals`, or empty while no `Some` has been cached.
    somes: Vec<u32>,
    /// The keys in insertion order.
    order: Vec<i64>,
}

#[derive(Clone, Debug)]
struct Hashed {
    /// A power of two in length (or empty), at most half of them in use.
    links: Box<[Link]>,
    /// The keys and their values in insertion order.
    entries: Vec<Entry>,
    /// The cached `Some` of the entry at the same position ([`NO_OBJ`]):
    /// as long as `entries`, or empty while no `Some` has been cached.
    somes: Vec<u32>,
    /// At most the smallest and at least the largest key, to tell when
    /// they are dense (removals leave them as they were).
    min: i64,
    max: i64,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    key: i64,
    val: Value,
}

/// A link of the hashed form to the entry at `pos`, whose key's hash has
/// `tag` as its high 32 bits; free when `pos` is `u32::MAX`.
#[derive(Clone, Copy, Debug)]
struct Link {
    pos: u32,
    tag: u32,
}

const FREE: Link = Link {
    pos: u32::MAX,
    tag: 0,
};

/// Whether `len` keys spread over `span` slots are dense enough for the
/// dense form (a few empty slots are allowed on small maps).
fn dense_enough(len: usize, span: u128) -> bool {
    span <= 2 * len as u128 + 8
}

/// Whether a dense index of `len` keys in `slots` slots should turn back
/// into the hashed form (after removals).
fn too_sparse(len: usize, slots: usize) -> bool {
    slots > 64 && len * 4 < slots
}

fn hash(k: i64) -> u64 {
    const MULTIPLE: u64 = 0x9e37_79b9_7f4a_7c15;
    let x = (k as u64) ^ seed();
    let wide = (x as u128) * (MULTIPLE as u128);
    (wide as u64) ^ ((wide >> 64) as u64)
}

impl Dense {
    /// The slot of `k`, if it is within the array.
    #[inline(always)]
    fn slot(&self, k: i64) -> Option<usize> {
        // Below `base` the difference wraps to at least 2^63: past the end.
        let i = usize::try_from((k as u64).wrapping_sub(self.base as u64)).ok()?;
        (i < self.vals.len()).then_some(i)
    }

    fn some(&self, i: usize) -> Option<ObjRef> {
        self.somes.get(i).copied().and_then(some_of)
    }

    /// Adds `k` (not present, and dense enough with the others).
    fn add(&mut self, k: i64, value: Value) {
        if self.vals.is_empty() {
            self.base = k;
        } else if k < self.base {
            // Room below as well as the key, so that keys arriving in
            // falling order do not move the array each time.
            let hi = self.base as i128 + self.vals.len() as i128 - 1;
            let roomy = k.saturating_sub(self.vals.len() as i64);
            let new_base = if dense_enough(self.order.len() + 1, (hi - roomy as i128 + 1) as u128) {
                roomy
            } else {
                k
            };
            let shift = (self.base as i128 - new_base as i128) as usize;
            self.vals.splice(0..0, std::iter::repeat_n(None, shift));
            if !self.somes.is_empty() {
                self.somes.splice(0..0, std::iter::repeat_n(NO_OBJ, shift));
            }
            self.base = new_base;
        }
        let i = (k as i128 - self.base as i128) as usize;
        if i >= self.vals.len() {
            // `resize` grows the array geometrically.
            self.vals.resize(i + 1, None);
            if !self.somes.is_empty() {
                self.somes.resize(i + 1, NO_OBJ);
            }
        }
        self.vals[i] = Some(value);
        self.order.push(k);
    }

    /// The span of keys the array would cover with `k` in it.
    fn span_with(&self, k: i64) -> u128 {
        if self.vals.is_empty() {
            return 1;
        }
        let lo = (self.base as i128).min(k as i128);
        let hi = (self.base as i128 + self.vals.len() as i128 - 1).max(k as i128);
        (hi - lo + 1) as u128
    }

    /// The same keys in the hashed form.
    fn rehashed(&self) -> Hashed {
        let mut entries = Vec::with_capacity(self.order.len());
        let mut somes = Vec::new();
        if !self.somes.is_empty() {
            somes.reserve(self.order.len());
        }
        for &key in &self.order {
            if let Some(i) = self.slot(key) {
                if let Some(val) = self.vals[i] {
                    entries.push(Entry { key, val });
                    if !self.somes.is_empty() {
                        somes.push(self.somes[i]);
                    }
                }
            }
        }
        let mut hashed = Hashed {
            links: Box::new([]),
            min: entries.iter().map(|e| e.key).min().unwrap_or(i64::MAX),
            max: entries.iter().map(|e| e.key).max().unwrap_or(i64::MIN),
            entries,
            somes,
        };
        let mut size = 16;
        while size < hashed.entries.len() * 2 + 2 {
            size *= 2;
        }
        hashed.relink(size);
        hashed
    }
}

impl Hashed {
    /// The position of the entry of `k`.
    #[inline]
    fn find(&self, k: i64) -> Option<usize> {
        let i = self.seek(k, hash(k)).ok()?;
        Some(self.links[i].pos as usize)
    }

    /// The link to the entry of `k` (whose hash is `h`), or else the free
    /// link where its search ended (none when there are no links).
    #[inline]
    fn seek(&self, k: i64, h: u64) -> Result<usize, Option<usize>> {
        if self.links.is_empty() {
            return Err(None);
        }
        let mask = self.links.len() - 1;
        let tag = (h >> 32) as u32;
        let mut i = h as usize & mask;
        loop {
            let link = self.links[i];
            if link.pos == FREE.pos {
                return Err(Some(i));
            }
            if link.tag == tag && self.entries[link.pos as usize].key == k {
                return Ok(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// Links the entry at `pos`, whose key's hash is `h` (with room for
    /// it), from the first free link of its run.
    fn put(links: &mut [Link], h: u64, pos: u32) {
        let mask = links.len() - 1;
        let mut i = h as usize & mask;
        while links[i].pos != FREE.pos {
            i = (i + 1) & mask;
        }
        links[i] = Link {
            pos,
            tag: (h >> 32) as u32,
        };
    }

    /// Builds `size` links (a power of two) to the entries.
    fn relink(&mut self, size: usize) {
        let mut links = vec![FREE; size].into_boxed_slice();
        for (pos, e) in self.entries.iter().enumerate() {
            Hashed::put(&mut links, hash(e.key), pos as u32);
        }
        self.links = links;
    }

    fn some(&self, pos: usize) -> Option<ObjRef> {
        self.somes.get(pos).copied().and_then(some_of)
    }

    /// Removes the entry of `k` and its link, keeping the others' order.
    fn remove(&mut self, k: i64) -> Option<(Value, Option<ObjRef>)> {
        let i = self.seek(k, hash(k)).ok()?;
        let pos = self.links[i].pos;
        // Empty link `i`, moving later links of its run back so that every
        // key stays reachable from its home without tombstones.
        let mask = self.links.len() - 1;
        self.links[i] = FREE;
        let mut hole = i;
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let link = self.links[j];
            if link.pos == FREE.pos {
                break;
            }
            let home = hash(self.entries[link.pos as usize].key) as usize & mask;
            // `link` may fill the hole when the hole lies on its way from
            // its home to where it is (cyclically).
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.links[hole] = link;
                self.links[j] = FREE;
                hole = j;
            }
        }
        let entry = self.entries.remove(pos as usize);
        let some = if self.somes.is_empty() {
            None
        } else {
            some_of(self.somes.remove(pos as usize))
        };
        if (pos as usize) < self.entries.len() {
            for link in self.links.iter_mut() {
                if link.pos != FREE.pos && link.pos > pos {
                    link.pos -= 1;
                }
            }
        }
        Some((entry.val, some))
    }

    /// The same keys in the dense form (they are known to be dense enough,
    /// counting the key about to be added).
    fn densified(&self) -> Dense {
        let (Some(min), Some(max)) = (
            self.entries.iter().map(|e| e.key).min(),
            self.entries.iter().map(|e| e.key).max(),
        ) else {
            return Dense {
                base: 0,
                vals: Vec::new(),
                somes: Vec::new(),
                order: Vec::new(),
            };
        };
        let span = (max as i128 - min as i128 + 1) as usize;
        let mut vals = vec![None; span];
        let mut somes = Vec::new();
        if self.somes.iter().any(|&s| s != NO_OBJ) {
            somes = vec![NO_OBJ; span];
        }
        for (pos, e) in self.entries.iter().enumerate() {
            let i = (e.key as i128 - min as i128) as usize;
            vals[i] = Some(e.val);
            if !somes.is_empty() {
                somes[i] = self.somes[pos];
            }
        }
        Dense {
            base: min,
            vals,
            somes,
            order: self.entries.iter().map(|e| e.key).collect(),
        }
    }
}

impl IntIndex {
    fn len(&self) -> usize {
        match self {
            IntIndex::Dense(d) => d.order.len(),
            IntIndex::Hashed(h) => h.entries.len(),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            IntIndex::Dense(d) => {
                d.vals.capacity() * size_of::<Cell>()
                    + d.somes.capacity() * size_of::<u32>()
                    + d.order.capacity() * size_of::<i64>()
            }
            IntIndex::Hashed(h) => {
                h.links.len() * size_of::<Link>()
                    + h.entries.capacity() * size_of::<Entry>()
                    + h.somes.capacity() * size_of::<u32>()
            }
        }
    }

    /// The value of `k`.
    #[inline(always)]
    fn value(&self, k: i64) -> Option<Value> {
        match self {
            IntIndex::Dense(d) => {
                // Below `base` the difference wraps to at least 2^63.
                let i = usize::try_from((k as u64).wrapping_sub(d.base as u64)).ok()?;
                *d.vals.get(i)?
            }
            IntIndex::Hashed(h) => Some(h.entries[h.find(k)?].val),
        }
    }

    /// The entry of `k`.
    fn entry(&self, k: i64) -> Option<MapEntry> {
        let (value, some) = match self {
            IntIndex::Dense(d) => {
                let i = d.slot(k)?;
                (d.vals[i]?, d.some(i))
            }
            IntIndex::Hashed(h) => {
                let pos = h.find(k)?;
                (h.entries[pos].val, h.some(pos))
            }
        };
        Some(MapEntry {
            key: Value::Int(k),
            value,
            some,
        })
    }

    /// The entry at position `i` of the insertion order.
    fn entry_at(&self, i: usize) -> Option<MapEntry> {
        match self {
            IntIndex::Dense(d) => self.entry(*d.order.get(i)?),
            IntIndex::Hashed(h) => {
                let e = h.entries.get(i)?;
                Some(MapEntry {
                    key: Value::Int(e.key),
                    value: e.val,
                    some: h.some(i),
                })
            }
        }
    }

    fn set_some(&mut self, k: i64, some: ObjRef) {
        match self {
            IntIndex::Dense(d) => {
                if let Some(i) = d.slot(k).filter(|&i| d.vals[i].is_some()) {
                    if d.somes.is_empty() {
                        d.somes = vec![NO_OBJ; d.vals.len()];
                    }
                    d.somes[i] = some.0;
                }
            }
            IntIndex::Hashed(h) => {
                if let Some(pos) = h.find(k) {
                    if h.somes.is_empty() {
                        h.somes = vec![NO_OBJ; h.entries.len()];
                    }
                    h.somes[pos] = some.0;
                }
            }
        }
    }

    /// Inserts or replaces the value of `k` (a new key goes last): a
    /// replaced value is returned with its cached `Some`, which the new
    /// value does not keep.
    fn insert(&mut self, k: i64, value: Value) -> Option<(Value, Option<ObjRef>)> {
        match self {
            IntIndex::Dense(d) => {
                if let Some(i) = d.slot(k) {
                    if let Some(old) = d.vals[i].replace(value) {
                        let some = d.somes.get_mut(i).map(|s| std::mem::replace(s, NO_OBJ));
                        return Some((old, some.and_then(some_of)));
                    }
                    d.order.push(k);
                    return None;
                }
                if !dense_enough(d.order.len() + 1, d.span_with(k)) {
                    *self = IntIndex::Hashed(d.rehashed());
                    return self.insert(k, value);
                }
                d.add(k, value);
                None
            }
            IntIndex::Hashed(h) => {
                let code = hash(k);
                let free = match h.seek(k, code) {
                    Ok(i) => {
                        let pos = h.links[i].pos as usize;
                        let old = std::mem::replace(&mut h.entries[pos].val, value);
                        let some = h.somes.get_mut(pos).map(|s| std::mem::replace(s, NO_OBJ));
                        return Some((old, some.and_then(some_of)));
                    }
                    Err(free) => free,
                };
                h.min = h.min.min(k);
                h.max = h.max.max(k);
                let pos = h.entries.len();
                if (pos + 1) * 2 > h.links.len() {
                    let span = (h.max as i128 - h.min as i128 + 1) as u128;
                    if dense_enough(pos + 1, span) {
                        *self = IntIndex::Dense(h.densified());
                        return self.insert(k, value);
                    }
                    h.relink((h.links.len() * 2).max(16));
                    Hashed::put(&mut h.links, code, pos as u32);
                } else {
                    let link = Link {
                        pos: pos as u32,
                        tag: (code >> 32) as u32,
                    };
                    match free {
                        Some(i) => h.links[i] = link,
                        None => Hashed::put(&mut h.links, code, pos as u32),
                    }
                }
                h.entries.push(Entry { key: k, val: value });
                if !h.somes.is_empty() {
                    h.somes.push(NO_OBJ);
                }
                None
            }
        }
    }

    /// Removes `k`, keeping the order of the others.
    fn remove(&mut self, k: i64) -> Option<MapEntry> {
        let (value, some) = match self {
            IntIndex::Dense(d) => {
                let i = d.slot(k)?;
                let value = d.vals[i].take()?;
                let some = d.somes.get_mut(i).map(|s| std::mem::replace(s, NO_OBJ));
                if let Some(at) = d.order.iter().position(|&x| x == k) {
                    d.order.remove(at);
                }
                if too_sparse(d.order.len(), d.vals.len()) {
                    *self = IntIndex::Hashed(d.rehashed());
                }
                (value, some.and_then(some_of))
            }
            IntIndex::Hashed(h) => h.remove(k)?,
        };
        Some(MapEntry {
            key: Value::Int(k),
            value,
            some,
        })
    }

    /// Calls `f` on every value and its cached `Some`, in no order.
    fn each(&self, mut f: impl FnMut(Value, Option<ObjRef>)) {
        match self {
            IntIndex::Dense(d) => {
                for (i, v) in d.vals.iter().enumerate() {
                    if let Some(v) = v {
                        f(*v, d.some(i));
                    }
                }
            }
            IntIndex::Hashed(h) => {
                for (pos, e) in h.entries.iter().enumerate() {
                    f(e.val, h.some(pos));
                }
            }
        }
    }

    fn to_general(&self) -> KeyMap<MapEntry> {
        let mut general = KeyMap::with_capacity_and_hasher(self.len() + 1, Default::default());
        for entry in (0..self.len()).filter_map(|i| self.entry_at(i)) {
            if let Value::Int(k) = entry.key {
                general.insert(Key::Int(k), entry);
            }
        }
        general
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

    fn entry(k: i64) -> MapEntry {
        MapEntry::new(Value::Int(k), Value::Int(k.wrapping_mul(10)))
    }

    fn form(t: &MapTable) -> &'static str {
        match &t.form {
            Form::Ints(IntIndex::Dense(_)) => "dense",
            Form::Ints(_) => "hashed",
            Form::General(_) => "general",
        }
    }

    fn keys(t: &MapTable) -> Vec<Key> {
        (0..t.len())
            .map(|i| match t.get_index(i).map(|e| e.key) {
                Some(Value::Int(k)) => Key::Int(k),
                Some(Value::Obj(r)) => Key::Fn(r.0),
                other => panic!("unexpected key {other:?}"),
            })
            .collect()
    }

    fn ints(t: &MapTable) -> Vec<i64> {
        t.values()
            .map(|e| match e.key {
                Value::Int(k) => k,
                other => panic!("not an Int key: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn int_keys_keep_insertion_order_and_replacing_keeps_the_place() {
        let mut t = MapTable::default();
        let keys: Vec<i64> = (0..1000).map(|i| (i * 7919) % 1009 - 500).collect();
        for &k in &keys {
            assert!(t.insert(Key::Int(k), entry(k)).is_none());
        }
        assert_eq!(form(&t), "dense");
        assert_eq!(ints(&t), keys);
        for &k in &keys {
            assert_eq!(t.find_int(k), Some(Value::Int(k * 10)));
            assert_eq!(t.get(&Key::Int(k)).map(|e| e.key), Some(Value::Int(k)));
        }
        assert_eq!(t.find_int(100_000), None);
        assert!(t.get(&Key::Str("x".into())).is_none());
        assert!(!t.contains_key(&Key::Str("x".into())));
        // Replacing keeps the place and forgets the cached `Some`.
        t.set_some(&Key::Int(keys[3]), ObjRef(7));
        assert_eq!(
            t.get(&Key::Int(keys[3])).and_then(|e| e.some),
            Some(ObjRef(7))
        );
        let old = t.insert(
            Key::Int(keys[3]),
            MapEntry::new(Value::Int(keys[3]), Value::Int(1)),
        );
        assert_eq!(
            old.map(|e| (e.value, e.some)),
            Some((Value::Int(keys[3] * 10), Some(ObjRef(7))))
        );
        assert_eq!(t.get(&Key::Int(keys[3])).and_then(|e| e.some), None);
        assert_eq!(t.get_index(3).map(|e| e.value), Some(Value::Int(1)));
        assert_eq!(ints(&t), keys);
    }

    #[test]
    fn removal_keeps_the_order_and_a_reinserted_key_goes_last() {
        for far in [false, true] {
            let mut t: MapTable = (0..100).map(|k| (Key::Int(k), entry(k))).collect();
            if far {
                // The hashed form: the same, with one far key at the end.
                t.insert(Key::Int(1 << 40), entry(1 << 40));
                assert_eq!(form(&t), "hashed");
            } else {
                assert_eq!(form(&t), "dense");
            }
            t.set_some(&Key::Int(60), ObjRef(5));
            let removed = t.shift_remove(&Key::Int(10));
            assert_eq!(
                removed.map(|e| (e.key, e.value)),
                Some((Value::Int(10), Value::Int(100)))
            );
            assert!(t.shift_remove(&Key::Int(10)).is_none());
            assert_eq!(t.find_int(10), None);
            assert_eq!(t.get_index(10).map(|e| e.key), Some(Value::Int(11)));
            assert_eq!(t.get(&Key::Int(60)).and_then(|e| e.some), Some(ObjRef(5)));
            assert!(t.insert(Key::Int(10), entry(10)).is_none());
            let n = t.len();
            assert_eq!(t.get_index(n - 1).map(|e| e.key), Some(Value::Int(10)));
            let mut want: Vec<i64> = (0..100).filter(|&k| k != 10).collect();
            if far {
                want.push(1 << 40);
            }
            want.push(10);
            assert_eq!(ints(&t), want);
        }
    }

    #[test]
    fn another_kind_of_key_makes_the_general_form_with_everything_kept() {
        let mut t: MapTable = (0..50).rev().map(|k| (Key::Int(k), entry(k))).collect();
        t.set_some(&Key::Int(7), ObjRef(3));
        let before: Vec<MapEntry> = t.values().collect();
        assert!(t
            .insert(
                Key::Str("s".into()),
                MapEntry::new(Value::Obj(ObjRef(9)), Value::Int(1))
            )
            .is_none());
        assert_eq!(form(&t), "general");
        let after: Vec<MapEntry> = t.values().collect();
        assert_eq!(after.len(), 51);
        for (a, b) in before.iter().zip(&after) {
            assert_eq!((a.key, a.value, a.some), (b.key, b.value, b.some));
        }
        assert_eq!(t.find_int(7), Some(Value::Int(70)));
        assert_eq!(t.get(&Key::Int(7)).and_then(|e| e.some), Some(ObjRef(3)));
        assert_eq!(t.get_index(50).map(|e| e.value), Some(Value::Int(1)));
        // Removing the other key leaves the general form.
        t.shift_remove(&Key::Str("s".into()));
        assert_eq!(form(&t), "general");
        assert_eq!(t.find_int(49), Some(Value::Int(490)));
        // A key given as something other than an Int value (whose image is
        // an Int) goes to the general form too, replacing the entry.
        let mut c: MapTable = (0..5).map(|k| (Key::Int(k), entry(k))).collect();
        let old = c.insert(
            Key::Int(2),
            MapEntry::new(Value::Obj(ObjRef(4)), Value::Int(-1)),
        );
        assert_eq!(old.map(|e| e.value), Some(Value::Int(20)));
        assert_eq!(form(&c), "general");
        assert_eq!(keys(&c).len(), 5);
        assert_eq!(c.get_index(2).map(|e| e.value), Some(Value::Int(-1)));
    }

    #[test]
    fn dense_keys_in_any_order_get_the_dense_form_and_a_far_key_undoes_it() {
        // Scattered over 0..1009, as Lua would keep them in an array part.
        let keys: Vec<i64> = (0..1009).map(|i| (i * 7919) % 1009).collect();
        let mut t = MapTable::default();
        for &k in &keys {
            t.insert(Key::Int(k), entry(k));
        }
        assert_eq!(form(&t), "dense");
        assert_eq!(t.find_int(-1), None);
        assert_eq!(t.find_int(1009), None);
        assert_eq!(t.find_int(i64::MIN), None);
        assert_eq!(t.find_int(i64::MAX), None);
        // Falling negative keys below the range stay dense.
        for k in (-300..0).rev() {
            t.insert(Key::Int(k), entry(k));
        }
        assert_eq!(form(&t), "dense");
        assert_eq!(
            t.get_index(1009 + 299).map(|e| e.key),
            Some(Value::Int(-300))
        );
        assert_eq!(t.find_int(-300), Some(Value::Int(-3000)));
        t.set_some(&Key::Int(keys[5]), ObjRef(9));
        // A far key makes them sparse: hashed, with every value and cached
        // `Some` kept.
        t.insert(Key::Int(i64::MAX), entry(0));
        assert_eq!(form(&t), "hashed");
        assert_eq!(
            t.get(&Key::Int(keys[5])).and_then(|e| e.some),
            Some(ObjRef(9))
        );
        for &k in keys.iter().chain(&[-300, -1]) {
            assert_eq!(t.find_int(k), Some(Value::Int(k * 10)));
        }
        assert_eq!(t.get_index(1309).map(|e| e.key), Some(Value::Int(i64::MAX)));
        assert_eq!(t.find_int(i64::MAX - 1), None);
    }

    #[test]
    fn removals_that_leave_a_dense_index_sparse_turn_it_hashed() {
        let mut t: MapTable = (0..1000).map(|k| (Key::Int(k), entry(k))).collect();
        t.set_some(&Key::Int(999), ObjRef(1));
        for k in 0..800 {
            assert!(t.shift_remove(&Key::Int(k)).is_some());
        }
        assert_eq!(form(&t), "hashed");
        assert_eq!(ints(&t), (800..1000).collect::<Vec<_>>());
        assert_eq!(t.get(&Key::Int(999)).and_then(|e| e.some), Some(ObjRef(1)));
        for k in 0..800 {
            assert_eq!(t.find_int(k), None);
        }
        // Growing again over a dense range makes it dense again.
        for k in 0..800 {
            t.insert(Key::Int(k), entry(k));
        }
        assert_eq!(form(&t), "dense");
        assert_eq!(t.find_int(5), Some(Value::Int(50)));
        assert_eq!(t.get(&Key::Int(999)).and_then(|e| e.some), Some(ObjRef(1)));
    }

    #[test]
    fn extreme_keys_neither_overflow_nor_go_dense() {
        let extremes = [i64::MIN, i64::MAX, 0, -1, i64::MIN + 1];
        let t: MapTable = extremes.iter().map(|&k| (Key::Int(k), entry(k))).collect();
        assert_eq!(form(&t), "hashed");
        assert_eq!(ints(&t), extremes);
        for k in extremes {
            assert_eq!(t.find_int(k), Some(Value::Int(k.wrapping_mul(10))));
        }
        let top = [i64::MAX, i64::MAX - 1, i64::MAX - 2];
        let mut d: MapTable = top.iter().map(|&k| (Key::Int(k), entry(0))).collect();
        assert_eq!(form(&d), "dense");
        assert_eq!(d.find_int(i64::MAX - 1), Some(Value::Int(0)));
        assert_eq!(d.find_int(i64::MIN), None);
        d.insert(Key::Int(i64::MIN), entry(0));
        assert_eq!(form(&d), "hashed");
        let bottom: MapTable = [i64::MIN + 2, i64::MIN, i64::MIN + 1]
            .iter()
            .map(|&k| (Key::Int(k), entry(0)))
            .collect();
        assert_eq!(form(&bottom), "dense");
        assert_eq!(bottom.find_int(i64::MIN), Some(Value::Int(0)));
        assert_eq!(bottom.find_int(i64::MAX), None);
    }

    #[test]
    fn equal_tables_pair_their_values_whatever_their_forms() {
        let a: MapTable = (0..100).map(|k| (Key::Int(k), entry(k))).collect();
        let mut b: MapTable = (0..100).rev().map(|k| (Key::Int(k), entry(k))).collect();
        b.insert(Key::Str("x".into()), entry(0));
        b.shift_remove(&Key::Str("x".into()));
        assert_eq!(form(&b), "general");
        for (p, q) in [(&a, &b), (&b, &a)] {
            let mut pairs = 0;
            assert!(p.same_keys(q, |x, y| {
                assert_eq!(x, y);
                pairs += 1;
            }));
            assert_eq!(pairs, 100);
        }
        let mut c = a.clone();
        c.shift_remove(&Key::Int(3));
        c.insert(Key::Int(1000), entry(3));
        assert!(!a.same_keys(&c, |_, _| {}));
        assert!(!c.same_keys(&b, |_, _| {}));
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    #[test]
    fn random_operations_agree_with_a_plain_list_in_every_form() {
        // Key spaces: dense, sparse, dense with far outliers, negative.
        let spaces: [fn(u64) -> i64; 4] = [
            |r| (r % 300) as i64,
            |r| (r % 300) as i64 * 1_000_003,
            |r| {
                if r % 50 == 0 {
                    i64::MAX - (r % 3) as i64
                } else {
                    (r % 200) as i64
                }
            },
            |r| -((r % 250) as i64),
        ];
        for (s, space) in spaces.iter().enumerate() {
            let mut rng = Rng(0x9e37_79b9 + s as u64);
            let mut t = MapTable::default();
            // Each key's value and cached `Some`, in insertion order.
            let mut model: Vec<(i64, i64, Option<ObjRef>)> = Vec::new();
            let mut forms = std::collections::BTreeSet::new();
            for step in 0..6000 {
                let k = space(rng.below(1 << 30));
                let op = rng.below(10);
                if op < 6 {
                    let v = step as i64;
                    // Both ways in: `insert_int` on odd steps.
                    let old = if step % 2 == 1 {
                        let had = t.heap_bytes();
                        let (old, grown) = t.insert_int(k, Value::Int(v));
                        if t.int_keyed() {
                            assert_eq!(grown, t.heap_bytes().saturating_sub(had));
                        } else {
                            assert_eq!(
                                grown,
                                if old.is_none() {
                                    GENERAL_ENTRY_BYTES
                                } else {
                                    0
                                }
                            );
                        }
                        old.map(|value| (value, None))
                    } else {
                        t.insert(Key::Int(k), MapEntry::new(Value::Int(k), Value::Int(v)))
                            .map(|e| (e.value, Some(e.some)))
                    };
                    match model.iter_mut().find(|(mk, _, _)| *mk == k) {
                        Some((_, mv, ms)) => {
                            let (value, some) = old.expect("a replaced entry");
                            assert_eq!(value, Value::Int(*mv));
                            if let Some(some) = some {
                                assert_eq!(some, *ms);
                            }
                            // The new value does not keep the old `Some`.
                            *mv = v;
                            *ms = None;
                        }
                        None => {
                            assert!(old.is_none());
                            model.push((k, v, None));
                        }
                    }
                } else if op < 9 {
                    let removed = t.shift_remove(&Key::Int(k)).map(|e| (e.value, e.some));
                    let at = model.iter().position(|(mk, _, _)| *mk == k);
                    let want = at
                        .map(|i| model.remove(i))
                        .map(|(_, v, s)| (Value::Int(v), s));
                    assert_eq!(removed, want);
                } else {
                    let found = model.iter_mut().find(|(mk, _, _)| *mk == k);
                    let value = found.as_ref().map(|(_, v, _)| Value::Int(*v));
                    assert_eq!(t.find_int(k), value);
                    assert_eq!(t.contains_key(&Key::Int(k)), value.is_some());
                    assert_eq!(
                        t.get(&Key::Int(k)).map(|e| e.some),
                        found.as_ref().map(|(_, _, s)| *s)
                    );
                    // Cache a `Some` for the key (nothing when it is absent).
                    let some = ObjRef(step);
                    t.set_some(&Key::Int(k), some);
                    if let Some((_, _, s)) = found {
                        *s = Some(some);
                    }
                }
                if step == 4000 && s == 0 {
                    // The general form from here on.
                    t.insert(
                        Key::Str("s".into()),
                        MapEntry::new(Value::Unit, Value::Unit),
                    );
                    t.shift_remove(&Key::Str("s".into()));
                }
                forms.insert(form(&t));
                if step % 500 == 0 {
                    let got: Vec<(Value, Value, Option<ObjRef>)> =
                        t.values().map(|e| (e.key, e.value, e.some)).collect();
                    let want: Vec<(Value, Value, Option<ObjRef>)> = model
                        .iter()
                        .map(|&(k, v, s)| (Value::Int(k), Value::Int(v), s))
                        .collect();
                    assert_eq!(got, want, "space {s}, step {step}");
                    let mut children = 0;
                    t.each_child(|_| children += 1);
                    assert!(children >= model.len());
                }
            }
            assert_eq!(t.len(), model.len());
            println!("space {s}: forms {forms:?}");
        }
    }
}
