//! The checker's errors and warnings as values, turned into diagnostics in
//! one place.
//!
//! Inference, name resolution in bodies, method and field access and
//! pattern checking report what they find as a [`TypeError`]: what went
//! wrong, with the types, names and spans involved, and no words.
//! [`TypeError::render`] is the only code that picks a diagnostic code,
//! words the message and adds labels, notes, help and fixes; it shows types
//! through the substitution as it stands when the error is reported, so
//! `?T1` in a message is a variable nothing had decided yet.

use super::types::{Class, Origin, Ty, TypeTable, UnifyError, MAX_TYPE_SIZE};
use crate::diagnostic::{closest_name, Diagnostic};
use crate::source::Anchor;
use mvl_syntax::ast::Span;

/// A struct's field or an enum's variant, declared twice.
#[derive(Clone, Copy, Debug)]
pub enum Member {
    Field,
    Variant,
}

/// Why an expression cannot be assigned to.
#[derive(Clone, Debug)]
pub enum NotPlace {
    /// A path of more than one part.
    Path,
    /// A function or constant.
    Item(String),
    /// Anything but a variable, `array[index]` or a field.
    Expr,
}

/// One error or warning found while checking a body or a declaration.
#[derive(Clone, Debug)]
pub enum TypeError {
    /// A struct field or enum variant declared twice.
    Duplicate {
        member: Member,
        name: String,
        at: Span,
    },
    /// A type annotation nested past the syntax's limit.
    TypeTooDeep { at: Span },
    /// A type name nothing declares; `near` is the closest known name.
    UnknownType {
        name: String,
        at: Span,
        near: Option<String>,
    },
    /// `Map<Int>`: the wrong number of type arguments.
    TypeArgCount {
        name: String,
        expected: usize,
        found: usize,
        at: Span,
    },
    /// A body that ends without a value in a function returning `expected`.
    MissingReturnValue { expected: Ty, at: Span },
    /// A declared type parameter the body forces to be `ty`; `forced` is the
    /// expression that did.
    NotGeneric {
        name: String,
        ty: Ty,
        at: Span,
        forced: Option<Origin>,
    },
    /// An expression of type `found` where `expected` was required by
    /// `what` ("the function's return type"); `decided` and
    /// `found_decided` are where each type was fixed, when elsewhere.
    Mismatch {
        expected: Ty,
        found: Ty,
        at: Span,
        what: String,
        cause: UnifyError,
        decided: Option<Origin>,
        found_decided: Option<Origin>,
    },
    /// An item declared inside a block.
    ItemInBlock { at: Span },
    /// A range anywhere but after `for ... in`.
    RangeNotValue { at: Span },
    /// An assignment to something that is not a place.
    NotAssignable { why: NotPlace, at: Span },
    /// An assignment to a `for` loop's variable, declared at `decl`.
    AssignToLoopVariable { name: String, at: Span, decl: Span },
    /// An assignment to a `let` binding (or to one of its fields).
    AssignToLet {
        name: String,
        at: Span,
        decl: Span,
        in_field: bool,
    },
    /// `t.3` on a value of type `ty` that has no such element.
    NoSuchElement { ty: Ty, index: u32, at: Span },
    /// The operator `op` applied to a `ty` outside the class it works on.
    OperatorNotDefined {
        op: String,
        ty: Ty,
        class: Class,
        at: Span,
    },
    /// A binary operator whose operands have different types.
    OperandsDiffer {
        op: &'static str,
        lhs: Ty,
        rhs: Ty,
        lhs_at: Span,
        rhs_at: Span,
    },
    /// A call of something that is not a function (`what` names it).
    NotAFunction { what: String, ty: Ty, at: Span },
    /// A call with `given` arguments of a function taking `params`.
    ArgCount {
        what: String,
        params: Vec<Ty>,
        given: usize,
        at: Span,
    },
    /// A method call with `given` arguments of a method taking `expected`
    /// besides its receiver.
    MethodArgCount {
        what: String,
        expected: usize,
        given: usize,
        at: Span,
    },
    /// A struct literal or pattern naming no struct in scope.
    UnknownStruct {
        name: String,
        at: Span,
        near: Option<String>,
    },
    /// A struct literal giving a field twice.
    FieldGivenTwice { name: String, at: Span },
    /// A struct literal without some of its struct's fields.
    MissingFields {
        name: String,
        missing: Vec<String>,
        at: Span,
    },
    /// `for (a, b) in 0..n`: a range's items are Ints, not tuples.
    RangeItemPattern { at: Span },
    /// `for` over a value that cannot be iterated.
    NotIterable { ty: Ty, at: Span },
    /// An `if` (or `if let`, `what`) whose branches have different types.
    BranchesDiffer {
        what: String,
        then: Ty,
        els: Ty,
        then_at: Span,
        else_at: Span,
    },
    /// `-5.abs()`: a literal's method called under a minus; `receiver_end`
    /// is where the literal ends.
    NegatedMethodCall {
        number: String,
        method: String,
        at: Span,
        receiver_end: u32,
    },
    /// The pattern of `what` (`if let`, `while let`, `let ... else`)
    /// matches every value, so `consequence`.
    IrrefutablePattern {
        what: String,
        consequence: String,
        at: Span,
    },
    /// The `else` block of `let ... else` ends with a value of type `ty`.
    LetElseFallsThrough { ty: Ty, at: Span, pattern: Span },
    /// `?` on a value whose type is not known yet.
    TryOnUnknown { at: Span },
    /// `?` on a value of type `ty`, neither an `Option` nor a `Result`.
    TryNeedsOptionOrResult { ty: Ty, at: Span },
    /// `?` on an `Option` (`option`) or `Result` whose failure cannot leave
    /// a function returning `ret`.
    TryReturnMismatch {
        value: Ty,
        ret: Ty,
        option: bool,
        at: Span,
    },
    /// `break` or `continue` (`what`) with no loop around it in its
    /// function; `in_closure`: a loop encloses the closure it is in.
    OutsideLoop {
        what: &'static str,
        in_closure: bool,
        at: Span,
    },
    /// `break value` leaving a `while` or `for`.
    BreakValueOutsideLoop { value_at: Span, at: Span },
    /// A `match` arm of type `this` where the first arm (`first`) has
    /// type `expected`.
    ArmsDiffer {
        expected: Ty,
        this: Ty,
        at: Span,
        first: Option<Span>,
    },
    /// A field, element or method (`what`) of a receiver (at `at`) whose
    /// type nothing tells, used at `used`. `candidates` are the visible
    /// types that have such a member, each with the annotation naming it;
    /// `annotate` is the local's declaration the annotation would go on,
    /// and what it is ("parameter").
    AmbiguousReceiver {
        what: String,
        at: Span,
        used: Span,
        candidates: Vec<(String, Option<String>)>,
        annotate: Option<(&'static str, Span)>,
    },
    /// No method `name` (with `self`) on `ty`.
    UnknownMethod {
        name: String,
        ty: Ty,
        at: Span,
        hint: MethodHint,
    },
    /// `sort()` on an array whose elements have no order.
    Unsortable { ty: Ty, at: Span },
    /// No field `name` on `ty`; `fields` are its struct's fields, if it is one.
    UnknownField {
        name: String,
        ty: Ty,
        at: Span,
        fields: Option<Vec<String>>,
    },
    /// A tuple pattern of `items` elements for a tuple `ty` of `size`.
    TuplePatternSize {
        items: usize,
        size: usize,
        ty: Ty,
        at: Span,
    },
    /// An or-pattern alternative binding other names than the first.
    OrPatternBindings { at: Span },
    /// A pattern naming no variant in scope (`path`, shown as `name`).
    UnknownVariant {
        name: String,
        at: Span,
        hint: VariantHint,
    },
    /// A variant pattern with the wrong number of payload patterns.
    VariantPatternSize {
        name: String,
        fields: usize,
        items: usize,
        at: Span,
    },
    /// A struct pattern naming a field its struct `of` does not have.
    UnknownPatternField {
        name: String,
        of: String,
        at: Span,
        near: Option<String>,
    },
    /// A struct pattern without `..` that does not mention these fields.
    PatternMissingFields { missing: Vec<String>, at: Span },
    /// Exhaustiveness checking of `what` ran out of steps.
    PatternsTooComplex { what: &'static str, at: Span },
    /// A pattern in `what` (`let`, a parameter) that some value, shown as
    /// `witness`, does not match.
    Refutable {
        what: String,
        witness: String,
        at: Span,
    },
    /// A `match` arm no value reaches.
    UnreachableArm { at: Span },
    /// A `match` missing the case `witness`; `last_arm_end` is where its
    /// last arm ends (none when it has no arm), after which the missing
    /// arm is suggested.
    NonExhaustive {
        witness: String,
        at: Span,
        last_arm_end: Option<u32>,
    },
    /// A name nothing in scope declares.
    UnknownName {
        name: String,
        at: Span,
        hint: NameHint,
    },
    /// A built-in function (`path`) used as a value.
    BuiltinAsValue { path: String, at: Span },
    /// `m::name` where the module `m` has no such item.
    NoModuleItem {
        module: String,
        name: String,
        at: Span,
        near: Option<String>,
    },
    /// `first::...` where `first` is neither an imported module nor a type
    /// (`path` is the whole path). The diagnostic asks `db` whether a file
    /// `first.mvl` is there to suggest importing.
    NeitherModuleNorType {
        path: String,
        first: String,
        at: Span,
    },
    /// `m::T::name` where `m` has no type `T`.
    UnknownModuleType {
        module: String,
        ty: String,
        at: Span,
    },
    /// A path of more than three parts.
    PathTooLong { path: String, at: Span },
    /// `T::name` where the type `T` (shown as `ty`) has neither.
    NoAssociated {
        ty: String,
        name: String,
        at: Span,
        near: Option<String>,
    },
    /// A variant (`name`) built with `given` values; it takes `fields`.
    VariantArity {
        name: String,
        fields: usize,
        given: usize,
        at: Span,
    },
    /// A Map, Set or Tree (`container`) whose key type `key` holds a function.
    FunctionInKey {
        container: String,
        key: Ty,
        at: Span,
    },
    /// `fn main(x)`.
    MainWithParameters { at: Span },
    /// No `main`; `near` is a function whose name is close, declared at `at`
    /// (otherwise `at` is the file's start).
    NoMain { near: Option<String>, at: Span },
    /// An item (a type when `is_type`) defined twice; `prev` is the first.
    DuplicateItem {
        name: String,
        is_type: bool,
        at: Span,
        prev: Origin,
    },
    /// A method defined twice for the type written `ty`.
    DuplicateMethod { name: String, ty: String, at: Span },
    /// A `native fn` outside the standard library.
    NativeOutsideStdlib { at: Span },
    /// An `impl` whose target cannot have methods defined here.
    BadImplTarget { why: ImplTarget, at: Span },
    /// `import m;` with no `m.mvl` beside the importing file.
    ModuleNotFound { name: String, at: Span },
    /// An import that is part of a cycle between `modules`.
    ImportCycle { modules: Vec<String>, at: Span },
}

/// Why an `impl` cannot define methods on its target.
#[derive(Clone, Copy, Debug)]
pub enum ImplTarget {
    /// Not a named type.
    Unnamed,
    /// A type of another module.
    OtherModule,
    /// A built-in type, outside the standard library.
    BuiltIn,
}

/// What a pattern's unknown variant may have meant.
#[derive(Clone, Debug)]
pub enum VariantHint {
    None,
    /// The closest variant of the named enum: `Enum::Near`.
    Near {
        ty: String,
        near: String,
    },
    /// A bare name: variants of one's own enums take their type's name.
    Qualify,
}

/// What an unknown name may have meant.
#[derive(Clone, Debug)]
pub enum NameHint {
    None,
    /// `null` and kin: MVL's absent value is `None`.
    Null,
    /// An item of the imported module `module`: write `module::name`.
    Through {
        module: String,
    },
    /// An item of `module`, which is not imported.
    Import {
        module: String,
    },
    /// The closest name in scope.
    Near(String),
}

/// What a missing method's name is instead.
#[derive(Clone, Debug)]
pub enum MethodHint {
    /// Nothing better is known.
    None,
    /// An associated function of the type written `prefix`.
    Associated { prefix: String },
    /// A field (holding a function, perhaps).
    Field,
    /// The closest method name.
    Near(String),
}

impl TypeError {
    /// The diagnostic for this error, in the body or declarations of
    /// `file`, with types shown through `table`.
    pub fn render(self, file: Anchor, table: &TypeTable) -> Diagnostic {
        let show = |ty: &Ty| table.display(ty);
        match self {
            TypeError::Duplicate { member, name, at } => {
                let what = match member {
                    Member::Field => "field",
                    Member::Variant => "variant",
                };
                Diagnostic::error(
                    "E0102",
                    format!("the {what} `{name}` is declared more than once"),
                    file,
                    at,
                    "declared again here",
                )
            }
            TypeError::TypeTooDeep { at } => Diagnostic::error(
                "E0006",
                format!(
                    "type nested more than {} deep",
                    mvl_syntax::lexer::MAX_NESTING
                ),
                file,
                at,
                "nesting limit reached here",
            ),
            TypeError::UnknownType { name, at, near } => {
                let d = Diagnostic::error(
                    "E0104",
                    format!("unknown type `{name}`"),
                    file,
                    at,
                    "not a type in scope",
                );
                if matches!(name.as_str(), "void" | "unit" | "Unit" | "None") {
                    // Another language's habit: the type of "no value" is `()`.
                    d.with_help(
                        "the type of no value is `()`; a function without `-> T` returns `()`",
                    )
                    .with_suggestion("write `()`", file, at, "()")
                } else if let Some(near) = near {
                    d.with_help(format!("did you mean `{near}`?"))
                } else {
                    d
                }
            }
            TypeError::TypeArgCount {
                name,
                expected,
                found,
                at,
            } => Diagnostic::error(
                "E0207",
                format!("`{name}` takes {expected} type argument(s) but {found} were given"),
                file,
                at,
                format!("expected {expected} type argument(s)"),
            ),
            TypeError::MissingReturnValue { expected, at } => {
                let expected = show(&expected);
                Diagnostic::error(
                    "E0201",
                    format!("mismatched types: expected `{expected}`, found `()`"),
                    file,
                    at,
                    format!("the body ends here without a value, but the function returns `{expected}`"),
                )
                .with_help("end the body with an expression (without `;`), and give every `if` an `else`")
            }
            TypeError::NotGeneric {
                name,
                ty,
                at,
                forced,
            } => {
                let shown = show(&ty);
                let d = Diagnostic::error(
                    "E0201",
                    format!(
                        "type parameter `{name}` is not generic: the function only works when `{name}` is `{shown}`"
                    ),
                    file,
                    at,
                    format!("declared generic here, but the body requires `{shown}`"),
                );
                match forced {
                    Some((anchor, span)) => {
                        d.with_label(anchor, span, format!("this makes `{name}` be `{shown}`"))
                    }
                    None => d,
                }
            }
            TypeError::Mismatch {
                expected,
                found,
                at,
                what,
                cause,
                decided,
                found_decided,
            } => {
                let (exp, fnd) = (show(&expected), show(&found));
                let d = match cause {
                    UnifyError::TooLarge => Diagnostic::error(
                        "E0210",
                        "this type is too large to check",
                        file,
                        at,
                        format!("the type here would have more than {MAX_TYPE_SIZE} parts"),
                    )
                    .with_help("give the values of this expression a named struct or enum type, or build them in fewer nested steps"),
                    UnifyError::Occurs(..) => Diagnostic::error(
                        "E0206",
                        format!("infinite type: `{exp}` would have to contain itself"),
                        file,
                        at,
                        format!("this is `{fnd}`"),
                    ),
                    UnifyError::NotInClass(ty, class) => Diagnostic::error(
                        "E0204",
                        format!("mismatched types: expected `{exp}`, found `{fnd}`"),
                        file,
                        at,
                        format!("this is `{fnd}`, but {what} is `{exp}`"),
                    )
                    .with_note(format!("`{}` is not {}", show(&ty), class.describe())),
                    UnifyError::Mismatch(..) => {
                        let d = Diagnostic::error(
                            "E0201",
                            format!("mismatched types: expected `{exp}`, found `{fnd}`"),
                            file,
                            at,
                            format!("this is `{fnd}`, but {what} is `{exp}`"),
                        );
                        if (exp == "Int" && fnd == "Float") || (exp == "Float" && fnd == "Int") {
                            d.with_help("Int and Float never mix implicitly: convert with `.to_float()` or `.to_int()`")
                        } else {
                            d
                        }
                    }
                };
                let d = match decided {
                    Some((anchor, span)) => {
                        d.with_label(anchor, span, format!("`{exp}` was decided here"))
                    }
                    None => d,
                };
                match found_decided {
                    Some((anchor, span)) => {
                        d.with_label(anchor, span, format!("`{fnd}` was decided here"))
                    }
                    None => d,
                }
            }
            TypeError::ItemInBlock { at } => Diagnostic::error(
                "E0105",
                "items inside a block are not supported",
                file,
                at,
                "move this item to the top level, or use a closure",
            ),
            TypeError::RangeNotValue { at } => Diagnostic::error(
                "E0105",
                "a range is only allowed as what a `for` loop iterates over",
                file,
                at,
                "not a value",
            ),
            TypeError::NotAssignable { why, at } => match why {
                NotPlace::Path => Diagnostic::error(
                    "E0107",
                    "this cannot be assigned to",
                    file,
                    at,
                    "not a variable",
                ),
                NotPlace::Item(name) => Diagnostic::error(
                    "E0107",
                    format!("cannot assign to `{name}`: it is a function or constant"),
                    file,
                    at,
                    "not a variable",
                ),
                NotPlace::Expr => Diagnostic::error(
                    "E0107",
                    "this cannot be assigned to",
                    file,
                    at,
                    "only variables, `array[index]` and fields can be assigned to",
                ),
            },
            TypeError::AssignToLoopVariable { name, at, decl } => Diagnostic::error(
                "E0203",
                format!("cannot assign to `{name}`, the variable of a `for` loop"),
                file,
                at,
                "assigned here",
            )
            .with_label(file, decl, "the loop sets it here, each time round")
            .with_help(format!(
                "to change the value inside the body, copy it first: `var {name} = {name};`"
            )),
            TypeError::AssignToLet {
                name,
                at,
                decl,
                in_field,
            } => {
                let (message, label) = if in_field {
                    (
                        format!("cannot assign to a field of `{name}`, a `let` binding"),
                        "structs and tuples are values: changing a field changes the variable",
                    )
                } else {
                    (
                        format!("cannot assign twice to immutable variable `{name}`"),
                        "cannot assign to a `let` binding",
                    )
                };
                Diagnostic::error("E0203", message, file, at, label)
                    .with_label(file, decl, "declared with `let` here")
                    .with_help(format!("declare it with `var {name}` to make it mutable"))
            }
            TypeError::NoSuchElement { ty, index, at } => Diagnostic::error(
                "E0110",
                format!("`{}` has no element `.{index}`", show(&ty)),
                file,
                at,
                "no such element",
            ),
            TypeError::OperatorNotDefined { op, ty, class, at } => {
                let shown = show(&ty);
                Diagnostic::error(
                    "E0204",
                    format!("`{op}` cannot be applied to `{shown}`"),
                    file,
                    at,
                    format!("this is `{shown}`"),
                )
                .with_note(format!("`{op}` works on {}", class.describe()))
            }
            TypeError::OperandsDiffer {
                op,
                lhs,
                rhs,
                lhs_at,
                rhs_at,
            } => {
                let (l, r) = (show(&lhs), show(&rhs));
                let d = Diagnostic::error(
                    "E0201",
                    format!("mismatched types: `{op}` needs two operands of the same type, found `{l}` and `{r}`"),
                    file,
                    rhs_at,
                    format!("this is `{r}`"),
                )
                .with_label(file, lhs_at, format!("this is `{l}`"));
                let numeric = |t: &str| t == "Int" || t == "Float";
                if numeric(&l) && numeric(&r) {
                    d.with_help("Int and Float never mix implicitly: convert one side with `.to_float()` or `.to_int()`")
                } else {
                    d
                }
            }
            TypeError::NotAFunction { what, ty, at } => {
                let shown = show(&ty);
                Diagnostic::error(
                    "E0205",
                    format!("{what} is not a function: its type is `{shown}`"),
                    file,
                    at,
                    format!("this is `{shown}`, which cannot be called"),
                )
            }
            TypeError::ArgCount {
                what,
                params,
                given,
                at,
            } => {
                let plural = if params.len() == 1 { "" } else { "s" };
                let shown: Vec<String> = params.iter().map(show).collect();
                Diagnostic::error(
                    "E0202",
                    format!(
                        "{what} takes {} argument{plural} but {given} {} given",
                        params.len(),
                        if given == 1 { "was" } else { "were" }
                    ),
                    file,
                    at,
                    format!("expected ({})", shown.join(", ")),
                )
            }
            TypeError::MethodArgCount {
                what,
                expected,
                given,
                at,
            } => Diagnostic::error(
                "E0202",
                format!("{what} takes {expected} argument(s) but {given} were given"),
                file,
                at,
                "wrong number of arguments",
            ),
            TypeError::UnknownStruct { name, at, near } => {
                let d = Diagnostic::error(
                    "E0104",
                    format!("unknown struct `{name}`"),
                    file,
                    at,
                    "not a struct in scope",
                );
                match near {
                    Some(near) => d.with_help(format!("did you mean `{near}`?")),
                    None => d,
                }
            }
            TypeError::FieldGivenTwice { name, at } => Diagnostic::error(
                "E0114",
                format!("the field `{name}` is given twice"),
                file,
                at,
                "given again here",
            ),
            TypeError::MissingFields { name, missing, at } => {
                let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                Diagnostic::error(
                    "E0114",
                    format!("missing field(s) {} in `{name}`", list.join(", ")),
                    file,
                    at,
                    format!("every field of `{name}` must be given"),
                )
            }
            TypeError::RangeItemPattern { at } => Diagnostic::error(
                "E0115",
                "a range gives Ints: bind each to a name or `_`",
                file,
                at,
                "expected a name or `_`",
            ),
            TypeError::NotIterable { ty, at } => Diagnostic::error(
                "E0201",
                format!("`for` cannot iterate over `{}`", show(&ty)),
                file,
                at,
                "expected a range, an array, a map or a set",
            ),
            TypeError::BranchesDiffer {
                what,
                then,
                els,
                then_at,
                else_at,
            } => {
                let (t, f) = (show(&then), show(&els));
                Diagnostic::error(
                    "E0201",
                    format!("{what} and `else` have different types: `{t}` and `{f}`"),
                    file,
                    else_at,
                    format!("this is `{f}`"),
                )
                .with_label(file, then_at, format!("this is `{t}`"))
            }
            TypeError::NegatedMethodCall {
                number,
                method,
                at,
                receiver_end,
            } => Diagnostic::warning(
                "W0002",
                format!("`-{number}.{method}()` calls `{method}` on `{number}`, then negates the result"),
                file,
                at,
                "a method call binds tighter than `-`",
            )
            .with_suggestion(
                "to call it on the negative number, add parentheses",
                file,
                Span {
                    start: at.start,
                    end: receiver_end,
                },
                format!("(-{number})"),
            ),
            TypeError::IrrefutablePattern {
                what,
                consequence,
                at,
            } => Diagnostic::warning(
                "W0001",
                format!("irrefutable pattern in {what}"),
                file,
                at,
                format!("this pattern matches every value: {consequence}"),
            )
            .with_help("bind it with `let` instead"),
            TypeError::LetElseFallsThrough { ty, at, pattern } => Diagnostic::error(
                "E0201",
                "the `else` block of `let ... else` must not end normally",
                file,
                at,
                format!(
                    "the block ends here with a value of type `{}`, and the pattern's names would have no value after it",
                    show(&ty)
                ),
            )
            .with_label(file, pattern, "when the value does not match this pattern")
            .with_help("end the block with `return`, `break`, `continue` or a call of `panic`"),
            TypeError::TryOnUnknown { at } => Diagnostic::error(
                "E0208",
                "type annotations needed: `?` on a value whose type is not known yet",
                file,
                at,
                "an `Option` or a `Result`?",
            )
            .with_help("annotate the value's type, or the function's return type"),
            TypeError::TryNeedsOptionOrResult { ty, at } => {
                let shown = show(&ty);
                Diagnostic::error(
                    "E0201",
                    format!("`?` needs an `Option` or a `Result`, found `{shown}`"),
                    file,
                    at,
                    format!("this is `{shown}`"),
                )
            }
            TypeError::TryReturnMismatch {
                value,
                ret,
                option,
                at,
            } => {
                let (v, r) = (show(&value), show(&ret));
                let (what, name) = if option {
                    ("`None`", "an `Option`")
                } else {
                    ("the `Err`", "a `Result`")
                };
                Diagnostic::error(
                    "E0201",
                    format!("`?` on `{v}` in a function that returns `{r}`"),
                    file,
                    at,
                    format!("this returns {what} from a function whose return type is `{r}`"),
                )
                .with_help(format!(
                    "make the function return {name}, or handle the case with `match`"
                ))
            }
            TypeError::OutsideLoop {
                what,
                in_closure: true,
                at,
            } => Diagnostic::error(
                "E0106",
                format!("`{what}` inside a closure cannot leave the loop around the closure"),
                file,
                at,
                "this is in a closure's body",
            )
            .with_help(
                "a closure's body is not part of the enclosing loop: return a value from the closure and test it in the loop",
            ),
            TypeError::OutsideLoop {
                what,
                in_closure: false,
                at,
            } => Diagnostic::error(
                "E0106",
                format!("`{what}` outside of a loop"),
                file,
                at,
                "not inside `loop`, `while` or `for`",
            ),
            TypeError::BreakValueOutsideLoop { value_at, at } => Diagnostic::error(
                "E0106",
                "`break` with a value outside of a `loop`",
                file,
                value_at,
                "only `loop` has a value: `while` and `for` are `()`",
            )
            .with_label(file, at, "this `break` leaves a `while` or `for`")
            .with_help("write `break;`, or use `loop` and `break` out of it with the value"),
            TypeError::ArmsDiffer {
                expected,
                this,
                at,
                first,
            } => {
                let (exp, fnd) = (show(&expected), show(&this));
                let d = Diagnostic::error(
                    "E0201",
                    format!("`match` arms have different types: `{exp}` and `{fnd}`"),
                    file,
                    at,
                    format!("this is `{fnd}`"),
                );
                match first {
                    Some(s) => d.with_label(file, s, format!("the first arm is `{exp}`")),
                    None => d,
                }
            }
            TypeError::AmbiguousReceiver {
                what,
                at,
                used,
                candidates,
                annotate,
            } => {
                let shown: Vec<String> =
                    candidates.iter().map(|(n, _)| format!("`{n}`")).collect();
                let mut d = Diagnostic::error(
                    "E0208",
                    format!("type annotations needed: cannot tell which type's {what} this is"),
                    file,
                    at,
                    "the type of this value is not known here",
                )
                .with_label(file, used, "used here")
                .with_help(match shown.len() {
                    0 => format!("no type visible here has a {what}"),
                    1 => format!("{} has a {what}", shown[0]),
                    _ => format!("these types have a {what}: {}", shown.join(", ")),
                });
                if let Some((local, decl)) = annotate {
                    for (name, annotation) in &candidates {
                        if let Some(annotation) = annotation {
                            d = d.with_suggestion(
                                format!("annotate the {local} as `{name}`"),
                                file,
                                Span {
                                    start: decl.end,
                                    end: decl.end,
                                },
                                format!(": {annotation}"),
                            );
                        }
                    }
                }
                d
            }
            TypeError::UnknownMethod { name, ty, at, hint } => {
                let d = Diagnostic::error(
                    "E0111",
                    format!("no method `{name}` on `{}`", show(&ty)),
                    file,
                    at,
                    "unknown method",
                );
                match hint {
                    MethodHint::None => d,
                    MethodHint::Associated { prefix } => d.with_help(format!(
                        "`{prefix}::{name}` is an associated function: call it as `{prefix}::{name}(..)`"
                    )),
                    MethodHint::Field => d.with_help(format!(
                        "`{name}` is a field: to call the function it holds, write `(x.{name})(..)`"
                    )),
                    MethodHint::Near(near) => d
                        .with_help(format!("did you mean `{near}`?"))
                        .with_suggestion(format!("did you mean `{near}`?"), file, at, near),
                }
            }
            TypeError::Unsortable { ty, at } => Diagnostic::error(
                "E0204",
                format!(
                    "`sort` needs an array of `Int`, `Float` or `String`, not `{}`",
                    show(&ty)
                ),
                file,
                at,
                "no order is defined for these elements",
            )
            .with_help(
                "sort by your own order with `sort_by(|a, b| ..)`, whose function says whether `a` comes before `b`",
            ),
            TypeError::UnknownField {
                name,
                ty,
                at,
                fields,
            } => {
                let shown = show(&ty);
                let d = Diagnostic::error(
                    "E0110",
                    format!("no field `{name}` on `{shown}`"),
                    file,
                    at,
                    "unknown field",
                );
                let fields = fields.unwrap_or_default();
                if let Some(near) = closest_name(&name, fields.iter().map(|f| f.as_str())) {
                    d.with_help(format!("did you mean `{near}`?")).with_suggestion(
                        format!("did you mean `{near}`?"),
                        file,
                        at,
                        near,
                    )
                } else if !fields.is_empty() {
                    d.with_note(format!("`{shown}` has the fields {}", fields.join(", ")))
                } else {
                    d
                }
            }
            TypeError::TuplePatternSize {
                items,
                size,
                ty,
                at,
            } => Diagnostic::error(
                "E0115",
                format!("this pattern has {items} elements, but the value is a tuple of {size}"),
                file,
                at,
                format!("the matched value is `{}`", show(&ty)),
            ),
            TypeError::OrPatternBindings { at } => Diagnostic::error(
                "E0115",
                "every alternative of an or-pattern must bind the same names",
                file,
                at,
                "this alternative binds a name the first does not",
            ),
            TypeError::UnknownVariant { name, at, hint } => {
                let d = Diagnostic::error(
                    "E0101",
                    format!("cannot find the variant `{name}`"),
                    file,
                    at,
                    "not a variant in scope",
                );
                match hint {
                    VariantHint::None => d,
                    VariantHint::Near { ty, near } => {
                        d.with_help(format!("did you mean `{ty}::{near}`?"))
                    }
                    VariantHint::Qualify => {
                        d.with_help("variants of your own enums are written `Enum::Variant`")
                    }
                }
            }
            TypeError::VariantPatternSize {
                name,
                fields,
                items,
                at,
            } => Diagnostic::error(
                "E0115",
                format!("`{name}` has {fields} field(s) but the pattern has {items}"),
                file,
                at,
                if fields == 0 {
                    format!("write just `{name}`")
                } else {
                    format!("expected {fields} pattern(s)")
                },
            ),
            TypeError::UnknownPatternField { name, of, at, near } => {
                let d = Diagnostic::error(
                    "E0110",
                    format!("no field `{name}` on `{of}`"),
                    file,
                    at,
                    "unknown field",
                );
                match near {
                    Some(near) => d.with_help(format!("did you mean `{near}`?")),
                    None => d,
                }
            }
            TypeError::PatternMissingFields { missing, at } => Diagnostic::error(
                "E0115",
                format!(
                    "the pattern does not mention the field(s) {}",
                    missing.join(", ")
                ),
                file,
                at,
                "fields missing",
            )
            .with_help("add them, or end the pattern with `..` to ignore the rest"),
            TypeError::PatternsTooComplex { what, at } => Diagnostic::error(
                "E0212",
                format!("{what} is too complex to check for missing cases"),
                file,
                at,
                format!(
                    "checking these patterns took more than {} steps",
                    super::pattern::MAX_STEPS
                ),
            )
            .with_help("split the match into nested ones, or replace some or-patterns by `_`"),
            TypeError::Refutable { what, witness, at } => Diagnostic::error(
                "E0113",
                format!("refutable pattern in {what}: `{witness}` not covered"),
                file,
                at,
                "this pattern does not match every value",
            )
            .with_help("use `match` to handle the other cases"),
            TypeError::UnreachableArm { at } => Diagnostic::warning(
                "W0001",
                "unreachable pattern",
                file,
                at,
                "the arms above already match every value this one would",
            ),
            TypeError::NonExhaustive {
                witness,
                at,
                last_arm_end,
            } => {
                let d = Diagnostic::error(
                    "E0112",
                    format!("`match` does not cover every case: `{witness}` not covered"),
                    file,
                    at,
                    format!("`{witness}` is not matched by any arm"),
                )
                .with_help(format!("add an arm for `{witness}`, or a `_ => ..` arm"));
                match last_arm_end {
                    // After the last arm's body (before its comma, if it has
                    // one): `, W => panic(..)` keeps the arms separated.
                    Some(end) => d.with_suggestion(
                        format!("add an arm for `{witness}`"),
                        file,
                        Span { start: end, end },
                        format!(", {witness} => panic(\"`{witness}` is not handled yet\")"),
                    ),
                    None => d,
                }
            }
            TypeError::UnknownName { name, at, hint } => {
                let d = Diagnostic::error(
                    "E0101",
                    format!("cannot find `{name}` in this scope"),
                    file,
                    at,
                    "not found",
                );
                match hint {
                    NameHint::None => d,
                    // Another language's habit: an absent value is an `Option`.
                    NameHint::Null => d
                        .with_help("MVL has no null: a value that may be absent is an `Option`, `None` or `Some(x)`")
                        .with_suggestion("write `None`", file, at, "None"),
                    NameHint::Through { module } => d.with_suggestion(
                        "write it through its module",
                        file,
                        at,
                        format!("{module}::{name}"),
                    ),
                    NameHint::Import { module } => d.with_help(format!(
                        "`{name}` is an item of the module `{module}`: add `import {module};` and write `{module}::{name}`"
                    )),
                    NameHint::Near(near) => d
                        .with_help(format!("did you mean `{near}`?"))
                        .with_suggestion(format!("did you mean `{near}`?"), file, at, near),
                }
            }
            TypeError::BuiltinAsValue { path, at } => Diagnostic::error(
                "E0105",
                format!("the built-in function `{path}` can only be called, not used as a value"),
                file,
                at,
                "call it here",
            ),
            TypeError::NoModuleItem {
                module,
                name,
                at,
                near,
            } => {
                let d = Diagnostic::error(
                    "E0101",
                    format!("module `{module}` has no item `{name}`"),
                    file,
                    at,
                    "not found in that module",
                );
                match near {
                    Some(near) => d.with_help(format!("did you mean `{module}::{near}`?")),
                    None => d,
                }
            }
            TypeError::NeitherModuleNorType { path, first, at } => {
                let mut d = Diagnostic::error(
                    "E0101",
                    format!("cannot find `{path}`: `{first}` is neither an imported module nor a type"),
                    file,
                    at,
                    "not found",
                );
                // Whether a file of that name is there is for `db` to find
                // out (checking does no I/O).
                d.import_fix = Some(first);
                d
            }
            TypeError::UnknownModuleType { module, ty, at } => Diagnostic::error(
                "E0101",
                format!("cannot find the type `{module}::{ty}`"),
                file,
                at,
                "not an imported module's type",
            ),
            TypeError::PathTooLong { path, at } => Diagnostic::error(
                "E0101",
                format!("cannot find `{path}`"),
                file,
                at,
                "paths have at most three parts: `module::Type::name`",
            ),
            TypeError::NoAssociated { ty, name, at, near } => {
                let d = Diagnostic::error(
                    "E0101",
                    format!("`{ty}` has no variant or associated function `{name}`"),
                    file,
                    at,
                    "not found",
                );
                match near {
                    Some(near) => d.with_help(format!("did you mean `{ty}::{near}`?")),
                    None => d,
                }
            }
            TypeError::VariantArity {
                name,
                fields,
                given,
                at,
            } => {
                let message = if fields == 0 {
                    format!("`{name}` has no payload but was given {given} value(s)")
                } else if given == 0 {
                    format!("`{name}` needs {fields} value(s): write `{name}(..)`")
                } else {
                    format!("`{name}` takes {fields} value(s) but {given} were given")
                };
                Diagnostic::error("E0202", message, file, at, "wrong number of values")
            }
            TypeError::FunctionInKey { container, key, at } => {
                let shown = show(&key);
                Diagnostic::error(
                    "E0211",
                    format!("a `{container}` key cannot contain a function: the key type is `{shown}`"),
                    file,
                    at,
                    format!("this is a `{container}` whose keys are `{shown}`"),
                )
                .with_note(
                    "keys are compared and hashed structurally, and functions have no equality (lang-spec/types.md, Keys)",
                )
            }
            TypeError::MainWithParameters { at } => Diagnostic::error(
                "E0202",
                "`main` must take no parameters",
                file,
                at,
                "defined with parameters here",
            ),
            TypeError::NoMain {
                near: Some(near),
                at,
            } => Diagnostic::error(
                "E0103",
                "this program has no `main` function",
                file,
                at,
                "is this meant to be `main`?",
            )
            .with_help(format!(
                "execution starts at `fn main()`: rename `{near}` to `main`"
            )),
            TypeError::NoMain { near: None, at } => Diagnostic::error(
                "E0103",
                "this program has no `main` function",
                file,
                at,
                "execution starts at `fn main()`, which is missing",
            )
            .with_help("add `fn main() { ... }`"),
            TypeError::DuplicateItem {
                name,
                is_type,
                at,
                prev: (prev_file, prev),
            } => Diagnostic::error(
                "E0102",
                if is_type {
                    format!("the type `{name}` is defined more than once")
                } else {
                    format!("`{name}` is defined more than once")
                },
                file,
                at,
                "defined again here",
            )
            .with_label(prev_file, prev, "first defined here"),
            TypeError::DuplicateMethod { name, ty, at } => Diagnostic::error(
                "E0102",
                format!("the method `{name}` is defined more than once for `{ty}`"),
                file,
                at,
                "defined again here",
            ),
            TypeError::NativeOutsideStdlib { at } => Diagnostic::error(
                "E0105",
                "`native fn` is reserved for the standard library",
                file,
                at,
                "a function here needs a body",
            ),
            TypeError::BadImplTarget { why, at } => {
                let (message, label) = match why {
                    ImplTarget::Unnamed => (
                        "methods can only be defined on a named type",
                        "not a type that can have methods",
                    ),
                    ImplTarget::OtherModule => (
                        "methods must be defined in the module that defines the type",
                        "this type belongs to another module",
                    ),
                    ImplTarget::BuiltIn => (
                        "methods of built-in types are defined by the standard library only",
                        "a built-in type",
                    ),
                };
                Diagnostic::error("E0104", message, file, at, label)
            }
            TypeError::ModuleNotFound { name, at } => Diagnostic::error(
                "E0108",
                format!("cannot find module `{name}`"),
                file,
                at,
                format!("no file `{name}.mvl` beside this one"),
            )
            .with_help("an import names a file in the same folder, without `.mvl`"),
            TypeError::ImportCycle { modules, at } => Diagnostic::error(
                "E0109",
                format!("import cycle between modules {}", modules.join(", ")),
                file,
                at,
                "this import is part of the cycle",
            ),
        }
    }
}
