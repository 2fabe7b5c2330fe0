//! What a lint reports: positions are line/column pairs taken from `syn` spans;
//! the driver turns them into byte offsets once per file.

use proc_macro2::Span as TokenSpan;

/// A position in a source file: `line` is 1-based, `column` is a 0-based count of
/// Unicode scalar values from the start of the line (what `proc-macro2` gives).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// A half-open range of source text.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
// Stored as `[line, column, end line, end column]`: spans are most of what the
// cache holds.
#[serde(from = "[usize; 4]", into = "[usize; 4]")]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl From<[usize; 4]> for Span {
    fn from([line, column, end_line, end_column]: [usize; 4]) -> Self {
        Span::new(
            Pos { line, column },
            Pos {
                line: end_line,
                column: end_column,
            },
        )
    }
}

impl From<Span> for [usize; 4] {
    fn from(s: Span) -> Self {
        [s.start.line, s.start.column, s.end.line, s.end.column]
    }
}

impl Span {
    pub fn new(start: Pos, end: Pos) -> Self {
        Span { start, end }
    }

    /// The whole extent of a token span.
    pub fn from_tokens(span: TokenSpan) -> Self {
        Span::between(span, span)
    }

    /// From the start of `a` to the end of `b`: one position lookup each.
    pub fn between(a: TokenSpan, b: TokenSpan) -> Self {
        let (s, e) = (a.start(), b.end());
        Span {
            start: Pos {
                line: s.line,
                column: s.column,
            },
            end: Pos {
                line: e.line,
                column: e.column,
            },
        }
    }

    /// From the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Self {
        Span {
            start: self.start,
            end: other.end,
        }
    }

    pub fn contains_line(&self, line: usize) -> bool {
        self.start.line <= line && line <= self.end.line
    }
}

impl From<TokenSpan> for Span {
    fn from(span: TokenSpan) -> Self {
        Span::from_tokens(span)
    }
}

/// A secondary label: another place that explains the finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// How safely a suggestion can be applied without a person reading it (the
/// levels rustc and rust-analyzer use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Correct as written: `leash check --fix` applies it.
    MachineApplicable,
    /// Probably what is wanted, but may not compile or may change behaviour:
    /// applied only with `--unsafe-fixes`.
    MaybeIncorrect,
    /// Holds a value a person must choose (`<reason>`, a guessed duration):
    /// never applied automatically.
    HasPlaceholders,
}

impl Applicability {
    /// The name rustc's JSON uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
            Applicability::HasPlaceholders => "HasPlaceholders",
        }
    }

    pub fn parse(s: &str) -> Option<Applicability> {
        [
            Applicability::MachineApplicable,
            Applicability::MaybeIncorrect,
            Applicability::HasPlaceholders,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// Replace the text of `span` with `replacement` (an empty span inserts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    /// Inserts `text` at `at`.
    pub fn insert(at: Pos, text: impl Into<String>) -> Self {
        Edit {
            span: Span::new(at, at),
            replacement: text.into(),
        }
    }
}

/// A change that would resolve (or suppress) a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// What the change does, in a few words (`add jitter`).
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// A fact a file contributes to the workspace (e.g. "`fn backoff_sleep` contains a
/// delay"), and the facts a finding depends on. The driver resolves these after
/// every file is analysed, so helpers defined in other files are followed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fact {
    pub kind: FactKind,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// A function whose body contains a delay (`sleep`, `delay`, ...).
    DelayFn,
    /// A function whose body hands its argument to a task/thread spawn.
    SpawnWrapper,
}

/// How sure a lint is that a finding is a real risk (contract v2.0).
/// `High`: the source shows the risk itself (the repeated path, the input that
/// drives it, the effect that fails); shown by default. `Low`: the construct
/// matches but the source does not show the risk; shown on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Confidence {
    Low,
    #[default]
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        match s {
            "low" => Some(Confidence::Low),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

/// One diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub lint: &'static str,
    pub confidence: Confidence,
    pub span: Span,
    pub message: String,
    /// Text under the primary span.
    pub label: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    pub note: Option<String>,
    /// Changes that would fix or suppress the finding, best first.
    pub suggestions: Vec<Suggestion>,
    /// Drop this finding if any of these facts holds in the workspace.
    pub unless_any: Vec<Fact>,
    /// Keep this finding only if one of these facts holds (empty: always keep).
    pub only_if_any: Vec<Fact>,
}

impl Finding {
    pub fn new(lint: &'static str, span: impl Into<Span>, message: impl Into<String>) -> Self {
        Finding {
            lint,
            confidence: Confidence::High,
            span: span.into(),
            message: message.into(),
            label: String::new(),
            labels: Vec::new(),
            help: None,
            note: None,
            suggestions: Vec::new(),
            unless_any: Vec::new(),
            only_if_any: Vec::new(),
        }
    }

    /// Marks the finding `low` confidence when `low` holds; a finding is
    /// `high` until a lint says otherwise.
    pub fn low_if(mut self, low: bool) -> Self {
        if low {
            self.confidence = Confidence::Low;
        }
        self
    }

    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.label = text.into();
        self
    }

    pub fn secondary(mut self, span: impl Into<Span>, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span: span.into(),
            message: text.into(),
        });
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.note = Some(text.into());
        self
    }

    pub fn suggest(
        mut self,
        message: impl Into<String>,
        applicability: Applicability,
        edits: Vec<Edit>,
    ) -> Self {
        self.suggestions.push(Suggestion {
            message: message.into(),
            edits,
            applicability,
        });
        self
    }

    pub fn unless(mut self, kind: FactKind, names: impl IntoIterator<Item = String>) -> Self {
        self.unless_any
            .extend(names.into_iter().map(|name| Fact { kind, name }));
        self
    }

    pub fn only_if(mut self, kind: FactKind, names: impl IntoIterator<Item = String>) -> Self {
        self.only_if_any
            .extend(names.into_iter().map(|name| Fact { kind, name }));
        self
    }
}
