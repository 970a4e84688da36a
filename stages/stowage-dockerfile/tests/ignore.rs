//! The ignore matcher against the cases of moby's pattern matcher (github.com/moby/patternmatcher,
//! `patternmatcher_test.go` `TestMatches`, matched with parent folders as the engines do), and the generated
//! ignore files against canary secrets and against what the Dockerfiles copy.

use stowage_dockerfile::ignore::{Matcher, patterns};

/// (pattern, path, excluded): moby's table, where a pattern also matches a path under a matching folder.
const MOBY: &[(&str, &str, bool)] = &[
    ("**", "file", true),
    ("**", "file/", true),
    ("**/", "file", true),
    ("**/", "file/", true),
    ("**", "/", true),
    ("**/", "/", true),
    ("**", "dir/file", true),
    ("**/", "dir/file", true),
    ("**", "dir/file/", true),
    ("**/", "dir/file/", true),
    ("**/**", "dir/file", true),
    ("**/**", "dir/file/", true),
    ("dir/**", "dir/file", true),
    ("dir/**", "dir/file/", true),
    ("dir/**", "dir/dir2/file", true),
    ("dir/**", "dir/dir2/file/", true),
    ("**/dir", "dir", true),
    ("**/dir", "dir/file", true),
    ("**/dir2/*", "dir/dir2/file", true),
    ("**/dir2/*", "dir/dir2/file/", true),
    ("**/dir2/**", "dir/dir2/dir3/file", true),
    ("**/dir2/**", "dir/dir2/dir3/file/", true),
    ("**file", "file", true),
    ("**file", "dir/file", true),
    ("**/file", "dir/file", true),
    ("**file", "dir/dir/file", true),
    ("**/file", "dir/dir/file", true),
    ("**/file*", "dir/dir/file", true),
    ("**/file*", "dir/dir/file.txt", true),
    ("**/file*txt", "dir/dir/file.txt", true),
    ("**/file*.txt", "dir/dir/file.txt", true),
    ("**/file*.txt*", "dir/dir/file.txt", true),
    ("**/**/*.txt", "dir/dir/file.txt", true),
    ("**/**/*.txt2", "dir/dir/file.txt", false),
    ("**/*.txt", "file.txt", true),
    ("**/**/*.txt", "file.txt", true),
    ("a**/*.txt", "a/file.txt", true),
    ("a**/*.txt", "a/dir/file.txt", true),
    ("a**/*.txt", "a/dir/dir/file.txt", true),
    ("a/*.txt", "a/dir/file.txt", false),
    ("a/*.txt", "a/file.txt", true),
    ("a/*.txt**", "a/file.txt", true),
    ("a[b-d]e", "ae", false),
    ("a[b-d]e", "ace", true),
    ("a[b-d]e", "aae", false),
    ("a[^b-d]e", "aze", true),
    (".*", ".foo", true),
    (".*", "foo", false),
    ("abc.def", "abcdef", false),
    ("abc.def", "abc.def", true),
    ("abc.def", "abcZdef", false),
    ("abc?def", "abcZdef", true),
    ("abc?def", "abcdef", false),
    ("a\\\\", "a\\", true),
    ("**/foo/bar", "foo/bar", true),
    ("**/foo/bar", "dir/foo/bar", true),
    ("**/foo/bar", "dir/dir2/foo/bar", true),
    ("abc/**", "abc", false),
    ("abc/**", "abc/def", true),
    ("abc/**", "abc/def/ghi", true),
    ("**/.foo", ".foo", true),
    ("**/.foo", "bar.foo", false),
    ("a(b)c/def", "a(b)c/def", true),
    ("a(b)c/def", "a(b)c/xyz", false),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
    (
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        true,
    ),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true),
];

#[test]
fn the_matcher_agrees_with_moby() {
    let mut wrong = Vec::new();
    for (pattern, path, expected) in MOBY {
        if Matcher::new(&[pattern]).excluded(path) != *expected {
            wrong.push(format!("{pattern:?} on {path:?}: expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn exclusions_and_order_follow_the_engines() {
    // The last matching pattern decides; `!` brings a path back; a bare name matches only at the root.
    let m = Matcher::new(&["**/*.md", "!README.md", "# a comment", "", ".env"]);
    assert!(m.excluded("docs/guide.md"));
    assert!(!m.excluded("README.md"));
    assert!(m.excluded(".env"));
    assert!(!m.excluded("sub/.env"), "a bare `.env` matches only at the context root");
    assert!(Matcher::new(&["/leading/slash"]).excluded("leading/slash/x"));
}

/// A `.env` and a key file at the root and in a subfolder, for every language's ignore file: none reaches the
/// build context, and the app's own files do.
#[test]
fn canary_secrets_never_reach_a_build_context() {
    let canaries = [
        ".env",
        "config/.env",
        ".env.production",
        "services/api/.env.local",
        "id_rsa",
        "deploy/id_ed25519.pub",
        "server.key",
        "certs/tls.pem",
        "keys/store.p12",
        ".npmrc",
        "sub/.aws/credentials",
        ".git/config",
    ];
    let kept = ["server.js", "app/main.py", "src/main.rs", "package.json", "go.mod", "public/index.html"];
    for lang in ["node", "static", "python", "go", "rust", "java", "dotnet", "php", "ruby"] {
        let items = patterns(lang, ".", true, &Default::default());
        let lines: Vec<String> = items.iter().map(|i| i.value.clone()).collect();
        let m = Matcher::new(&lines);
        for canary in canaries {
            assert!(m.excluded(canary), "{lang}: `{canary}` would reach the build context");
        }
        for file in kept {
            assert!(!m.excluded(file), "{lang}: `{file}` would be left out of the build context");
        }
    }
}

#[test]
fn go_keeps_vendor_and_php_drops_it() {
    let m = |lang| {
        Matcher::new(
            &patterns(lang, ".", false, &Default::default()).iter().map(|i| i.value.clone()).collect::<Vec<_>>(),
        )
    };
    assert!(!m("go").excluded("vendor/github.com/x/y.go"), "a vendored Go build reads vendor/");
    assert!(m("php").excluded("vendor/autoload.php"), "composer installs vendor/ inside the build");
}
