//! The assembler: `.mvasm` text to a [`Module`]. It reads exactly what the
//! disassembler ([`crate::disasm`]) writes, so that assembling a
//! disassembly gives back the same bytes, and it is meant to be written by
//! hand too (see `lang-spec/bytecode.md` and `examples/asm/`).
//!
//! The syntax is line-oriented. `;` starts a comment. A line is a
//! directive (`.entry`, `.file`, `.const`, `.native`, `.struct`, `.enum`,
//! `.export`, `.import`, `.fn`, `.line`, `.inline`), a label (`name:`), or an
//! instruction: a mnemonic from the instruction table and its operands,
//! separated by commas, each written as its kind requires (`r3` register,
//! `k2` constant, `f1` function, `n0` native, `t0` type, a label name, or an
//! integer). Nothing here lists instructions by hand: mnemonics and operand
//! kinds come from [`crate::ops::OPS`].
//!
//! How instruction lines, label lines and comments are spelled is a
//! [`LineReader`]: [`Standard`] is the spelling above; `mvm asm --syntax`
//! plugs in a user-defined one (see `lang-spec/bytecode.md`). Directives
//! are the same in every spelling, and so is everything this module does
//! with the lines once read.

use crate::module::{
    Constant, Export, Function, Import, InlineEntry, InlineFrame, LineEntry, Module, TypeDesc,
    TypeKind,
};
use crate::ops::{OpInfo, Operand, OperandKind, ValType, OPS};
use std::collections::HashMap;
use std::fmt;

/// An assembly error: the 1-based line and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsmError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for AsmError {}

type Result<T> = std::result::Result<T, String>;

/// An operand as an instruction line gives it: a value, or a label name
/// that is resolved once the whole function is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawOperand {
    Value(Operand),
    Label(String),
}

/// One instruction as read from its line: which instruction (an entry of
/// [`OPS`]) and its operands in the table's order.
pub type RawInstruction = (&'static OpInfo, Vec<RawOperand>);

/// How one spelling of assembly reads the lines that are not directives.
/// The assembler hands it lines with the comment removed and the
/// surrounding whitespace trimmed; `'t` is the lifetime of the whole text.
pub trait LineReader<'t> {
    /// The comment marker: the rest of a line after it (outside a quoted
    /// string) is ignored.
    fn comment(&self) -> &str;
    /// The label's name if the line defines a label.
    fn label_definition(&self, line: &'t str) -> Option<String>;
    /// Reads an instruction line.
    fn instruction(&self, line: &'t str) -> Result<RawInstruction>;
}

/// The standard spelling: `;` comments, `name:` labels, and `mnemonic`
/// followed by its operands, separated by commas or spaces.
pub struct Standard;

impl<'t> LineReader<'t> for Standard {
    fn comment(&self) -> &str {
        ";"
    }

    fn label_definition(&self, line: &'t str) -> Option<String> {
        let label = line.strip_suffix(':')?;
        (!label.is_empty() && !label.contains(|c: char| c.is_whitespace() || c == ','))
            .then(|| label.to_string())
    }

    fn instruction(&self, line: &'t str) -> Result<RawInstruction> {
        let tokens = tokenize(line)?;
        let (mnemonic, raw) = tokens.split_first().ok_or("an empty instruction")?;
        instruction(mnemonic, raw)
    }
}

/// A function being assembled: instructions wait for their labels.
struct PendingFn {
    function: Function,
    /// Per instruction: what was read, and the source line.
    code: Vec<(RawInstruction, usize)>,
    labels: HashMap<String, u32>,
}

/// `line` up to its comment marker, if any outside a quoted string.
fn strip_comment<'t>(line: &'t str, marker: &str) -> &'t str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if line[i..].starts_with(marker) {
            return &line[..i];
        }
    }
    line
}

/// Assembles `text`, in the standard spelling, into a module (not yet
/// verified).
pub fn assemble(text: &str) -> std::result::Result<Module, AsmError> {
    assemble_with(text, &Standard)
}

/// Assembles `text`, whose instruction lines `reader` reads, into a module
/// (not yet verified).
pub fn assemble_with<'t>(
    text: &'t str,
    reader: &dyn LineReader<'t>,
) -> std::result::Result<Module, AsmError> {
    let mut module = Module::default();
    let mut entry: Option<u32> = None;
    let mut functions: Vec<PendingFn> = Vec::new();
    let marker = reader.comment().to_string();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let at = |message: String| AsmError {
            line: line_no,
            message,
        };
        let line = strip_comment(raw, &marker).trim();
        if line.is_empty() {
            continue;
        }
        let result = if let Some(directive) = line.strip_prefix('.') {
            let tokens = tokenize(directive).map_err(at)?;
            match tokens.split_first() {
                Some((name, rest)) => {
                    directive_line(name, rest, &mut module, &mut functions, &mut entry)
                }
                None => Err("a `.` without a directive".to_string()),
            }
        } else if let Some(label) = reader.label_definition(line) {
            match functions.last_mut() {
                Some(f) => {
                    let pc = f.code.len() as u32;
                    if f.labels.insert(label.clone(), pc).is_some() {
                        Err(format!("the label `{label}` is defined twice"))
                    } else {
                        Ok(())
                    }
                }
                None => Err("a label must be inside a `.fn`".to_string()),
            }
        } else {
            match functions.last_mut() {
                Some(f) => reader
                    .instruction(line)
                    .map(|ins| f.code.push((ins, line_no))),
                None => Err("an instruction must be inside a `.fn`".to_string()),
            }
        };
        result.map_err(at)?;
    }
    for pending in functions {
        let mut function = pending.function;
        for ((info, raw), line) in pending.code {
            let op = resolve(info, raw, &pending.labels)
                .map_err(|message| AsmError { line, message })?;
            function.code.push(op);
        }
        module.functions.push(function);
    }
    module.entry = match entry {
        Some(e) => e,
        None => module
            .functions
            .iter()
            .position(|f| f.name == "main")
            .unwrap_or(0) as u32,
    };
    Ok(module)
}

/// Splits a line (its comment already removed) into tokens: words, quoted
/// strings (kept with their quotes), and commas dropped.
fn tokenize(line: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == ',' {
            chars.next();
            continue;
        }
        let mut tok = String::new();
        if c == '"' {
            tok.push(c);
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                tok.push(c);
                if c == '\\' {
                    if let Some(e) = chars.next() {
                        tok.push(e);
                    }
                } else if c == '"' {
                    closed = true;
                    break;
                }
            }
            if !closed {
                return Err("unterminated string".to_string());
            }
            // A variant's arity may follow its quoted name: "Some"/1.
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == ',' {
                    break;
                }
                tok.push(c);
                chars.next();
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == ',' {
                    break;
                }
                tok.push(c);
                chars.next();
            }
        }
        out.push(tok);
    }
    Ok(out)
}

/// A quoted string token's value, or a bare word as is.
/// An export's or import's item: `fN`, or `type`.
fn item(tok: &str) -> Result<Option<u32>> {
    match tok {
        "type" => Ok(None),
        _ => indexed(tok, 'f', "a function").map(Some),
    }
}

fn name(tok: &str) -> Result<String> {
    match tok.strip_prefix('"') {
        Some(rest) => unescape(
            rest.strip_suffix('"')
                .ok_or_else(|| format!("bad string {tok}"))?,
        ),
        None => Ok(tok.to_string()),
    }
}

fn unescape(s: &str) -> Result<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('u') => {
                let rest: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let hex = rest.strip_prefix('{').ok_or("bad \\u escape")?;
                let code = u32::from_str_radix(hex, 16).map_err(|_| "bad \\u escape")?;
                out.push(char::from_u32(code).ok_or("bad \\u escape")?);
            }
            other => {
                return Err(format!(
                    "unknown escape \\{}",
                    other.map(String::from).unwrap_or_default()
                ))
            }
        }
    }
    Ok(out)
}

/// A function signature, `(T*..)->T` (the parameter types joined by `*`,
/// as in ML), with the types' assembly names.
fn signature(text: &str) -> Result<(Vec<ValType>, ValType)> {
    let bad = || format!("a signature is written (T*..)->T, found `{text}`");
    let rest = text.strip_prefix('(').ok_or_else(bad)?;
    let (params, result) = rest.split_once(")->").ok_or_else(bad)?;
    let ty = |name: &str| {
        ValType::ALL
            .into_iter()
            .find(|t| t.asm_name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = ValType::ALL.iter().map(|t| t.asm_name()).collect();
                format!(
                    "unknown type `{name}` in a signature (one of {})",
                    names.join(", ")
                )
            })
    };
    let params = if params.is_empty() {
        Vec::new()
    } else {
        params.split('*').map(ty).collect::<Result<Vec<_>>>()?
    };
    Ok((params, ty(result)?))
}

fn number<T: std::str::FromStr>(tok: &str, what: &str) -> Result<T> {
    tok.parse()
        .map_err(|_| format!("expected {what}, found `{tok}`"))
}

/// `prefix` followed by a number: `r3`, `k12`.
fn indexed<T: std::str::FromStr>(tok: &str, prefix: char, what: &str) -> Result<T> {
    tok.strip_prefix(prefix)
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("expected {what} written `{prefix}N`, found `{tok}`"))
}

/// Checks the index written in `.const 3 ...` is the next one.
fn next_index(tokens: &[String], expected: usize, what: &str) -> Result<()> {
    let i: usize = number(
        tokens.first().ok_or(format!("`.{what}` needs an index"))?,
        "an index",
    )?;
    if i != expected {
        return Err(format!(
            "`.{what} {i}` is out of order: the next one is {expected}"
        ));
    }
    Ok(())
}

fn arg<'t>(tokens: &'t [String], i: usize, what: &str) -> Result<&'t String> {
    tokens.get(i).ok_or_else(|| format!("missing {what}"))
}

fn directive_line(
    directive: &str,
    t: &[String],
    module: &mut Module,
    functions: &mut Vec<PendingFn>,
    entry: &mut Option<u32>,
) -> Result<()> {
    match directive {
        "entry" => {
            *entry = Some(number(
                arg(t, 0, "the entry function")?,
                "a function index",
            )?)
        }
        "file" => {
            next_index(t, module.files.len(), "file")?;
            module.files.push(name(arg(t, 1, "a file name")?)?);
        }
        "const" => {
            next_index(t, module.constants.len(), "const")?;
            let v = arg(t, 1, "a value")?;
            let c = if v.starts_with('"') {
                Constant::Str(name(v)?)
            } else if v.contains(['.', 'e', 'E']) || v.ends_with("inf") || v == "NaN" {
                Constant::Float(number(v, "a Float")?)
            } else {
                Constant::Int(number(v, "an Int")?)
            };
            module.constants.push(c);
        }
        "native" => {
            next_index(t, module.natives.len(), "native")?;
            module.natives.push(name(arg(t, 1, "a native name")?)?);
        }
        "struct" => {
            next_index(t, module.types.len(), "struct")?;
            let fields = t
                .iter()
                .skip(2)
                .map(|f| name(f))
                .collect::<Result<Vec<_>>>()?;
            module.types.push(TypeDesc {
                name: name(arg(t, 1, "a type name")?)?,
                kind: TypeKind::Struct(fields),
            });
        }
        "enum" => {
            next_index(t, module.types.len(), "enum")?;
            let mut variants = Vec::new();
            for v in t.iter().skip(2) {
                let (n, arity) = v
                    .rsplit_once('/')
                    .ok_or_else(|| format!("a variant is written name/arity, found `{v}`"))?;
                variants.push((name(n)?, number(arity, "a payload size")?));
            }
            module.types.push(TypeDesc {
                name: name(arg(t, 1, "a type name")?)?,
                kind: TypeKind::Enum(variants),
            });
        }
        "library" => module.library = name(arg(t, 0, "a library name")?)?,
        "interface" => module.interface = name(arg(t, 0, "the interface text")?)?,
        "export" => module.exports.push(Export {
            name: name(arg(t, 0, "an export name")?)?,
            function: item(arg(t, 1, "a function or `type`")?)?,
            ty: t.get(2).map(|s| name(s)).transpose()?.unwrap_or_default(),
        }),
        "import" => module.imports.push(Import {
            module: name(arg(t, 0, "a module name")?)?,
            name: name(arg(t, 1, "an item name")?)?,
            function: item(arg(t, 2, "a function or `type`")?)?,
            ty: name(arg(t, 3, "the item's type")?)?,
        }),
        "fn" => {
            // `.fn [index] name arity=A regs=R [file=F] [sig=(T*..)->T]`
            let mut rest = t;
            if let Some(first) = t.first() {
                if first.parse::<usize>().is_ok() {
                    next_index(t, functions.len(), "fn")?;
                    rest = &t[1..];
                }
            }
            let mut function = Function {
                name: name(arg(rest, 0, "a function name")?)?,
                arity: 0,
                params: Vec::new(),
                result: ValType::Any,
                n_regs: 0,
                file: 0,
                code: Vec::new(),
                lines: Vec::new(),
                inlined: Vec::new(),
            };
            let mut sig = false;
            for opt in &rest[1..] {
                let (key, value) = opt
                    .split_once('=')
                    .ok_or_else(|| format!("expected key=value, found `{opt}`"))?;
                match key {
                    "arity" => function.arity = number(value, "an arity")?,
                    "regs" => function.n_regs = number(value, "a register count")?,
                    "file" => function.file = number(value, "a file index")?,
                    "sig" => {
                        let (params, result) = signature(value)?;
                        function.params = params;
                        function.result = result;
                        sig = true;
                    }
                    other => return Err(format!("unknown `.fn` option `{other}`")),
                }
            }
            if !sig {
                function.params = vec![ValType::Any; function.arity as usize];
            } else if function.params.len() != function.arity as usize {
                return Err(format!(
                    "`sig` has {} parameter types but the arity is {}",
                    function.params.len(),
                    function.arity
                ));
            }
            functions.push(PendingFn {
                function,
                code: Vec::new(),
                labels: HashMap::new(),
            });
        }
        "line" => {
            let f = functions
                .last_mut()
                .ok_or("`.line` must be inside a `.fn`")?;
            let line = number(arg(t, 0, "a line number")?, "a line number")?;
            let pc = match t.get(1) {
                Some(at) => number(
                    at.strip_prefix('@').ok_or("expected `@pc`")?,
                    "an instruction index",
                )?,
                None => f.code.len() as u32,
            };
            f.function.lines.push(LineEntry { pc, line });
        }
        "inline" => {
            // `.inline START END ("name" FILE CALL_LINE)...`, innermost first
            let f = functions
                .last_mut()
                .ok_or("`.inline` must be inside a `.fn`")?;
            let start = number(arg(t, 0, "a first instruction")?, "an instruction index")?;
            let end = number(arg(t, 1, "an end instruction")?, "an instruction index")?;
            let rest = &t[2..];
            if rest.is_empty() || !rest.len().is_multiple_of(3) {
                return Err("expected frames of a name, a file index and a call line".into());
            }
            let frames = rest
                .chunks(3)
                .map(|c| {
                    Ok(InlineFrame {
                        function: name(&c[0])?,
                        file: number(&c[1], "a file index")?,
                        call_line: number(&c[2], "a line number")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            f.function.inlined.push(InlineEntry { start, end, frames });
        }
        other => return Err(format!("unknown directive `.{other}`")),
    }
    Ok(())
}

/// An instruction of the standard spelling from its mnemonic and operand
/// tokens.
fn instruction(mnemonic: &str, raw: &[String]) -> Result<RawInstruction> {
    let info = OPS
        .iter()
        .find(|i| i.mnemonic == mnemonic)
        .ok_or_else(|| format!("unknown instruction `{mnemonic}`"))?;
    if raw.len() != info.operands.len() {
        return Err(format!(
            "`{mnemonic}` takes {} operand(s), found {}",
            info.operands.len(),
            raw.len()
        ));
    }
    let mut operands = Vec::new();
    for ((_, kind), tok) in info.operands.iter().zip(raw) {
        let o = match kind {
            OperandKind::Reg => Operand::Reg(indexed(tok, 'r', "a register")?),
            OperandKind::Const => Operand::Const(indexed(tok, 'k', "a constant")?),
            OperandKind::Func => Operand::Func(indexed(tok, 'f', "a function")?),
            OperandKind::Native => Operand::Native(indexed(tok, 'n', "a native")?),
            OperandKind::TypeIdx => Operand::TypeIdx(indexed(tok, 't', "a type")?),
            OperandKind::Count => Operand::Count(number(tok, "a count")?),
            OperandKind::Imm => Operand::Imm(number(tok, "an integer")?),
            OperandKind::Label => {
                operands.push(RawOperand::Label(tok.clone()));
                continue;
            }
        };
        operands.push(RawOperand::Value(o));
    }
    Ok((info, operands))
}

/// The instruction, its labels looked up in the function's.
fn resolve(
    info: &OpInfo,
    raw: Vec<RawOperand>,
    labels: &HashMap<String, u32>,
) -> Result<crate::ops::Op> {
    let mut operands = Vec::with_capacity(raw.len());
    for (o, (field, _)) in raw.into_iter().zip(info.operands) {
        operands.push(match o {
            RawOperand::Value(v) => v,
            RawOperand::Label(name) => {
                Operand::Label(*labels.get(&name).ok_or_else(|| {
                    format!("operand `{field}`: no label `{name}` in this function")
                })?)
            }
        });
    }
    crate::ops::Op::from_parts(info.mnemonic, &operands)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_written_program_assembles() {
        let text = r#"
            .native 0 "println"
            .const 0 "hello"
            .fn "main" arity=0 regs=2
                loadk r0, k0        ; the greeting
                calln r1, n0, r0, 1
            done:
                ret r1
        "#;
        let m = assemble(text).expect("assembles");
        assert_eq!(m.functions[0].code.len(), 3);
        assert_eq!(m.constants, vec![Constant::Str("hello".into())]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = assemble(".fn main arity=0 regs=1\n  bogus r0\n").expect_err("fails");
        assert_eq!(e.line, 2);
        let e = assemble(".fn main arity=0 regs=1\n  jmp nowhere\n").expect_err("fails");
        assert!(e.message.contains("nowhere"), "{e}");
    }

    /// `sig=` gives the signature; without it every type is `Any`.
    #[test]
    fn signatures() {
        let m = assemble(".fn f arity=2 regs=2 sig=(Int*Any)->Float\n  ret r0\n").expect("sig");
        let f = &m.functions[0];
        assert_eq!(f.params, [ValType::Int, ValType::Any]);
        assert_eq!(f.result, ValType::Float);
        let m = assemble(".fn f arity=1 regs=1\n  ret r0\n").expect("no sig");
        assert_eq!(m.functions[0].params, [ValType::Any]);
        assert_eq!(m.functions[0].result, ValType::Any);
        let m = assemble(".fn f arity=0 regs=1 sig=()->Unit\n  ret r0\n").expect("no params");
        assert!(m.functions[0].params.is_empty());
        for (text, why) in [
            ("sig=(Int)->Int", "parameter types but the arity is 2"),
            ("sig=(Int*Integer)->Int", "unknown type `Integer`"),
            ("sig=Int*Int->Int", "a signature is written"),
        ] {
            let e = assemble(&format!(".fn f arity=2 regs=2 {text}\n  ret r0\n")).expect_err(text);
            assert!(e.message.contains(why), "{text}: {e}");
        }
    }

    #[test]
    fn disassembly_reassembles_to_the_same_bytes() {
        let m = crate::format::tests::sample();
        let text = crate::disasm::disassemble(&m);
        let back = assemble(&text).expect("assembles");
        assert_eq!(back.to_bytes(), m.to_bytes(), "{text}");
    }
}
