//! Record and replay: [`Recorder`] wraps a host and writes every call it
//! answers, with the result, to a recording; [`Replayer`] answers every
//! call from a recording without touching the system, and fails the
//! program (a runtime error) the moment it asks for something other than
//! what was recorded. The format is in `lang-spec/record.md`.
//!
//! A recording is UTF-8 text, one event per line, after the header line
//! `mvm-recording 1`:
//!
//! ```text
//! read_file "data.txt" = ok "a,b\n"
//! now_ms = ok 1767225600000
//! stdout "3\n" = ok
//! ```
//!
//! The tokens before `=` are the call (its kind and arguments), those
//! after it the result: `ok` and a value, `err "MESSAGE"` (the system
//! refused; the program saw `Err`) or `fatal "MESSAGE"` (a runtime error).

use super::{Host, HostError, HostResult, Output};
use std::fmt::Write as _;
use std::io::Write as _;

/// The version in a recording's header line.
pub const RECORD_FORMAT_VERSION: u32 = 1;

const HEADER: &str = "mvm-recording";

/// One token of an event line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Str(String),
    Int(i128),
    List(Vec<String>),
}

fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_tok(t: &Tok, out: &mut String) {
    match t {
        Tok::Word(w) => out.push_str(w),
        Tok::Str(s) => quote(s, out),
        Tok::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Tok::List(xs) => {
            out.push('[');
            for (i, x) in xs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                quote(x, out);
            }
            out.push(']');
        }
    }
}

/// Reads a quoted string starting after its opening quote.
fn read_str(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, String> {
    let mut s = String::new();
    loop {
        match chars.next() {
            None => return Err("an unterminated string".into()),
            Some('"') => return Ok(s),
            Some('\\') => match chars.next() {
                Some('"') => s.push('"'),
                Some('\\') => s.push('\\'),
                Some('n') => s.push('\n'),
                Some('r') => s.push('\r'),
                Some('t') => s.push('\t'),
                Some('u') => {
                    if chars.next() != Some('{') {
                        return Err("a bad \\u escape".into());
                    }
                    let mut hex = String::new();
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                        hex.push(c);
                    }
                    let c = u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or("a bad \\u escape")?;
                    s.push(c);
                }
                _ => return Err("an unknown escape".into()),
            },
            Some(c) => s.push(c),
        }
    }
}

fn parse_line(line: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' => {
                chars.next();
            }
            '"' => {
                chars.next();
                toks.push(Tok::Str(read_str(&mut chars)?));
            }
            '[' => {
                chars.next();
                let mut items = Vec::new();
                loop {
                    match chars.next() {
                        Some(' ' | ',') => {}
                        Some(']') => break,
                        Some('"') => items.push(read_str(&mut chars)?),
                        _ => return Err("a bad list".into()),
                    }
                }
                toks.push(Tok::List(items));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c == ' ' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                toks.push(match word.parse::<i128>() {
                    Ok(n) => Tok::Int(n),
                    Err(_) => Tok::Word(word),
                });
            }
        }
    }
    Ok(toks)
}

/// A value a host call returns, as tokens.
trait Recorded: Sized {
    fn encode(&self) -> Vec<Tok>;
    fn decode(toks: &[Tok]) -> Option<Self>;
}

impl Recorded for () {
    fn encode(&self) -> Vec<Tok> {
        Vec::new()
    }
    fn decode(toks: &[Tok]) -> Option<Self> {
        toks.is_empty().then_some(())
    }
}

impl Recorded for String {
    fn encode(&self) -> Vec<Tok> {
        vec![Tok::Str(self.clone())]
    }
    fn decode(toks: &[Tok]) -> Option<Self> {
        match toks {
            [Tok::Str(s)] => Some(s.clone()),
            _ => None,
        }
    }
}

impl Recorded for Option<String> {
    fn encode(&self) -> Vec<Tok> {
        match self {
            Some(s) => vec![Tok::Word("some".into()), Tok::Str(s.clone())],
            None => vec![Tok::Word("none".into())],
        }
    }
    fn decode(toks: &[Tok]) -> Option<Self> {
        match toks {
            [Tok::Word(w), Tok::Str(s)] if w == "some" => Some(Some(s.clone())),
            [Tok::Word(w)] if w == "none" => Some(None),
            _ => None,
        }
    }
}

impl Recorded for bool {
    fn encode(&self) -> Vec<Tok> {
        vec![Tok::Word(self.to_string())]
    }
    fn decode(toks: &[Tok]) -> Option<Self> {
        match toks {
            [Tok::Word(w)] => w.parse().ok(),
            _ => None,
        }
    }
}

impl Recorded for i64 {
    fn encode(&self) -> Vec<Tok> {
        vec![Tok::Int(*self as i128)]
    }
    fn decode(toks: &[Tok]) -> Option<Self> {
        match toks {
            [Tok::Int(n)] => i64::try_from(*n).ok(),
            _ => None,
        }
    }
}

impl Recorded for u64 {
    fn encode(&self) -> Vec<Tok> {
        vec![Tok::Int(*self as i128)]
    }
    fn decode(toks: &[Tok]) -> Option<Self> {
        match toks {
            [Tok::Int(n)] => u64::try_from(*n).ok(),
            _ => None,
        }
    }
}

impl Recorded for Vec<String> {
    fn encode(&self) -> Vec<Tok> {
        vec![Tok::List(self.clone())]
    }
    fn decode(toks: &[Tok]) -> Option<Self> {
        match toks {
            [Tok::List(xs)] => Some(xs.clone()),
            _ => None,
        }
    }
}

fn encode_result<T: Recorded>(r: &HostResult<T>) -> Vec<Tok> {
    match r {
        Ok(v) => {
            let mut t = vec![Tok::Word("ok".into())];
            t.extend(v.encode());
            t
        }
        Err(HostError::Failed(m)) => vec![Tok::Word("err".into()), Tok::Str(m.clone())],
        Err(HostError::Fatal(m)) => vec![Tok::Word("fatal".into()), Tok::Str(m.clone())],
    }
}

fn decode_result<T: Recorded>(toks: &[Tok]) -> Option<HostResult<T>> {
    match toks {
        [Tok::Word(w), rest @ ..] if w == "ok" => T::decode(rest).map(Ok),
        [Tok::Word(w), Tok::Str(m)] if w == "err" => Some(Err(HostError::Failed(m.clone()))),
        [Tok::Word(w), Tok::Str(m)] if w == "fatal" => Some(Err(HostError::Fatal(m.clone()))),
        _ => None,
    }
}

fn s(x: &str) -> Tok {
    Tok::Str(x.to_string())
}

/// A host that writes every call of the host it wraps to a recording.
pub struct Recorder<H: Host> {
    pub inner: H,
    out: std::io::BufWriter<std::fs::File>,
    /// The first error writing the recording met.
    error: Option<std::io::Error>,
}

impl<H: Host> Recorder<H> {
    /// Starts a recording in `path`.
    pub fn create(inner: H, path: &str) -> std::io::Result<Recorder<H>> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(out, "{HEADER} {RECORD_FORMAT_VERSION}")?;
        Ok(Recorder {
            inner,
            out,
            error: None,
        })
    }

    fn log<T: Recorded>(&mut self, kind: &str, call: &[Tok], result: &HostResult<T>) {
        let mut line = String::from(kind);
        for t in call {
            line.push(' ');
            write_tok(t, &mut line);
        }
        line.push_str(" =");
        for t in encode_result(result) {
            line.push(' ');
            write_tok(&t, &mut line);
        }
        line.push('\n');
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(line.as_bytes()) {
                self.error = Some(e);
            }
        }
    }

    /// Flushes the recording; the first error writing it, if any.
    pub fn finish(&mut self) -> Option<std::io::Error> {
        if let Err(e) = self.out.flush() {
            self.error.get_or_insert(e);
        }
        self.error.take()
    }
}

macro_rules! recorded {
    ($self:ident, $kind:literal, [$($arg:expr),*], $call:expr) => {{
        let result = $call;
        $self.log($kind, &[$($arg),*], &result);
        result
    }};
}

impl<H: Host> Host for Recorder<H> {
    fn write_stdout(&mut self, bytes: &[u8]) -> HostResult<()> {
        let text = String::from_utf8_lossy(bytes).into_owned();
        recorded!(
            self,
            "stdout",
            [Tok::Str(text)],
            self.inner.write_stdout(bytes)
        )
    }
    fn write_stderr(&mut self, bytes: &[u8]) -> HostResult<()> {
        let text = String::from_utf8_lossy(bytes).into_owned();
        recorded!(
            self,
            "stderr",
            [Tok::Str(text)],
            self.inner.write_stderr(bytes)
        )
    }
    fn flush(&mut self) -> HostResult<()> {
        self.inner.flush()
    }
    fn read_line(&mut self) -> HostResult<Option<String>> {
        recorded!(self, "read_line", [], self.inner.read_line())
    }
    fn read_all(&mut self) -> HostResult<String> {
        recorded!(self, "read_all", [], self.inner.read_all())
    }
    fn args(&mut self) -> HostResult<Vec<String>> {
        recorded!(self, "args", [], self.inner.args())
    }
    fn env_var(&mut self, name: &str) -> HostResult<Option<String>> {
        recorded!(self, "env", [s(name)], self.inner.env_var(name))
    }
    fn read_file(&mut self, path: &str) -> HostResult<String> {
        recorded!(self, "read_file", [s(path)], self.inner.read_file(path))
    }
    fn write_file(&mut self, path: &str, text: &str, append: bool) -> HostResult<()> {
        let r = self.inner.write_file(path, text, append);
        let kind = if append { "append_file" } else { "write_file" };
        self.log(kind, &[s(path), s(text)], &r);
        r
    }
    fn exists(&mut self, path: &str) -> HostResult<bool> {
        recorded!(self, "exists", [s(path)], self.inner.exists(path))
    }
    fn list_dir(&mut self, path: &str) -> HostResult<Vec<String>> {
        recorded!(self, "list_dir", [s(path)], self.inner.list_dir(path))
    }
    fn remove(&mut self, path: &str) -> HostResult<()> {
        recorded!(self, "remove", [s(path)], self.inner.remove(path))
    }
    fn mkdir(&mut self, path: &str) -> HostResult<()> {
        recorded!(self, "mkdir", [s(path)], self.inner.mkdir(path))
    }
    fn now_ms(&mut self) -> HostResult<i64> {
        recorded!(self, "now_ms", [], self.inner.now_ms())
    }
    fn monotonic_ns(&mut self) -> HostResult<i64> {
        recorded!(self, "monotonic_ns", [], self.inner.monotonic_ns())
    }
    fn sleep_ms(&mut self, ms: i64) -> HostResult<()> {
        recorded!(
            self,
            "sleep_ms",
            [Tok::Int(ms as i128)],
            self.inner.sleep_ms(ms)
        )
    }
    fn random_seed(&mut self) -> HostResult<u64> {
        recorded!(self, "seed", [], self.inner.random_seed())
    }
    fn check_limits(&mut self) -> Result<(), String> {
        let r = self.inner.check_limits();
        if let Err(m) = &r {
            let as_host: HostResult<()> = Err(HostError::Fatal(m.clone()));
            self.log("limit", &[], &as_host);
        }
        r
    }
}

/// One event of a recording.
struct Event {
    line: usize,
    kind: String,
    call: Vec<Tok>,
    result: Vec<Tok>,
}

/// A host answering every call from a recording.
pub struct Replayer {
    file: String,
    events: Vec<Event>,
    next: usize,
    pub stdout: Output,
    pub stderr: Output,
    /// The first divergence, kept for the tool's report.
    pub diverged: Option<String>,
}

fn describe(kind: &str, call: &[Tok]) -> String {
    let mut d = String::from(kind);
    for t in call {
        d.push(' ');
        let mut text = String::new();
        write_tok(t, &mut text);
        if text.chars().count() > 60 {
            text = text.chars().take(57).collect::<String>() + "...";
        }
        d.push_str(&text);
    }
    d
}

impl Replayer {
    /// Reads the recording `path`; a message if it cannot be read or is
    /// not a recording of this version.
    pub fn open(path: &str, stdout: Output, stderr: Output) -> Result<Replayer, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the recording `{path}`: {e}"))?;
        Replayer::parse(path, &text, stdout, stderr)
    }

    fn parse(path: &str, text: &str, stdout: Output, stderr: Output) -> Result<Replayer, String> {
        let mut lines = text.lines().enumerate();
        let header = lines.next().map(|(_, l)| l).unwrap_or_default();
        let version = header
            .strip_prefix(HEADER)
            .map(str::trim)
            .and_then(|v| v.parse::<u32>().ok());
        match version {
            Some(RECORD_FORMAT_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "`{path}` is a recording of format version {v}; this mvm reads version {RECORD_FORMAT_VERSION}"
                ))
            }
            None => {
                return Err(format!(
                    "`{path}` is not a recording (its first line is not `{HEADER} {RECORD_FORMAT_VERSION}`)"
                ))
            }
        }
        let mut events = Vec::new();
        for (i, line) in lines {
            if line.is_empty() {
                continue;
            }
            let bad = |why: &str| format!("`{path}` line {}: {why}", i + 1);
            let toks = parse_line(line).map_err(|e| bad(&e))?;
            let eq = toks
                .iter()
                .position(|t| *t == Tok::Word("=".into()))
                .ok_or_else(|| bad("no `=` between the call and its result"))?;
            let Some(Tok::Word(kind)) = toks.first() else {
                return Err(bad("no event kind"));
            };
            events.push(Event {
                line: i + 1,
                kind: kind.clone(),
                call: toks[1..eq].to_vec(),
                result: toks[eq + 1..].to_vec(),
            });
        }
        Ok(Replayer {
            file: path.to_string(),
            events,
            next: 0,
            stdout,
            stderr,
            diverged: None,
        })
    }

    /// How many recorded events the program has not asked for.
    pub fn unused(&self) -> usize {
        self.events.len() - self.next
    }

    fn diverge<T>(&mut self, message: String) -> HostResult<T> {
        let m = format!(
            "replay diverged from the recording `{}`: {message}",
            self.file
        );
        self.diverged.get_or_insert(m.clone());
        Err(HostError::Fatal(m))
    }

    /// The recorded result of the next event, which must be this call.
    fn answer<T: Recorded>(&mut self, kind: &str, call: &[Tok]) -> HostResult<T> {
        let Some(e) = self.events.get(self.next) else {
            let what = describe(kind, call);
            return self.diverge(format!(
                "the program asks for `{what}` after the last recorded event"
            ));
        };
        if e.kind != kind || e.call != call {
            let (what, had, line) = (describe(kind, call), describe(&e.kind, &e.call), e.line);
            return self.diverge(format!(
                "the program asks for `{what}` where line {line} has `{had}`"
            ));
        }
        let line = e.line;
        match decode_result(&e.result) {
            Some(r) => {
                self.next += 1;
                r
            }
            None => self.diverge(format!("line {line}: a result of the wrong form")),
        }
    }

    fn output(&mut self, to_stderr: bool, bytes: &[u8]) -> HostResult<()> {
        let kind = if to_stderr { "stderr" } else { "stdout" };
        let text = String::from_utf8_lossy(bytes).into_owned();
        let result: HostResult<()> = self.answer(kind, &[Tok::Str(text)]);
        result?;
        let out = if to_stderr {
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        match out {
            Output::Stdout(w) => w.write_all(bytes),
            Output::Stderr(w) => w.write_all(bytes),
            Output::Memory(v) => {
                v.extend_from_slice(bytes);
                Ok(())
            }
        }
        .map_err(|e| HostError::Failed(e.to_string()))
    }
}

impl Host for Replayer {
    fn write_stdout(&mut self, bytes: &[u8]) -> HostResult<()> {
        self.output(false, bytes)
    }
    fn write_stderr(&mut self, bytes: &[u8]) -> HostResult<()> {
        if let Output::Stdout(w) = &mut self.stdout {
            let _ = w.flush();
        }
        self.output(true, bytes)
    }
    fn flush(&mut self) -> HostResult<()> {
        if let Output::Stdout(w) = &mut self.stdout {
            w.flush().map_err(|e| HostError::Failed(e.to_string()))?;
        }
        Ok(())
    }
    fn read_line(&mut self) -> HostResult<Option<String>> {
        self.answer("read_line", &[])
    }
    fn read_all(&mut self) -> HostResult<String> {
        self.answer("read_all", &[])
    }
    fn args(&mut self) -> HostResult<Vec<String>> {
        self.answer("args", &[])
    }
    fn env_var(&mut self, name: &str) -> HostResult<Option<String>> {
        self.answer("env", &[s(name)])
    }
    fn read_file(&mut self, path: &str) -> HostResult<String> {
        self.answer("read_file", &[s(path)])
    }
    fn write_file(&mut self, path: &str, text: &str, append: bool) -> HostResult<()> {
        let kind = if append { "append_file" } else { "write_file" };
        self.answer(kind, &[s(path), s(text)])
    }
    fn exists(&mut self, path: &str) -> HostResult<bool> {
        self.answer("exists", &[s(path)])
    }
    fn list_dir(&mut self, path: &str) -> HostResult<Vec<String>> {
        self.answer("list_dir", &[s(path)])
    }
    fn remove(&mut self, path: &str) -> HostResult<()> {
        self.answer("remove", &[s(path)])
    }
    fn mkdir(&mut self, path: &str) -> HostResult<()> {
        self.answer("mkdir", &[s(path)])
    }
    fn now_ms(&mut self) -> HostResult<i64> {
        self.answer("now_ms", &[])
    }
    fn monotonic_ns(&mut self) -> HostResult<i64> {
        self.answer("monotonic_ns", &[])
    }
    fn sleep_ms(&mut self, ms: i64) -> HostResult<()> {
        // Replay does not wait.
        self.answer("sleep_ms", &[Tok::Int(ms as i128)])
    }
    fn random_seed(&mut self) -> HostResult<u64> {
        self.answer("seed", &[])
    }
    fn check_limits(&mut self) -> Result<(), String> {
        // A recorded limit fires at the first check after the events
        // before it: nothing the program did in between was visible.
        if self
            .events
            .get(self.next)
            .is_some_and(|e| e.kind == "limit")
        {
            let r: HostResult<()> = self.answer("limit", &[]);
            if let Err(HostError::Fatal(m)) = r {
                return Err(m);
            }
        }
        Ok(())
    }
}

impl Drop for Replayer {
    fn drop(&mut self) {
        let _ = Host::flush(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_survive_the_format() {
        let tricky = "a \"quoted\" \\ line\nwith\ttabs, \u{1} control, é and = [x]";
        let mut line = String::new();
        write_tok(&Tok::Str(tricky.into()), &mut line);
        write_tok(&Tok::Word(" ".into()), &mut line);
        write_tok(&Tok::List(vec![tricky.into(), "".into()]), &mut line);
        let toks = parse_line(&line).expect("parses");
        assert_eq!(
            toks,
            vec![
                Tok::Str(tricky.into()),
                Tok::List(vec![tricky.into(), "".into()])
            ]
        );
    }

    #[test]
    fn a_replay_answers_in_order_and_reports_divergence() {
        let text = "mvm-recording 1\nread_line = ok some \"x\"\nnow_ms = ok 5\n";
        let mut r = Replayer::parse("t", text, Output::Memory(vec![]), Output::Memory(vec![]))
            .expect("a recording");
        assert_eq!(r.read_line(), Ok(Some("x".into())));
        match r.read_file("a") {
            Err(HostError::Fatal(m)) => assert!(m.contains("line 3 has `now_ms`"), "{m}"),
            other => panic!("expected a divergence, got {other:?}"),
        }
    }

    #[test]
    fn a_newer_version_is_refused() {
        let e = Replayer::parse(
            "t",
            "mvm-recording 9\n",
            Output::Memory(vec![]),
            Output::Memory(vec![]),
        );
        assert!(e.is_err_and(|m| m.contains("version 9")));
    }
}
