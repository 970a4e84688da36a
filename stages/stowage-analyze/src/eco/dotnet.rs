//! .NET: *.csproj and *.fsproj (solutions give the build context); ASP.NET Core web apps, workers and console apps.

use crate::detect::{Draft, Found, fact, find_up, line_of, skipped, sources};
use crate::eco::jvm::tag;
use crate::model::{Confidence, Evidence, Fact, Kind};
use crate::walk::{Tree, file_name, parent};

const EXTS: &[&str] = &["cs", "fs", "json"];

/// The value of `attr="..."` on the `<Project` element.
fn project_attr(xml: &str, attr: &str) -> Option<String> {
    let start = xml.find("<Project")?;
    let element = &xml[start..start + xml[start..].find('>')?];
    let pos = element.find(&format!("{attr}=\""))? + attr.len() + 2;
    Some(element[pos..pos + element[pos..].find('"')?].to_string())
}

/// `Include="..."` of every PackageReference.
fn package_refs(xml: &str, path: &str) -> Vec<(String, Evidence)> {
    xml.lines()
        .enumerate()
        .filter(|(_, l)| l.contains("<PackageReference"))
        .filter_map(|(i, l)| {
            let pos = l.find("Include=\"")? + 9;
            let name = &l[pos..pos + l[pos..].find('"')?];
            Some((name.to_string(), Evidence::new(path, Some(i as u32 + 1), format!("references `{name}`"))))
        })
        .collect()
}

pub fn detect(tree: &Tree, projects: &[String]) -> Vec<Found> {
    let mut found = Vec::new();
    for path in tree.texts.keys().filter(|p| p.ends_with(".csproj") || p.ends_with(".fsproj")) {
        found.push(project(tree, projects, path));
    }
    found
}

fn project(tree: &Tree, projects: &[String], path: &str) -> Found {
    let dir = parent(path);
    let xml = tree.text(path).unwrap_or("");
    let stem = file_name(path).rsplit_once('.').map_or(file_name(path), |(s, _)| s);
    let sdk = project_attr(xml, "Sdk").unwrap_or_default();
    let refs = package_refs(xml, path);
    let test = refs
        .iter()
        .any(|(r, _)| r == "Microsoft.NET.Test.Sdk" || r == "xunit" || r == "NUnit" || r == "MSTest.TestFramework")
        || tag(xml, "IsTestProject").is_some_and(|(v, _)| v == "true");
    if test {
        return skipped(dir, format!("test project ({path})"));
    }
    let output = tag(xml, "OutputType").map(|(v, _)| v);
    let web = sdk == "Microsoft.NET.Sdk.Web";
    let worker = sdk == "Microsoft.NET.Sdk.Worker";
    let exe = matches!(output.as_deref(), Some("Exe" | "WinExe"));
    if !web && !worker && !exe {
        return skipped(dir, format!("class library ({path}): SDK `{sdk}` without `<OutputType>Exe</OutputType>`"));
    }
    let assembly = tag(xml, "AssemblyName").map(|(v, _)| v).unwrap_or_else(|| stem.to_string());
    let language = if path.ends_with(".fsproj") { "fsharp" } else { "csharp" };
    let mut draft = Draft::new(
        &crate::detect::service_name(&assembly),
        dir,
        fact(language, Confidence::High, path, None, "project file"),
    );
    let context = tree
        .files
        .iter()
        .filter(|p| p.ends_with(".sln") || p.ends_with(".slnx"))
        .filter(|s| tree.text(s).is_some_and(|t| t.replace('\\', "/").contains(file_name(path))))
        .map(|s| parent(s).to_string())
        .min_by_key(|d| d.len())
        .unwrap_or_else(|| dir.to_string());
    draft.build_context = context.clone();
    let tf = tag(xml, "TargetFramework")
        .or_else(|| tag(xml, "TargetFrameworks").map(|(v, n)| (v.split(';').next().unwrap_or("").to_string(), n)));
    if let Some((tf, n)) = tf {
        let version = tf.trim_start_matches("netcoreapp").trim_start_matches("net").to_string();
        draft.runtime_version =
            Some(fact(version, Confidence::High, path, Some(n), &format!("TargetFramework `{tf}`")));
    }
    draft.package_manager = Some(fact("nuget", Confidence::High, path, None, "dotnet restore"));
    if let Some((lock, _)) = find_up(tree, dir, dir, &["packages.lock.json"]) {
        draft.lockfile = Some(fact(lock.clone(), Confidence::High, &lock, None, "NuGet lockfile"));
    }
    let rel = path.strip_prefix(&format!("{context}/")).unwrap_or(path);
    let rel = if context == "." { path } else { rel };
    draft.build_command = Some(fact(
        format!("dotnet publish {rel} -c Release -o /app/publish"),
        Confidence::High,
        path,
        None,
        "project file",
    ));
    draft.start_command =
        Some(fact(format!("dotnet {assembly}.dll"), Confidence::High, path, None, "the published assembly"));
    let sdk_line = line_of(xml, "<Project");
    if web {
        draft.framework = Some(fact("ASP.NET Core", Confidence::High, path, sdk_line, "Sdk `Microsoft.NET.Sdk.Web`"));
        draft.web_framework = true;
        // Since .NET 8 the official images set ASPNETCORE_HTTP_PORTS=8080; older ones listened on 80.
        let major: u32 =
            draft.runtime_version.as_ref().and_then(|v| v.value.split('.').next()?.parse().ok()).unwrap_or(8);
        let port = if major >= 8 { 8080 } else { 80 };
        draft.default_port =
            Some((port, Evidence::new(path, sdk_line, format!("ASP.NET Core container default {port}"))));
        draft.default_port_env = Some((
            "ASPNETCORE_URLS".into(),
            Evidence::new(path, sdk_line, "ASP.NET Core takes its listen address from `ASPNETCORE_URLS`"),
        ));
    } else if worker {
        draft.framework =
            Some(fact(".NET Worker Service", Confidence::High, path, sdk_line, "Sdk `Microsoft.NET.Sdk.Worker`"));
        draft.kind = Some(Fact::new(Kind::Worker, Confidence::High, Evidence::new(path, sdk_line, "worker SDK")));
    } else {
        draft.fallback_kind = Some(Fact::new(
            Kind::Cli,
            Confidence::Medium,
            Evidence::new(path, line_of(xml, "OutputType"), "console application"),
        ));
    }
    let assembly_line = line_of(xml, "<AssemblyName>");
    let detail = if assembly_line.is_some() { "`<AssemblyName>`" } else { "assembly named after the project file" };
    draft.build.artifact = Some(fact(format!("{assembly}.dll"), Confidence::High, path, assembly_line, detail));
    if let Some((version, n)) = tag(xml, "Version").or_else(|| tag(xml, "VersionPrefix")) {
        draft.build.version = Some(fact(version, Confidence::High, path, Some(n), "project `<Version>`"));
    }
    draft.deps = refs;
    draft.sources = sources(tree, dir, projects, EXTS, &[]);
    // launchSettings.json holds development profiles only; production ports come from code or the defaults.
    draft.sources.retain(|p| file_name(p) != "launchSettings.json" && !file_name(p).ends_with(".deps.json"));
    Found::Service(Box::new(draft))
}
