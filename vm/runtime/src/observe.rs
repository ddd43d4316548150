//! Observing a running program: the dispatch loop's hooks ([`Hooks`]), and
//! the observers built on them, the profiler ([`Profiler`]: folded
//! stacks of instructions executed or bytes allocated, and flame graphs of
//! them with inferno), coverage ([`Coverage`]: lcov tracefiles of line
//! and function counts) and the run's totals ([`Stats`], `--stats`), and
//! which of them a run has and the files they write ([`ObserveOptions`];
//! the options that choose them are parsed in the `mvm` crate's `options`).
//!
//! The dispatch loop is generic over its hooks and monomorphised: a run
//! without observers uses [`NoHooks`], whose `ACTIVE` is false, so the
//! calls compile away and the loop is the one it was before hooks existed.
//! With observers, [`Hooks::step`] runs before every instruction. Counts
//! are of instructions, never of time, so profiles and coverage are
//! deterministic; an instruction that a slice's budget defers (it runs
//! again when the fiber resumes) is [`Hooks::retract`]ed, so they do not
//! depend on slicing either.

use crate::fiber::Frame;
use crate::heap::Heap;
use crate::host::Host;
use crate::interp::{Outcome, Vm, VmConfig};
use crate::native::NativeRegistry;
use crate::program::LoadError;
use mvm_bytecode::{Module, Op};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// What the dispatch loop reports to an observer.
pub trait Hooks {
    /// Whether the hooks do anything. The loop tests it (a constant) before
    /// every call, so a `false` costs nothing.
    const ACTIVE: bool;

    /// Before instruction `pc` (`op`) of function `func` runs; `frames` is
    /// the call stack, the running function's frame last (its `pc` field
    /// is not kept up to date).
    #[inline(always)]
    fn step(&mut self, _func: usize, _pc: usize, _op: &Op, _frames: &[Frame], _heap: &Heap) {}

    /// The instruction last stepped did not run after all: the slice ended
    /// before it, and it runs (and is stepped) again when the fiber resumes.
    #[inline(always)]
    fn retract(&mut self, _func: usize, _pc: usize) {}

    /// A slice ended (after its last instruction).
    #[inline(always)]
    fn pause(&mut self, _heap: &Heap) {}

    /// A call entered function `func` (its frame is pushed; `step` sees
    /// its first instruction next).
    fn call(&mut self, _func: usize) {}

    /// A native is about to be called (once, however often its work is
    /// retried after a collection).
    fn native(&mut self, _native: usize) {}

    /// The run ended, however it ended ([`Vm::run_to_end_observed`]).
    fn finish(&mut self, _vm: &Vm) {}
}

/// No observer: every hook is empty and compiled away.
pub struct NoHooks;

impl Hooks for NoHooks {
    const ACTIVE: bool = false;
}

/// Any observers that are switched on, for `mvlc run --profile ...
/// --coverage ...` together.
#[derive(Default)]
pub struct Observers {
    pub profiler: Option<Profiler>,
    pub coverage: Option<Coverage>,
    pub stats: Option<Stats>,
}

impl Observers {
    /// Loads and runs `module` to the end under these observers (see
    /// [`crate::run_module_observed`]). With `--stats` alone the loop is
    /// the one monomorphised for [`Stats`], whose per-instruction hooks
    /// are empty, so that counting calls costs little more than a run
    /// without it.
    pub fn run_module(
        &mut self,
        module: Module,
        natives: &NativeRegistry,
        config: VmConfig,
        host: &mut dyn Host,
    ) -> Result<Outcome, LoadError> {
        match self {
            Observers {
                profiler: None,
                coverage: None,
                stats: Some(stats),
            } => crate::run_module_observed(module, natives, config, host, stats),
            _ => crate::run_module_observed(module, natives, config, host, self),
        }
    }
}

impl Hooks for Observers {
    const ACTIVE: bool = true;

    fn step(&mut self, func: usize, pc: usize, op: &Op, frames: &[Frame], heap: &Heap) {
        if let Some(p) = &mut self.profiler {
            p.step(func, pc, op, frames, heap);
        }
        if let Some(c) = &mut self.coverage {
            c.step(func, pc, op, frames, heap);
        }
    }

    fn retract(&mut self, func: usize, pc: usize) {
        if let Some(p) = &mut self.profiler {
            p.retract(func, pc);
        }
        if let Some(c) = &mut self.coverage {
            c.retract(func, pc);
        }
    }

    fn pause(&mut self, heap: &Heap) {
        if let Some(p) = &mut self.profiler {
            p.pause(heap);
        }
    }

    fn call(&mut self, func: usize) {
        if let Some(s) = &mut self.stats {
            s.call(func);
        }
    }

    fn native(&mut self, native: usize) {
        if let Some(s) = &mut self.stats {
            s.native(native);
        }
    }

    fn finish(&mut self, vm: &Vm) {
        if let Some(s) = &mut self.stats {
            s.finish(vm);
        }
    }
}

// ---------------------------------------------------------------------------
// The run's totals.

/// What `--stats` prints: totals of one run, all deterministic (the same
/// program, input and seed give the same numbers, whatever the slicing,
/// the machine's load or when the collector runs).
///
/// Only the calls are counted by hooks; instructions come from the fuel
/// accounting the loop keeps anyway ([`Vm::instructions`]) and
/// allocations from the heap's counters ([`Vm::allocations`]), so a run
/// without `--stats` pays nothing for them, and one with it only an
/// increment per call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Instructions executed (a native call counts one; the work charged
    /// inside it, as fuel, does not).
    pub instructions: u64,
    /// Calls of bytecode functions and closures (`call`, `callv`); the
    /// entry function is not called by an instruction and is not counted.
    pub calls: u64,
    /// Calls of natives (`calln`).
    pub native_calls: u64,
    /// Heap objects allocated, freed since or not (those made at load for
    /// the module's constants are not counted).
    pub allocations: u64,
    /// Bytes allocated: objects, and containers growing (the heap's
    /// estimate, as `--profile-alloc` counts them).
    pub allocated_bytes: u64,
}

impl Stats {
    /// The lines `--stats` prints on stderr.
    pub fn report(&self) -> String {
        format!(
            "instructions: {}\ncalls: {}\nnative calls: {}\nallocations: {}\nallocated bytes: {}\n",
            self.instructions,
            self.calls,
            self.native_calls,
            self.allocations,
            self.allocated_bytes
        )
    }
}

impl Hooks for Stats {
    const ACTIVE: bool = true;

    fn call(&mut self, _func: usize) {
        self.calls += 1;
    }

    fn native(&mut self, _native: usize) {
        self.native_calls += 1;
    }

    fn finish(&mut self, vm: &Vm) {
        self.instructions = vm.instructions();
        self.allocations = vm.allocations();
        self.allocated_bytes = vm.allocated_bytes();
    }
}

// ---------------------------------------------------------------------------
// The profiler.

/// A frame of a profiled stack: a function, or a native called from one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Callee {
    Func(u32),
    Native(u32),
    /// A function the compiler inlined into function `func`: frame `frame`
    /// of its inline-frame entry `entry` (`Function::inlined`).
    Inline {
        func: u32,
        entry: u32,
        frame: u32,
    },
}

/// One call path: its last frame and the path it extends.
struct Node {
    parent: usize,
    callee: Callee,
    instructions: u64,
    bytes: u64,
}

/// What a profile counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Instructions executed in each stack (natives count one, the call).
    Instructions,
    /// Bytes allocated in each stack (a native's own allocations in a frame
    /// of its name above its caller's).
    Bytes,
}

/// Counts instructions executed and bytes allocated per call stack.
pub struct Profiler {
    /// Every call path seen; node 0 is the root, above `main`'s caller.
    nodes: Vec<Node>,
    children: HashMap<(usize, Callee), usize>,
    /// The running path, one node per frame, below the frames of the
    /// functions inlined where the frame is (see `base`).
    stack: Vec<usize>,
    /// The running path's node of each frame's own function, above which
    /// `stack` adds the inlined functions' frames.
    base: Vec<usize>,
    /// Per function, its inline-frame entries' ranges of instructions,
    /// and how many frames each has.
    inlined: Vec<Vec<(u32, u32)>>,
    frame_counts: Vec<Vec<usize>>,
    /// The heap's allocation total at the last step, and where bytes
    /// allocated since then belong.
    allocated: u64,
    pending: usize,
}

impl Profiler {
    /// A profiler of `module`'s code, whose stacks show the functions
    /// inlined into others as frames of their own, as stack traces do.
    pub fn new(module: &Module) -> Profiler {
        Profiler {
            nodes: vec![Node {
                parent: 0,
                callee: Callee::Func(u32::MAX),
                instructions: 0,
                bytes: 0,
            }],
            children: HashMap::new(),
            stack: Vec::new(),
            base: Vec::new(),
            inlined: module
                .functions
                .iter()
                .map(|f| f.inlined.iter().map(|e| (e.start, e.end)).collect())
                .collect(),
            frame_counts: module
                .functions
                .iter()
                .map(|f| f.inlined.iter().map(|e| e.frames.len()).collect())
                .collect(),
            allocated: 0,
            pending: 0,
        }
    }

    fn child(&mut self, parent: usize, callee: Callee) -> usize {
        if let Some(&n) = self.children.get(&(parent, callee)) {
            return n;
        }
        self.nodes.push(Node {
            parent,
            callee,
            instructions: 0,
            bytes: 0,
        });
        let n = self.nodes.len() - 1;
        self.children.insert((parent, callee), n);
        n
    }

    /// `base`, the node of a frame of function `func` executing
    /// instruction `pc`, with the frames of the functions inlined there
    /// above it, outermost first.
    fn expand(&mut self, base: usize, func: usize, pc: usize) -> usize {
        let Some(ranges) = self.inlined.get(func) else {
            return base;
        };
        let k = ranges.partition_point(|r| r.0 as usize <= pc);
        let Some(entry) = k.checked_sub(1).filter(|&e| ranges[e].1 as usize > pc) else {
            return base;
        };
        let frames = self.frames_of(func, entry);
        let mut at = base;
        for frame in (0..frames).rev() {
            at = self.child(
                at,
                Callee::Inline {
                    func: func as u32,
                    entry: entry as u32,
                    frame: frame as u32,
                },
            );
        }
        at
    }

    /// How many frames inline entry `entry` of function `func` has.
    fn frames_of(&self, func: usize, entry: usize) -> usize {
        self.frame_counts
            .get(func)
            .and_then(|c| c.get(entry))
            .copied()
            .unwrap_or(0)
    }

    /// The node of the running stack, brought in line with `frames` (the
    /// running frame's function `func` at instruction `pc`).
    fn current(&mut self, func: usize, pc: usize, frames: &[Frame]) -> usize {
        let depth = frames.len();
        if depth == 0 {
            return 0;
        }
        let top_is = |p: &Profiler, f: usize| {
            p.base
                .last()
                .is_some_and(|&n| p.nodes[n].callee == Callee::Func(f as u32))
        };
        if self.base.len() == depth && self.stack.len() == depth && top_is(self, func) {
            let node = self.expand(self.base[depth - 1], func, pc);
            self.stack[depth - 1] = node;
            return node;
        }
        // A call: one frame more, the caller's path (at its call) below it.
        if depth >= 2
            && self.base.len() == depth - 1
            && self.stack.len() == depth - 1
            && top_is(self, frames[depth - 2].func as usize)
        {
            let top = self.stack[depth - 2];
            let b = self.child(top, Callee::Func(func as u32));
            let n = self.expand(b, func, pc);
            self.base.push(b);
            self.stack.push(n);
            return n;
        }
        // A return, or anything else: rebuild the path from the frames.
        self.base.clear();
        self.stack.clear();
        let mut at = 0;
        for (i, f) in frames.iter().enumerate() {
            let (f, at_pc) = if i + 1 == depth {
                (func, pc)
            } else {
                // A caller is at its call, the instruction before `pc`.
                (f.func as usize, (f.pc as usize).saturating_sub(1))
            };
            let b = self.child(at, Callee::Func(f as u32));
            at = self.expand(b, f, at_pc);
            self.base.push(b);
            self.stack.push(at);
        }
        at
    }

    fn settle(&mut self, heap: &Heap) {
        let total = heap.allocated_bytes();
        if total > self.allocated {
            self.nodes[self.pending].bytes += total - self.allocated;
        }
        self.allocated = total;
    }

    /// The profile in the folded format (`main;parse;expr 1234`), one line
    /// per stack with a non-zero count, sorted.
    pub fn folded(&self, module: &Module, measure: Measure) -> String {
        let name = |c: Callee| -> String {
            let raw = match c {
                Callee::Func(f) => module
                    .functions
                    .get(f as usize)
                    .map_or("?", |f| f.name.as_str()),
                Callee::Native(n) => module.natives.get(n as usize).map_or("?", |n| n.as_str()),
                Callee::Inline { func, entry, frame } => module
                    .functions
                    .get(func as usize)
                    .and_then(|f| f.inlined.get(entry as usize))
                    .and_then(|e| e.frames.get(frame as usize))
                    .map_or("?", |fr| fr.function.as_str()),
            };
            // `;` separates frames and the last space the count.
            raw.replace([';', ' '], "_")
        };
        let mut stacks: BTreeMap<String, u64> = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate().skip(1) {
            let count = match measure {
                Measure::Instructions => node.instructions,
                Measure::Bytes => node.bytes,
            };
            if count == 0 {
                continue;
            }
            let mut path = Vec::new();
            let mut at = i;
            while at != 0 {
                path.push(name(self.nodes[at].callee));
                at = self.nodes[at].parent;
            }
            path.reverse();
            *stacks.entry(path.join(";")).or_default() += count;
        }
        let mut out = String::new();
        for (stack, count) in stacks {
            let _ = writeln!(out, "{stack} {count}");
        }
        out
    }

    /// The instructions counted in all (the VM's own count of them).
    pub fn total_instructions(&self) -> u64 {
        self.nodes.iter().map(|n| n.instructions).sum()
    }
}

/// A flame graph (SVG) of a folded profile, drawn by inferno.
pub fn flame_graph(folded: &str, title: &str, count_name: &str) -> std::io::Result<Vec<u8>> {
    let mut options = inferno::flamegraph::Options::default();
    options.title = title.to_string();
    options.count_name = count_name.to_string();
    // Colours from the names, not at random: the same profile draws the same.
    options.hash = true;
    options.deterministic = true;
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)?;
    Ok(svg)
}

impl Hooks for Profiler {
    const ACTIVE: bool = true;

    fn step(&mut self, func: usize, pc: usize, op: &Op, frames: &[Frame], heap: &Heap) {
        self.settle(heap);
        let node = self.current(func, pc, frames);
        self.nodes[node].instructions += 1;
        self.pending = match *op {
            Op::CallNative { native, .. } => self.child(node, Callee::Native(native.0)),
            _ => node,
        };
    }

    fn retract(&mut self, _func: usize, _pc: usize) {
        if let Some(&n) = self.stack.last() {
            self.nodes[n].instructions -= 1;
        }
    }

    fn pause(&mut self, heap: &Heap) {
        self.settle(heap);
    }
}

// ---------------------------------------------------------------------------
// Coverage.

/// Counts how often each instruction runs and each function is entered.
pub struct Coverage {
    /// Per function, per instruction.
    counts: Vec<Vec<u64>>,
    /// Per function: calls (entries into a new frame, and entries into
    /// its body where the compiler inlined it).
    entries: Vec<u64>,
    /// The stack depth at the last step.
    depth: usize,
    /// Per function, per inline-frame entry: its range of instructions and
    /// per frame, innermost first, the inlined call it stands for (an id,
    /// the same for every entry of one call: its function, file and line
    /// and those of the calls around it) and the function it inlined (by
    /// name and file; `None` when the module does not hold it).
    inlined: Vec<Vec<InlinedRange>>,
    /// Per frame of the running stack: its function and the inline-frame
    /// entry of its last instruction.
    last: Vec<(usize, Option<usize>)>,
}

/// One inline-frame entry, as [`Coverage`] reads it.
struct InlinedRange {
    start: u32,
    end: u32,
    calls: Vec<(usize, Option<usize>)>,
}

impl Coverage {
    pub fn new(module: &Module) -> Coverage {
        Coverage {
            counts: module
                .functions
                .iter()
                .map(|f| vec![0; f.code.len()])
                .collect(),
            entries: vec![0; module.functions.len()],
            depth: 0,
            inlined: inlined_ranges(module),
            last: Vec::new(),
        }
    }

    /// Line and function coverage as an lcov tracefile: a record per
    /// source file (files named `<...>`, the prelude's, have no source and
    /// are left out). A line's count is how many times its most executed
    /// instruction ran, which is how often the line ran when it is straight
    /// code; a function's, how many times it was called. Code the compiler
    /// inlined counts at its own lines, in the file of the innermost
    /// function inlined there (its inline-frame entry), and entering it is a
    /// call of that function. `path` turns a module's file name
    /// into the path to write (such as an absolute one).
    pub fn lcov(&self, module: &Module, path: impl Fn(&str) -> String) -> String {
        let mut out = String::from("TN:\n");
        for (file_index, file) in module.files.iter().enumerate() {
            if file.starts_with('<') {
                continue;
            }
            let mut lines: BTreeMap<u32, u64> = BTreeMap::new();
            let mut functions: Vec<(u32, String, u64)> = Vec::new();
            for (fi, f) in module.functions.iter().enumerate() {
                let own = f.file as usize == file_index;
                // Code inlined from this file into a function of another.
                let inlined_here = f.inlined.iter().any(|e| {
                    e.frames
                        .first()
                        .is_some_and(|fr| fr.file as usize == file_index)
                });
                if !own && !inlined_here {
                    continue;
                }
                if own {
                    // A function's line: the first of its line table's
                    // lines, save those of code inlined into it.
                    let own_lines = f
                        .lines
                        .iter()
                        .filter(|l| f.inlined_at(l.pc as usize).is_empty());
                    let Some(first) = own_lines.map(|l| l.line).min() else {
                        continue;
                    };
                    functions.push((first, f.name.clone(), self.entries[fi]));
                }
                let mut table = f.lines.iter().peekable();
                let mut line = None;
                for (pc, &count) in self.counts[fi].iter().enumerate() {
                    while let Some(l) = table.next_if(|l| l.pc as usize <= pc) {
                        line = Some(l.line);
                    }
                    // An instruction's line is in the file of the innermost
                    // function inlined there, or in the function's own.
                    let file = f.inlined_at(pc).first().map_or(f.file, |fr| fr.file);
                    if file as usize != file_index {
                        continue;
                    }
                    if let Some(l) = line {
                        let c = lines.entry(l).or_default();
                        *c = (*c).max(count);
                    }
                }
            }
            if lines.is_empty() && functions.is_empty() {
                continue;
            }
            let _ = writeln!(out, "SF:{}", path(file));
            // lcov wants a function's name once per file: closures share
            // theirs, so a repeated name gets its line.
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (_, name, _) in &functions {
                *seen.entry(name.clone()).or_default() += 1;
            }
            let named: Vec<(u32, String, u64)> = functions
                .into_iter()
                .map(|(line, name, count)| {
                    let unique = if seen.get(&name).copied().unwrap_or(0) > 1 {
                        format!("{name}@{line}")
                    } else {
                        name
                    };
                    (line, unique, count)
                })
                .collect();
            let mut merged: BTreeMap<String, (u32, u64)> = BTreeMap::new();
            for (line, name, count) in named {
                let e = merged.entry(name).or_insert((line, 0));
                e.1 += count;
            }
            for (name, (line, _)) in &merged {
                let _ = writeln!(out, "FN:{line},{name}");
            }
            for (name, (_, count)) in &merged {
                let _ = writeln!(out, "FNDA:{count},{name}");
            }
            let _ = writeln!(out, "FNF:{}", merged.len());
            let _ = writeln!(
                out,
                "FNH:{}",
                merged.values().filter(|(_, c)| *c > 0).count()
            );
            for (line, count) in &lines {
                let _ = writeln!(out, "DA:{line},{count}");
            }
            let _ = writeln!(out, "LF:{}", lines.len());
            let _ = writeln!(out, "LH:{}", lines.values().filter(|c| **c > 0).count());
            out.push_str("end_of_record\n");
        }
        out
    }
}

/// The inline-frame entries of every function of `module`, for
/// [`Coverage`]: an inlined call is entered when a frame's instructions
/// move into an entry whose frames hold a call the last entry's did not.
fn inlined_ranges(module: &Module) -> Vec<Vec<InlinedRange>> {
    let by_name: HashMap<(&str, u32), usize> = module
        .functions
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.name.as_str(), f.file), i))
        .collect();
    // An inlined call: its function, file and line, and those around it.
    type Chain<'a> = Vec<(&'a str, u32, u32)>;
    let mut ids: HashMap<(usize, Chain<'_>), usize> = HashMap::new();
    module
        .functions
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            f.inlined
                .iter()
                .map(|e| {
                    let calls = (0..e.frames.len())
                        .map(|j| {
                            let chain: Chain<'_> = e.frames[j..]
                                .iter()
                                .map(|fr| (fr.function.as_str(), fr.file, fr.call_line))
                                .collect();
                            let n = ids.len();
                            let id = *ids.entry((fi, chain)).or_insert(n);
                            let fr = &e.frames[j];
                            (id, by_name.get(&(fr.function.as_str(), fr.file)).copied())
                        })
                        .collect();
                    InlinedRange {
                        start: e.start,
                        end: e.end,
                        calls,
                    }
                })
                .collect()
        })
        .collect()
}

impl Coverage {
    /// The inline-frame entry of function `func` that instruction `pc`
    /// lies in.
    fn entry_at(&self, func: usize, pc: usize) -> Option<usize> {
        let ranges = self.inlined.get(func)?;
        let k = ranges.partition_point(|r| r.start as usize <= pc);
        k.checked_sub(1).filter(|&e| ranges[e].end as usize > pc)
    }
}

impl Hooks for Coverage {
    const ACTIVE: bool = true;

    fn step(&mut self, func: usize, pc: usize, _op: &Op, frames: &[Frame], _heap: &Heap) {
        if let Some(c) = self.counts.get_mut(func).and_then(|f| f.get_mut(pc)) {
            *c += 1;
        }
        let depth = frames.len();
        if depth > self.depth {
            if let Some(e) = self.entries.get_mut(func) {
                *e += 1;
            }
        }
        self.depth = depth;
        if self.inlined.get(func).is_none_or(|r| r.is_empty()) && self.last.len() < depth {
            return;
        }
        // Inlined calls entered: those of this instruction's entry that the
        // frame's last instruction was not inside.
        self.last.truncate(depth);
        while self.last.len() < depth {
            self.last.push((usize::MAX, None));
        }
        let Some(slot) = depth.checked_sub(1) else {
            return;
        };
        let prev = match self.last[slot] {
            (f, e) if f == func => e,
            _ => None,
        };
        let now = self.entry_at(func, pc);
        if now != prev {
            if let Some(n) = now {
                let ranges = &self.inlined[func];
                let before: &[(usize, Option<usize>)] =
                    prev.map_or(&[], |p| ranges[p].calls.as_slice());
                for (id, target) in &ranges[n].calls {
                    if !before.iter().any(|(b, _)| b == id) {
                        if let Some(e) = target.and_then(|t| self.entries.get_mut(t)) {
                            *e += 1;
                        }
                    }
                }
            }
        }
        self.last[slot] = (func, now);
    }

    fn retract(&mut self, func: usize, pc: usize) {
        if let Some(c) = self.counts.get_mut(func).and_then(|f| f.get_mut(pc)) {
            *c -= 1;
        }
    }

    fn pause(&mut self, _heap: &Heap) {}
}

// ---------------------------------------------------------------------------
// What the tools asked for: which observers, and writing what they saw.

/// Which observers a run has and where their results go (the `--profile`,
/// `--coverage` and `--stats` options, parsed by
/// `mvm::options::apply_observe_option`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObserveOptions {
    pub profile: Option<String>,
    pub profile_svg: Option<String>,
    pub profile_alloc: Option<String>,
    pub profile_alloc_svg: Option<String>,
    pub coverage: Option<String>,
    /// `--stats`: print the run's totals on stderr after it.
    pub stats: bool,
}

impl ObserveOptions {
    fn profiling(&self) -> bool {
        self.profile.is_some()
            || self.profile_svg.is_some()
            || self.profile_alloc.is_some()
            || self.profile_alloc_svg.is_some()
    }

    /// Whether any observer is on (otherwise run without hooks).
    pub fn any(&self) -> bool {
        self.profiling() || self.coverage.is_some() || self.stats
    }

    /// The observers these options ask for.
    pub fn observers(&self, module: &Module) -> Observers {
        Observers {
            profiler: self.profiling().then(|| Profiler::new(module)),
            coverage: self.coverage.is_some().then(|| Coverage::new(module)),
            stats: self.stats.then(Stats::default),
        }
    }

    /// What the run prints on stderr after it (`--stats`), if anything.
    pub fn report(&self, observers: &Observers) -> Option<String> {
        observers.stats.as_ref().map(Stats::report)
    }

    /// Writes every requested file; the first failure is returned as a
    /// message naming the file.
    pub fn write(&self, observers: &Observers, module: &Module) -> Result<(), String> {
        let write = |path: &str, bytes: &[u8]| {
            std::fs::write(path, bytes).map_err(|e| format!("cannot write `{path}`: {e}"))
        };
        if let Some(p) = &observers.profiler {
            let title = |what: &str| {
                let main = module
                    .functions
                    .get(module.entry as usize)
                    .and_then(|f| module.files.get(f.file as usize))
                    .map_or("", |s| s.as_str());
                format!("{what} of {main}")
            };
            for (file, measure, svg) in [
                (&self.profile, Measure::Instructions, false),
                (&self.profile_svg, Measure::Instructions, true),
                (&self.profile_alloc, Measure::Bytes, false),
                (&self.profile_alloc_svg, Measure::Bytes, true),
            ] {
                let Some(file) = file else { continue };
                let folded = p.folded(module, measure);
                if svg {
                    let (what, unit) = match measure {
                        Measure::Instructions => ("Instructions executed", "instructions"),
                        Measure::Bytes => ("Bytes allocated", "bytes"),
                    };
                    let bytes = if folded.is_empty() {
                        // inferno refuses an empty profile; say so in the picture.
                        empty_svg(&title(what))
                    } else {
                        flame_graph(&folded, &title(what), unit)
                            .map_err(|e| format!("cannot draw `{file}`: {e}"))?
                    };
                    write(file, &bytes)?;
                } else {
                    write(file, folded.as_bytes())?;
                }
            }
        }
        if let (Some(c), Some(file)) = (&observers.coverage, &self.coverage) {
            let text = c.lcov(module, |f| {
                std::fs::canonicalize(f)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_else(|_| f.to_string())
            });
            write(file, text.as_bytes())?;
        }
        Ok(())
    }
}

/// A flame graph with nothing in it.
fn empty_svg(title: &str) -> Vec<u8> {
    let title = title.replace('&', "&amp;").replace('<', "&lt;");
    format!(
        "<?xml version=\"1.0\" standalone=\"no\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"60\"><text x=\"10\" y=\"30\">{title}: nothing was counted</text></svg>\n"
    )
    .into_bytes()
}
