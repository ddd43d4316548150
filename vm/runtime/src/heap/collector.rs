//! The collector: a precise mark-and-sweep over the heap's slots.
//! [`Heap::collect`] marks everything reachable from the roots it is given
//! with an explicit work list (deep structures cannot overflow the host
//! stack), then frees every unmarked slot into the free list that later
//! allocations reuse; [`Heap::check_invariants`] checks what a collection
//! leaves behind (stress mode runs it after every collection).

use super::{Heap, MIN_THRESHOLD};
use crate::value::Value;

impl Heap {
    /// Frees every object not reachable from `roots`; returns whether the
    /// live data fits the heap limit.
    pub fn collect(&mut self, roots: impl IntoIterator<Item = Value>) -> bool {
        self.char_index = None;
        let mut marks = vec![false; self.slots.len()];
        let mut work: Vec<u32> = Vec::new();
        let push = |v: Value, marks: &mut Vec<bool>, work: &mut Vec<u32>| {
            if let Value::Obj(r) = v {
                if let Some(m) = marks.get_mut(r.0 as usize) {
                    if !*m {
                        *m = true;
                        work.push(r.0);
                    }
                }
            }
        };
        for v in roots {
            push(v, &mut marks, &mut work);
        }
        while let Some(i) = work.pop() {
            if let Some(Some(o)) = self.slots.get(i as usize) {
                o.each_child(|c| push(c, &mut marks, &mut work));
            }
        }
        let mut live = 0;
        let objects_before = self.live_objects;
        self.live_objects = 0;
        for (i, slot) in self.slots.iter_mut().enumerate() {
            match slot {
                Some(o) if marks[i] => {
                    live += o.size();
                    self.live_objects += 1;
                }
                Some(_) => {
                    *slot = None;
                    self.free.push(i as u32);
                }
                None => {}
            }
        }
        self.stats.collections += 1;
        self.stats.freed_objects += (objects_before - self.live_objects) as u64;
        self.stats.live_bytes = live;
        self.stats.heap_bytes = live;
        self.stats.allocated_before += self.allocated_since as u64;
        self.allocated_since = 0;
        self.requested = false;
        self.due = false;
        self.threshold = live.max(MIN_THRESHOLD);
        self.fits(live)
    }

    /// Checks the collector's invariants right after a collection, given
    /// the same roots: every root and every child of a live object names a
    /// live slot (nothing reachable was freed), the free list names exactly
    /// the empty slots, once each, and the live count is right. Stress mode
    /// runs it after every collection (see `Vm`), so a missing root shows up
    /// in the tests as an error instead of a later wrong result.
    pub fn check_invariants(&self, roots: &[Value]) -> Result<(), String> {
        let live = |v: Value| match v {
            Value::Obj(r) => self.get(r).is_some(),
            _ => true,
        };
        if let Some(bad) = roots.iter().find(|v| !live(**v)) {
            return Err(format!("a root names a freed object: {bad:?}"));
        }
        let mut count = 0;
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(o) = slot {
                count += 1;
                let mut dangling = None;
                o.each_child(|c| {
                    if !live(c) {
                        dangling = Some(c);
                    }
                });
                if let Some(c) = dangling {
                    return Err(format!("object #{i} refers to a freed object: {c:?}"));
                }
            }
        }
        if count != self.live_objects {
            return Err(format!(
                "{count} live objects, but the heap counts {}",
                self.live_objects
            ));
        }
        let mut free = vec![false; self.slots.len()];
        for &f in &self.free {
            let i = f as usize;
            if i >= self.slots.len() || self.slots[i].is_some() || free[i] {
                return Err(format!("the free list names slot #{i} wrongly"));
            }
            free[i] = true;
        }
        if self.free.len() + count != self.slots.len() {
            return Err("an empty slot is missing from the free list".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod invariant_tests {
    use super::*;
    use crate::heap::{GcConfig, Object};

    /// The checker notices a root the collector was not given.
    #[test]
    fn a_missing_root_breaks_an_invariant() {
        let mut heap = Heap::new(GcConfig::default());
        let inner = heap.alloc_str("inner");
        let outer = heap.alloc(Object::Array(vec![inner]));
        heap.collect([outer]);
        assert_eq!(heap.check_invariants(&[outer]), Ok(()));
        heap.collect([]);
        let broken = heap
            .check_invariants(&[outer])
            .expect_err("outer was freed");
        assert!(broken.contains("freed"), "{broken}");
    }
}
