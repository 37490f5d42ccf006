//! Danish full-text search: normalising, stemming, query parsing and
//! highlighted snippets.
//!
//! Stemming happens here, in Rust, with the Snowball Danish stemmer — not in
//! the database. Both backends index and query the *same* stemmed tokens
//! (SQLite FTS5 over the token string, PostgreSQL a `tsvector` of the same
//! tokens), so a query finds the same entries on both, and "faldet" finds
//! "fald", "faldt" and "falder" everywhere.

use std::collections::HashSet;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

use crate::ids::CitizenId;
use crate::validation::ValidationErrors;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most words and phrases in one query; bounds the work one query can ask for.
pub const MAX_QUERY_CLAUSES: usize = 32;
/// Longest token indexed; longer "words" (hashes, pasted junk) are cut.
const MAX_TOKEN_CHARS: usize = 40;

fn stemmer() -> &'static Stemmer {
    static S: OnceLock<Stemmer> = OnceLock::new();
    S.get_or_init(|| Stemmer::create(Algorithm::Danish))
}

/// Words of `text` with their byte ranges: maximal runs of letters and digits.
/// Everything else (spaces, punctuation, hyphens) separates words, so the
/// tokens need no quoting in either database's query language.
pub fn words(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut start: Option<usize> = None;
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
        } else if let Some(s) = start.take() {
            out.push((s, i, &text[s..i]));
        }
    }
    if let Some(s) = start {
        out.push((s, text.len(), &text[s..]));
    }
    out.into_iter()
}

/// Lower-cases a word and folds the old Danish spelling "aa" to "å"
/// (Aabenraa, paa), so old and new spellings find each other.
pub fn normalise(word: &str) -> String {
    let lower: String = word.chars().flat_map(char::to_lowercase).collect();
    let lower = if lower.contains("aa") {
        lower.replace("aa", "å")
    } else {
        lower
    };
    lower.chars().take(MAX_TOKEN_CHARS).collect()
}

/// The stem of one word: normalised, then Snowball Danish.
pub fn stem(word: &str) -> String {
    stemmer().stem(&normalise(word)).into_owned()
}

/// The stems of every word of `text`, in order (positions matter for phrases).
pub fn stems(text: &str) -> Vec<String> {
    words(text).map(|(_, _, w)| stem(w)).collect()
}

/// A token that only an entry of this citizen carries, so a search within
/// one citizen's journal is an intersection inside the full-text index
/// instead of a scan of every hit.
pub fn citizen_token(id: CitizenId) -> String {
    format!("borger{}", id.0.simple())
}

/// One alternative of a clause: a single stem or a phrase of consecutive stems.
pub type Phrase = Vec<String>;

/// A parsed query. Every `must` clause has to match (one of its
/// alternatives); no `must_not` phrase may match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    pub must: Vec<Vec<Phrase>>,
    pub must_not: Vec<Phrase>,
    /// Restricts the search to these citizens' entries, any of them (added by
    /// the use case, not typed); empty: no restriction by citizen.
    pub citizens: Vec<CitizenId>,
}

impl SearchQuery {
    /// Parses what a person typed. Words are all required; `"…"` is a phrase;
    /// `-word` excludes; `OR`/`ELLER` between two words accepts either.
    /// A query of only operators, only exclusions, or over 500 characters is
    /// refused with a Danish message.
    pub fn parse(raw: &str) -> Result<SearchQuery, ValidationErrors> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(ValidationErrors::single(
                "q",
                format!("Søgningen må højst være {MAX_QUERY_CHARS} tegn."),
            ));
        }
        #[derive(Debug)]
        enum Tok {
            Or,
            Phrase { negated: bool, stems: Phrase },
        }
        let mut toks = Vec::new();
        let mut rest = raw;
        while !rest.is_empty() {
            let trimmed = rest.trim_start();
            if trimmed.is_empty() {
                break;
            }
            let (negated, body) = match trimmed.strip_prefix('-') {
                Some(b) => (true, b),
                None => (false, trimmed),
            };
            let (chunk, after) = if let Some(q) = body.strip_prefix('"') {
                match q.find('"') {
                    Some(end) => (&q[..end], &q[end + 1..]),
                    // An unclosed quote is noise, not a phrase.
                    None => ("", q),
                }
            } else {
                let end = body.find(char::is_whitespace).unwrap_or(body.len());
                (&body[..end], &body[end..])
            };
            rest = after;
            if !negated && (chunk == "OR" || chunk == "ELLER") {
                toks.push(Tok::Or);
                continue;
            }
            let stems = stems(chunk);
            if !stems.is_empty() {
                toks.push(Tok::Phrase { negated, stems });
            }
        }
        let mut q = SearchQuery::default();
        let mut join_next = false;
        for t in toks {
            match t {
                Tok::Or => join_next = !q.must.is_empty(),
                Tok::Phrase {
                    negated: true,
                    stems,
                } => {
                    q.must_not.push(stems);
                    join_next = false;
                }
                Tok::Phrase {
                    negated: false,
                    stems,
                } => {
                    match (join_next, q.must.last_mut()) {
                        (true, Some(last)) => last.push(stems),
                        _ => q.must.push(vec![stems]),
                    }
                    join_next = false;
                }
            }
        }
        if q.must.is_empty() {
            return Err(ValidationErrors::single(
                "q",
                "Skriv mindst ét ord, der skal findes — ikke kun tegn som \" - eller OR.",
            ));
        }
        if q.must.iter().map(Vec::len).sum::<usize>() + q.must_not.len() > MAX_QUERY_CLAUSES {
            return Err(ValidationErrors::single(
                "q",
                format!("Søgningen må højst have {MAX_QUERY_CLAUSES} ord og fraser."),
            ));
        }
        Ok(q)
    }

    /// The same query restricted to one citizen's entries.
    pub fn within(self, citizen: CitizenId) -> Self {
        self.within_any(&[citizen])
    }

    /// The same query restricted to the entries of any of `citizens` — inside
    /// the full-text index, so hits outside them are never read.
    pub fn within_any(mut self, citizens: &[CitizenId]) -> Self {
        self.citizens = citizens.to_vec();
        self
    }

    /// Every stem a hit is highlighted by (not the excluded ones).
    pub fn highlight_stems(&self) -> HashSet<&str> {
        self.must
            .iter()
            .flatten()
            .flatten()
            .map(String::as_str)
            .collect()
    }
}

/// Escapes text for HTML (element content and attribute values).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A snippet of the original `text` around the first words whose stems the
/// query asks for: HTML-escaped, hits wrapped in `<mark>`, cut to about
/// `max_words` words with "…" where text is left out.
pub fn snippet(text: &str, q: &SearchQuery, max_words: usize) -> String {
    let wanted = q.highlight_stems();
    let ws: Vec<(usize, usize, &str)> = words(text).collect();
    if ws.is_empty() {
        return escape_html(text.chars().take(200).collect::<String>().as_str());
    }
    let hit: Vec<bool> = ws
        .iter()
        .map(|(_, _, w)| wanted.contains(stem(w).as_str()))
        .collect();
    let first = hit.iter().position(|h| *h).unwrap_or(0);
    let max_words = max_words.max(1);
    let from = first.saturating_sub(max_words / 3);
    let to = (from + max_words).min(ws.len());
    let from = to.saturating_sub(max_words).min(from);
    let (start, end) = (
        if from == 0 { 0 } else { ws[from].0 },
        if to == ws.len() {
            text.len()
        } else {
            ws[to - 1].1
        },
    );
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for i in from..to {
        let (s, e, w) = ws[i];
        out.push_str(&escape_html(&text[pos..s]));
        if hit[i] {
            out.push_str("<mark>");
            out.push_str(&escape_html(w));
            out.push_str("</mark>");
        } else {
            out.push_str(&escape_html(w));
        }
        pos = e;
    }
    out.push_str(&escape_html(&text[pos..end]));
    if end < text.len() {
        out.push('…');
    }
    // Line breaks of the original become spaces in a one-line snippet.
    out.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faldet_finds_fald_faldt_and_falder() {
        let q = stem("faldet");
        for w in ["fald", "faldt", "falder", "Faldet", "FALD"] {
            assert_eq!(stem(w), q, "{w}");
        }
    }

    #[test]
    fn common_inflections_share_a_stem() {
        for group in [
            &["borgeren", "borger", "borgere", "borgerne"][..],
            &["hjemmebesøg", "hjemmebesøget", "hjemmebesøgene"][..],
            &["træning", "træningen"][..],
            &["sygeplejersken", "sygeplejerske"][..],
        ] {
            let s = stem(group[0]);
            for w in group {
                assert_eq!(stem(w), s, "{w} vs {}", group[0]);
            }
        }
        assert_ne!(stem("fald"), stem("mad"));
    }

    #[test]
    fn old_spelling_aa_folds_to_aa_ring() {
        assert_eq!(stem("paa"), stem("på"));
        assert_eq!(normalise("Aabenraa"), "åbenrå");
    }

    #[test]
    fn words_split_on_punctuation_and_keep_danish_letters() {
        let w: Vec<&str> = words("Ærø-færgen: 3 æbler, øl & å!").map(|t| t.2).collect();
        assert_eq!(w, ["Ærø", "færgen", "3", "æbler", "øl", "å"]);
    }

    #[test]
    fn query_parses_words_phrases_or_and_exclusions() {
        let q = SearchQuery::parse(r#"faldet "på badeværelset" -hoften smerter OR ømhed"#).unwrap();
        assert_eq!(q.must.len(), 3);
        assert_eq!(q.must[0], vec![vec![stem("faldet")]]);
        assert_eq!(q.must[1], vec![vec![stem("på"), stem("badeværelset")]]);
        assert_eq!(q.must[2], vec![vec![stem("smerter")], vec![stem("ømhed")]]);
        assert_eq!(q.must_not, vec![vec![stem("hoften")]]);
    }

    #[test]
    fn only_operators_or_exclusions_are_refused() {
        for raw in [
            "",
            "   ",
            "OR",
            "\"\"",
            "- - -",
            "OR ELLER \" -",
            "-fald",
            "!!! ???",
            "\" - OR",
        ] {
            let e = SearchQuery::parse(raw).unwrap_err();
            assert!(e.for_field("q").is_some(), "{raw:?}");
        }
    }

    #[test]
    fn too_long_queries_are_refused() {
        let long = "fald ".repeat(2000);
        let e = SearchQuery::parse(&long).unwrap_err();
        assert!(e.summary().contains("500"), "{}", e.summary());
        let many = (0..40)
            .map(|i| format!("ord{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(SearchQuery::parse(&many).is_err());
    }

    #[test]
    fn snippet_marks_every_inflection_and_escapes_html() {
        let q = SearchQuery::parse("faldet").unwrap();
        let s = snippet(
            "Borgeren faldt <i> badet; hun falder ofte & slår sig.",
            &q,
            30,
        );
        assert_eq!(
            s,
            "Borgeren <mark>faldt</mark> &lt;i&gt; badet; hun <mark>falder</mark> ofte &amp; slår sig."
        );
    }

    #[test]
    fn snippet_cuts_around_the_first_hit() {
        let text = format!("{} faldt {}", "ord ".repeat(50), "mere ".repeat(50));
        let q = SearchQuery::parse("fald").unwrap();
        let s = snippet(&text, &q, 12);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>faldt</mark>"), "{s}");
        assert!(s.split_whitespace().count() <= 14, "{s}");
    }

    #[test]
    fn citizen_token_is_one_word() {
        let t = citizen_token(CitizenId::new());
        assert_eq!(words(&t).count(), 1);
    }
}
