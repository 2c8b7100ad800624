//! The page's code imports one way. Every file under src/ui belongs to a part: the folder it is
//! in, or itself at the top (`app.rs`, `state.rs`), and `limits` in ui/mod.rs. The parts are
//! ranked; a file may use its own part and the parts ranked below it, never one above or beside:
//!
//! ```text
//!   app        the page: layout, tabs, keyboard, the frame loop that plays rounds
//!   views      compare, experiment, scaling, spacetime (and their Web Workers)
//!   run        the run view: stage, controls, panels, membership, matrix
//!   lecture    the lecture bar (links, embed, tours, present mode, timeline) and the exports
//!   charts     one module per chart
//!   widgets    canvas, palette, frame loop
//!   state      the reducer (Lab, Action, Run) and the lesson's comparison runs
//!   url        what a link or a tour step says, and what any configuration must satisfy
//!   limits     the page's ranges
//! ```
//!
//! Inside a part, files must not import each other in a circle either. A file's imports are the
//! paths it names outside comments: `crate::ui::a::b` and `super::a` (resolved from the file's
//! own module), and in a file with submodules `name::` for each of them. The check reads text,
//! not Rust, so a path only a macro assembles would escape it; the parts' own code names its
//! paths plainly. ui/mod.rs itself only declares the parts and mounts the app, and is not checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The parts from the lowest up; a file may import from its own part and those before it.
const RANKS: [&str; 9] = [
    "limits", "url", "state", "widgets", "charts", "lecture", "run", "views", "app",
];

/// A module's path below `crate::ui`: `["run", "stage"]` for src/ui/run/stage.rs.
type Module = Vec<String>;

fn module_of(relative: &str) -> Module {
    let mut parts: Vec<String> = relative
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts
}

/// The code without `//` comments (doc comments included).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.find("//").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The paths a `use` group or a plain path at the start of `code` names: `a::b`, `{a, b::c}`,
/// `{a::{b, c}}`, each after `prefix`. Returns how many bytes it read.
fn paths_from(code: &[u8], prefix: &[String], out: &mut Vec<Module>) -> usize {
    let mut at = 0;
    let mut path = prefix.to_vec();
    loop {
        let start = at;
        while at < code.len() && is_ident(code[at]) {
            at += 1;
        }
        if at > start {
            path.push(String::from_utf8_lossy(&code[start..at]).into_owned());
        }
        if code[at..].starts_with(b"::{") {
            at += 3;
            // Each item of the group, up to its closing brace.
            loop {
                while code
                    .get(at)
                    .is_some_and(|&c| c.is_ascii_whitespace() || c == b',')
                {
                    at += 1;
                }
                match code.get(at) {
                    None => return at,
                    Some(b'}') => return at + 1,
                    Some(_) => {}
                }
                at += paths_from(&code[at..], &path, out);
                // Skip `as name` and anything else up to the item's end.
                while code.get(at).is_some_and(|&c| c != b',' && c != b'}') {
                    at += 1;
                }
            }
        }
        if code[at..].starts_with(b"::") {
            at += 2;
            continue;
        }
        out.push(path);
        return at;
    }
}

/// Every module path a file names, unresolved: `crate::ui::` paths from the root, `super::`
/// paths from the file's parent, and its submodules' paths from the file itself.
fn named_paths(module: &Module, children: &[String], code: &str) -> Vec<Module> {
    let code = code.as_bytes();
    let mut paths = Vec::new();
    let mut at = 0;
    while at < code.len() {
        let starts_path = at == 0 || !(is_ident(code[at - 1]) || code[at - 1] == b':');
        let rest = &code[at..];
        if !starts_path {
            at += 1;
        } else if rest.starts_with(b"crate::ui::") {
            at += "crate::ui::".len();
            at += paths_from(&code[at..], &[], &mut paths);
        } else if rest.starts_with(b"super::") {
            let mut base = module.clone();
            while code[at..].starts_with(b"super::") {
                base.pop();
                at += "super::".len();
            }
            at += paths_from(&code[at..], &base, &mut paths);
        } else if let Some(child) = children
            .iter()
            .find(|child| rest.starts_with(format!("{child}::").as_bytes()))
        {
            let mut base = module.clone();
            base.push(child.clone());
            at += child.len() + 2;
            at += paths_from(&code[at..], &base, &mut paths);
        } else {
            at += 1;
        }
    }
    paths
}

/// The submodules a file declares (`mod name;` or `mod name {`), tests excepted.
fn children_of(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub mod ")
                .or_else(|| line.strip_prefix("pub(crate) mod "))
                .or_else(|| line.strip_prefix("mod "))?;
            let name: String = rest
                .chars()
                .take_while(|&c| c.is_ascii() && is_ident(c as u8))
                .collect();
            (!name.is_empty() && name != "tests").then_some(name)
        })
        .collect()
}

/// What a file imports: for each file, the known modules it names (longest known prefix).
fn imports(files: &BTreeMap<String, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut known: BTreeSet<Module> = BTreeSet::new();
    let mut parsed = Vec::new();
    for (relative, text) in files {
        let module = module_of(relative);
        let code = without_comments(text);
        let children = children_of(&code);
        for child in &children {
            let mut path = module.clone();
            path.push(child.clone());
            known.insert(path);
        }
        known.insert(module.clone());
        parsed.push((module, children, code));
    }
    let mut graph = BTreeMap::new();
    for (module, children, code) in parsed {
        let targets = named_paths(&module, &children, &code)
            .into_iter()
            .filter_map(|path| {
                (0..=path.len())
                    .rev()
                    .map(|length| path[..length].to_vec())
                    .find(|prefix| known.contains(prefix))
            })
            .filter(|target| *target != module)
            .collect();
        graph.insert(module, targets);
    }
    graph
}

fn part(module: &Module) -> &str {
    module.first().map_or("", String::as_str)
}

fn shown(module: &Module) -> String {
    if module.is_empty() {
        "crate::ui".into()
    } else {
        format!("crate::ui::{}", module.join("::"))
    }
}

/// Every import from a part ranked at or above the importer's (its own part excepted), every
/// file outside the ranked parts, and one import circle if there is one.
fn violations(files: &BTreeMap<String, String>) -> Vec<String> {
    let graph = imports(files);
    let rank = |module: &Module| RANKS.iter().position(|&name| name == part(module));
    let mut found = Vec::new();
    for (module, targets) in &graph {
        if module.is_empty() {
            continue;
        }
        let Some(own) = rank(module) else {
            found.push(format!(
                "{} is in no part: add its part to RANKS in tests/ui_layers.rs",
                shown(module)
            ));
            continue;
        };
        for target in targets {
            if part(target) == part(module) {
                continue;
            }
            match rank(target) {
                Some(theirs) if theirs < own => {}
                _ => found.push(format!(
                    "{} ({}) imports {} ({}), which is not below it",
                    shown(module),
                    part(module),
                    shown(target),
                    if part(target).is_empty() {
                        "the root"
                    } else {
                        part(target)
                    },
                )),
            }
        }
    }
    if let Some(circle) = circle(&graph) {
        found.push(format!(
            "an import circle: {}",
            circle.iter().map(shown).collect::<Vec<_>>().join(" -> ")
        ));
    }
    found
}

/// One circle in the graph, as the modules on it (the first repeated at the end), if any.
fn circle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        module: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        done: &mut BTreeSet<Module>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(at) = stack.iter().position(|on| on == module) {
            let mut circle = stack[at..].to_vec();
            circle.push(module.clone());
            return Some(circle);
        }
        if !done.insert(module.clone()) {
            return None;
        }
        stack.push(module.clone());
        for target in graph.get(module).into_iter().flatten() {
            if let Some(circle) = visit(target, graph, done, stack) {
                return Some(circle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| visit(module, graph, &mut done, &mut Vec::new()))
}

fn read_ui(dir: &Path, root: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("src/ui is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            read_ui(&path, root, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(root).expect("under src/ui");
            let relative = relative.to_string_lossy().replace('\\', "/");
            files.insert(
                relative,
                std::fs::read_to_string(&path).expect("a source file"),
            );
        }
    }
}

#[test]
fn the_ui_imports_run_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
    let mut files = BTreeMap::new();
    read_ui(&root, &root, &mut files);
    assert!(files.len() > 30, "src/ui holds the page's files");
    let found = violations(&files);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The parser sees each way a file names another module.
#[test]
fn every_way_of_naming_a_module_is_seen() {
    let files: BTreeMap<String, String> = [
        ("mod.rs", "pub mod app;\npub mod limits { }\n"),
        (
            "app.rs",
            "use super::run::{panels::Legend, stage};\nuse crate::ui::views::Tabs;\n\
             fn f() { <crate::ui::lecture::bar::LectureBar /> }",
        ),
        ("run/mod.rs", "pub mod panels;\npub mod stage;\n"),
        ("run/panels.rs", "use super::super::state::{self, Run};\n"),
        ("run/stage.rs", ""),
        (
            "state.rs",
            "pub mod comparison;\nuse comparison::Comparison;\n",
        ),
        (
            "state/comparison.rs",
            "// use crate::ui::app; (a comment)\n",
        ),
        ("views/mod.rs", ""),
        ("lecture/mod.rs", "pub mod bar;\n"),
        ("lecture/bar.rs", ""),
    ]
    .into_iter()
    .map(|(path, text)| (path.to_string(), text.to_string()))
    .collect();
    let graph = imports(&files);
    let modules = |names: &[&str]| -> BTreeSet<Module> {
        names
            .iter()
            .map(|name| name.split("::").map(str::to_string).collect())
            .collect()
    };
    assert_eq!(
        graph[&module_of("app.rs")],
        modules(&["run::panels", "run::stage", "views", "lecture::bar"])
    );
    assert_eq!(graph[&module_of("run/panels.rs")], modules(&["state"]));
    assert_eq!(
        graph[&module_of("state.rs")],
        modules(&["state::comparison"])
    );
    assert!(graph[&module_of("state/comparison.rs")].is_empty());
    assert!(violations(&files).is_empty(), "{:?}", violations(&files));
}

/// An import from a higher part, or a circle inside a part, fails the check.
#[test]
fn a_back_edge_or_a_circle_fails() {
    let files = |entries: &[(&str, &str)]| -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect()
    };
    // The state reaching up into the run view.
    let back_edge = violations(&files(&[
        ("state.rs", "use crate::ui::run::stage::beliefs;\n"),
        ("run/mod.rs", "pub mod stage;\n"),
        ("run/stage.rs", "use crate::ui::state::Run;\n"),
    ]));
    assert!(
        back_edge
            .iter()
            .any(|found| found.contains("crate::ui::state (state) imports crate::ui::run::stage")),
        "{back_edge:?}"
    );
    // A lower part naming a higher one anywhere in its code, here the run view the views.
    let sideways = violations(&files(&[
        ("views/mod.rs", ""),
        ("app.rs", ""),
        ("run/mod.rs", "use crate::ui::views::View;\n"),
    ]));
    assert_eq!(sideways.len(), 1, "{sideways:?}");
    // A circle inside a part, as the URL keys once were.
    let circle = violations(&files(&[
        ("url/mod.rs", "pub mod share;\nuse share::Lecture;\n"),
        ("url/share.rs", "use super::Setup;\n"),
    ]));
    assert_eq!(
        circle,
        ["an import circle: crate::ui::url -> crate::ui::url::share -> crate::ui::url"]
    );
    // A file in no known part.
    let stray = violations(&files(&[("misc.rs", "")]));
    assert_eq!(stray.len(), 1, "{stray:?}");
}
