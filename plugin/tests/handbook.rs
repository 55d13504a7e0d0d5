//! The README's exception handbook is the component's catalogue: every code, team, severity
//! and meaning, in catalogue order. `JLM_BLESS=1 cargo test -p plugin --test handbook`
//! rewrites the table from the catalogue.

use std::path::Path;

use plugin::exceptions::catalogue::CODES;

const START: &str = "<!-- handbook:start -->";
const END: &str = "<!-- handbook:end -->";

fn table() -> String {
    let mut table =
        String::from("| Code | Team | Severity | What it means, what to do |\n|---|---|---|---|\n");
    for e in CODES {
        let team = format!("{:?}", e.team).to_lowercase();
        let severity = format!("{:?}", e.severity).to_lowercase();
        table.push_str(&format!(
            "| `{}` | {team} | {severity} | {} |\n",
            e.code, e.meaning
        ));
    }
    table
}

#[test]
fn the_readme_handbook_is_the_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md has no {START} … {END} section");
    };
    let current = &readme[start + START.len()..end];
    let wanted = format!("\n{}", table());
    if std::env::var_os("JLM_BLESS").is_some() {
        let updated = format!("{}{START}{wanted}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert_eq!(
        current, wanted,
        "the README handbook differs from plugin/src/exceptions/catalogue.rs; run JLM_BLESS=1 cargo test -p plugin --test handbook"
    );
}
